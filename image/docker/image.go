package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/image"
)

// inspect is the part of GET /images/{name}/json this package reads.
type inspect struct {
	ID            string    `json:"Id"`
	Created       string    `json:"Created"`
	Author        string    `json:"Author"`
	DockerVersion string    `json:"DockerVersion"`
	Architecture  string    `json:"Architecture"`
	Variant       string    `json:"Variant"`
	OS            string    `json:"Os"`
	OSVersion     string    `json:"OsVersion"`
	Config        v1.Config `json:"Config"` // the same JSON names as an image config's
	RootFS        struct {
		Type   string    `json:"Type"`
		Layers []v1.Hash `json:"Layers"`
	} `json:"RootFS"`
}

// checkRef refuses what cannot name an image in the path of the image
// endpoints (/images/{name}/json, where the name may hold slashes).
func checkRef(ref string) error {
	bad := ref == "" || strings.ContainsAny(ref, "?#% \t\r\n")
	for _, seg := range strings.Split(ref, "/") {
		bad = bad || seg == "" || seg == "." || seg == ".."
	}
	if bad {
		return errors.Errorf("invalid image reference %q", ref)
	}
	return nil
}

// inspect reads GET /images/{ref}/json; a missing image wraps
// image.ErrNotFound.
func (c *Client) inspect(ctx context.Context, ref string) (*inspect, error) {
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	var in inspect
	if err := c.getJSON(ctx, "/images/"+ref+"/json", &in); err != nil {
		if isNotFound(err) {
			return nil, errors.Wrapf(image.ErrNotFound, "image %s in docker daemon at %s", ref, c.endpoint.host)
		}
		return nil, errors.Wrapf(err, "inspecting image %s in docker daemon at %s", ref, c.endpoint.host)
	}
	if in.ID == "" {
		return nil, errors.Errorf("inspecting image %s in docker daemon at %s: no image ID in the answer", ref, c.endpoint.host)
	}
	return &in, nil
}

// Image returns the image ref names in the daemon (a name such as
// "foo/bar:tag", or an image ID "sha256:<hex>") and its image ID, inspect's
// Id (CONFORMANCE TGT-3). A missing image is an error wrapping
// image.ErrNotFound.
//
// The image is lazy. Its config comes from the inspect answer (os,
// architecture, variant, os.version, author, created, the container config
// and rootfs.diff_ids); its history is empty, since the Engine API does not
// give an image's exact history. ConfigName is the digest of that rebuilt
// config, which is docker's image ID only if docker's own config has the
// same bytes: do not rely on it. ConfigFile, RawConfigFile, ConfigName,
// Manifest, Digest and the layers' DiffID, Digest and MediaType need no
// further request.
//
// Its layers are the daemon's uncompressed layers: Digest() == DiffID(),
// media type types.DockerLayer, and Compressed() gives the same
// uncompressed tar as Uncompressed(). The first call that needs a layer's
// content or size (Compressed, Uncompressed, Size, UncompressedSize) saves
// the whole image once (GET /images/{id}/get, docker save) into an unlinked
// temporary file of os.TempDir() that lives until the image is garbage
// collected or the client is closed; both the classic save format and the
// OCI-layout style of Docker 25+ are read. ctx also bounds that save.
//
// Its manifest is synthetic, since a daemon image has none: a Docker schema
// 2 manifest whose config descriptor is the rebuilt config's digest and
// size, and whose layer descriptors carry the diffIDs as digests, with the
// layer sizes known when the manifest is first asked for (0 before a save).
// mutate.Append over this image asks for it, which stays cheap.
func (c *Client) Image(ctx context.Context, ref string) (v1.Image, string, error) {
	in, err := c.inspect(ctx, ref)
	if err != nil {
		return nil, "", err
	}
	cfg := configFrom(in)
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, "", errors.Wrapf(err, "encoding the config of image %s", ref)
	}
	img := &daemonImage{client: c, ctx: ctx, ref: ref, id: in.ID, rawConfig: raw, diffIDs: cfg.RootFS.DiffIDs}
	return img, in.ID, nil
}

// configFrom rebuilds an image config from an inspect answer.
func configFrom(in *inspect) *v1.ConfigFile {
	var created time.Time
	if in.Created != "" {
		if t, err := time.Parse(time.RFC3339Nano, in.Created); err == nil && !t.IsZero() {
			created = t.UTC()
		}
	}
	diffIDs := in.RootFS.Layers
	if diffIDs == nil {
		diffIDs = []v1.Hash{}
	}
	return &v1.ConfigFile{
		Architecture:  in.Architecture,
		Author:        in.Author,
		Created:       v1.Time{Time: created},
		DockerVersion: in.DockerVersion,
		OS:            in.OS,
		OSVersion:     in.OSVersion,
		Variant:       in.Variant,
		RootFS:        v1.RootFS{Type: "layers", DiffIDs: diffIDs},
		Config:        in.Config,
	}
}

// daemonImage is a v1.Image read from the daemon (see Client.Image).
type daemonImage struct {
	client    *Client
	ctx       context.Context // of the Image call: bounds the lazy save, as ggcr's remote images keep theirs
	ref, id   string
	rawConfig []byte
	diffIDs   []v1.Hash

	mu          sync.Mutex
	saved       *archive // nil until a layer's content is needed
	rawManifest []byte   // nil until first asked for
}

var (
	_ v1.Image = (*daemonImage)(nil)
	_ v1.Layer = (*daemonLayer)(nil)
)

func (i *daemonImage) MediaType() (types.MediaType, error) { return types.DockerManifestSchema2, nil }

func (i *daemonImage) RawConfigFile() ([]byte, error) { return bytes.Clone(i.rawConfig), nil }

func (i *daemonImage) ConfigFile() (*v1.ConfigFile, error) {
	return v1.ParseConfigFile(bytes.NewReader(i.rawConfig))
}

func (i *daemonImage) ConfigName() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(i.rawConfig))
	return h, err
}

func (i *daemonImage) RawManifest() ([]byte, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.rawManifest != nil {
		return bytes.Clone(i.rawManifest), nil
	}
	cfgHash, cfgSize, err := v1.SHA256(bytes.NewReader(i.rawConfig))
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.DockerManifestSchema2,
		Config:        v1.Descriptor{MediaType: types.DockerConfigJSON, Size: cfgSize, Digest: cfgHash},
		Layers:        make([]v1.Descriptor, 0, len(i.diffIDs)),
	}
	for _, d := range i.diffIDs {
		var size int64
		if i.saved != nil {
			size, _ = i.saved.knownSize(d)
		}
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.DockerLayer, Size: size, Digest: d})
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	i.rawManifest = raw
	return bytes.Clone(raw), nil
}

func (i *daemonImage) Manifest() (*v1.Manifest, error) {
	raw, err := i.RawManifest()
	if err != nil {
		return nil, err
	}
	return v1.ParseManifest(bytes.NewReader(raw))
}

func (i *daemonImage) Digest() (v1.Hash, error) {
	raw, err := i.RawManifest()
	if err != nil {
		return v1.Hash{}, err
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	return h, err
}

func (i *daemonImage) Size() (int64, error) {
	raw, err := i.RawManifest()
	return int64(len(raw)), err
}

func (i *daemonImage) Layers() ([]v1.Layer, error) {
	ls := make([]v1.Layer, len(i.diffIDs))
	for n, d := range i.diffIDs {
		ls[n] = &daemonLayer{img: i, diffID: d}
	}
	return ls, nil
}

// LayerByDiffID returns the layer with diffID h.
func (i *daemonImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	for _, d := range i.diffIDs {
		if d == h {
			return &daemonLayer{img: i, diffID: d}, nil
		}
	}
	return nil, errors.Errorf("image %s has no layer with diffID %s", i.ref, h)
}

// LayerByDigest is LayerByDiffID: the digest of a daemon layer is its
// diffID.
func (i *daemonImage) LayerByDigest(h v1.Hash) (v1.Layer, error) { return i.LayerByDiffID(h) }

// archive saves the image the first time it is needed. A failed save is
// not kept: the next call tries again.
func (i *daemonImage) archive() (*archive, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.saved != nil {
		return i.saved, nil
	}
	a, err := i.client.save(i.ctx, i.id)
	if err != nil {
		return nil, errors.Wrapf(err, "reading the layers of image %s", i.ref)
	}
	i.saved = a
	// The file goes once nothing can read it any more.
	saves := i.client.saves
	runtime.AddCleanup(i, func(a *archive) { saves.close(a) }, a)
	return a, nil
}

// save writes docker save's archive of image id to an unlinked temporary
// file and indexes it.
func (c *Client) save(ctx context.Context, id string) (*archive, error) {
	if err := checkRef(id); err != nil {
		return nil, err
	}
	path := "/images/" + id + "/get"
	resp, err := c.do(ctx, http.MethodGet, path, url.Values{}, nil, "")
	if err != nil {
		// Docker 20.10 answers 500, not 404, for a missing image here.
		if isNotFound(err) || isStatus(err) && c.missing(ctx, id) {
			return nil, errors.Wrapf(image.ErrNotFound, "image %s in docker daemon at %s", id, c.endpoint.host)
		}
		return nil, errors.Wrapf(err, "saving image %s from docker daemon at %s", id, c.endpoint.host)
	}
	defer resp.Body.Close()
	f, err := unlinkedTemp("cnb-docker-save-*.tar")
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(f, resp.Body)
	if err != nil {
		f.Close()
		return nil, errors.Wrapf(err, "saving image %s from docker daemon at %s", id, c.endpoint.host)
	}
	a, err := openArchive(f, n)
	if err != nil {
		f.Close()
		return nil, errors.Wrapf(err, "reading docker save archive of image %s", id)
	}
	c.saves.add(a)
	return a, nil
}

// missing says whether the daemon says it has no image ref.
func (c *Client) missing(ctx context.Context, ref string) bool {
	_, err := c.inspect(ctx, ref)
	return errors.Is(err, image.ErrNotFound)
}

// daemonLayer is one layer of a daemonImage.
type daemonLayer struct {
	img    *daemonImage
	diffID v1.Hash
}

func (l *daemonLayer) Digest() (v1.Hash, error)            { return l.diffID, nil }
func (l *daemonLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *daemonLayer) MediaType() (types.MediaType, error) { return types.DockerLayer, nil }

// Uncompressed returns the layer's tar, saving the image first if needed.
func (l *daemonLayer) Uncompressed() (io.ReadCloser, error) {
	a, err := l.img.archive()
	if err != nil {
		return nil, err
	}
	return a.open(l.diffID)
}

// Compressed is Uncompressed: a daemon layer's digest is its diffID.
func (l *daemonLayer) Compressed() (io.ReadCloser, error) { return l.Uncompressed() }

// Size is the size of the uncompressed tar; it saves the image if needed.
func (l *daemonLayer) Size() (int64, error) { return l.UncompressedSize() }

// UncompressedSize is the size of the layer's tar (see Write); it saves the
// image if needed.
func (l *daemonLayer) UncompressedSize() (int64, error) {
	a, err := l.img.archive()
	if err != nil {
		return 0, err
	}
	return a.size(l.diffID)
}
