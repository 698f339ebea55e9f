package layout

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/cnb-lifecycle/lifecycle/image"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"
)

// The files of an OCI image layout (OCI image-spec, image-layout.md).
const (
	indexFile  = "index.json"
	markerFile = "oci-layout"
	blobsDir   = "blobs"
)

// AnnotationRefName names an image in a layout's index.json (TGT-7).
const AnnotationRefName = "org.opencontainers.image.ref.name"

// Read opens the image of the layout at path and returns it with its
// manifest digest. With a zero digest it is the one image manifest of
// index.json or, if there are several, the one whose
// org.opencontainers.image.ref.name is the last element of path, else the
// first; with a non-zero digest it is the manifest of that digest.
//
// A missing directory or index.json, an index without image manifests, or
// no manifest of the given digest give an error wrapping image.ErrNotFound;
// an unreadable or corrupt index or manifest a plain error naming path.
// Only index.json and the manifest are read here: the config is read on
// first use and the layers, which implement BlobPath, when they are opened.
// Nested indexes (multi-platform images) are not looked into. The image
// reads from path as it is used, so use it before path is replaced (Write
// to path itself is fine: it links what it needs before the swap).
func Read(path string, digest v1.Hash) (v1.Image, v1.Hash, error) {
	return ReadWith(path, digest, nil)
}

// ReadWith is Read, with layer blobs served from blobs where it holds them:
// files opened earlier, by a process that could then read them (OpenBlobs).
func ReadWith(path string, digest v1.Hash, blobs *Blobs) (v1.Image, v1.Hash, error) {
	raw, err := os.ReadFile(filepath.Join(path, indexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, v1.Hash{}, errors.Wrapf(image.ErrNotFound, "oci layout %s", path)
	}
	if err != nil {
		return nil, v1.Hash{}, errors.Wrapf(err, "reading oci layout %s", path)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, v1.Hash{}, errors.Wrapf(err, "parsing %s", filepath.Join(path, indexFile))
	}
	desc, err := pick(idx, filepath.Base(path), digest)
	if err != nil {
		return nil, v1.Hash{}, errors.Wrapf(err, "oci layout %s", path)
	}
	img, err := open(path, desc)
	if err != nil {
		return nil, v1.Hash{}, errors.Wrapf(err, "reading oci layout %s", path)
	}
	img.blobs = blobs
	return img, desc.Digest, nil
}

// isManifest tells the image manifest media types this package reads.
func isManifest(mt types.MediaType) bool {
	return mt == types.OCIManifestSchema1 || mt == types.DockerManifestSchema2
}

// pick chooses the image of the index: see Read.
func pick(idx *v1.IndexManifest, refName string, digest v1.Hash) (v1.Descriptor, error) {
	var imgs []v1.Descriptor
	for _, d := range idx.Manifests {
		if isManifest(d.MediaType) {
			imgs = append(imgs, d)
		}
	}
	if digest != (v1.Hash{}) {
		for _, d := range imgs {
			if d.Digest == digest {
				return d, nil
			}
		}
		return v1.Descriptor{}, errors.Wrapf(image.ErrNotFound, "no image manifest %s", digest)
	}
	switch len(imgs) {
	case 0:
		if len(idx.Manifests) > 0 {
			return v1.Descriptor{}, errors.Errorf("no image manifest in %s (nested indexes are not read)", indexFile)
		}
		return v1.Descriptor{}, errors.Wrapf(image.ErrNotFound, "no image in %s", indexFile)
	case 1:
		return imgs[0], nil
	}
	for _, d := range imgs {
		if d.Annotations[AnnotationRefName] == refName {
			return d, nil
		}
	}
	return imgs[0], nil
}

// blobPath is where a layout keeps the blob of digest h.
func blobPath(dir string, h v1.Hash) string {
	return filepath.Join(dir, blobsDir, h.Algorithm, h.Hex)
}

// readBlob reads a small blob (manifest, config) whole and checks its
// digest and, if size >= 0, its size.
func readBlob(dir string, h v1.Hash, size int64) ([]byte, error) {
	if h.Algorithm != "sha256" {
		return nil, errors.Errorf("blob %s: unsupported digest algorithm", h)
	}
	p := blobPath(dir, h)
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, errors.Wrapf(err, "reading blob")
	}
	if size >= 0 && int64(len(raw)) != size {
		return nil, errors.Errorf("blob %s has %d bytes, its descriptor says %d", p, len(raw), size)
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != h.Hex {
		return nil, errors.Errorf("blob %s has digest sha256:%s", p, got)
	}
	return raw, nil
}

// open reads the manifest desc of the layout at dir.
func open(dir string, desc v1.Descriptor) (*layoutImage, error) {
	raw, err := readBlob(dir, desc.Digest, desc.Size)
	if err != nil {
		return nil, errors.Wrap(err, "reading manifest")
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, errors.Wrapf(err, "parsing manifest %s", desc.Digest)
	}
	mt := m.MediaType
	if mt == "" {
		mt = desc.MediaType
	}
	if !isManifest(mt) {
		return nil, errors.Errorf("manifest %s has media type %q, not an image manifest", desc.Digest, mt)
	}
	img := &layoutImage{dir: dir, digest: desc.Digest, mediaType: mt, rawManifest: raw, manifest: m}
	img.layers = make([]*layer, len(m.Layers))
	for i, d := range m.Layers {
		img.layers[i] = &layer{img: img, index: i, desc: d}
	}
	return img, nil
}

// layoutImage is an image manifest of a layout, read when opened; the config
// is read on first use.
type layoutImage struct {
	blobs       *Blobs
	dir         string
	digest      v1.Hash
	mediaType   types.MediaType
	rawManifest []byte
	manifest    *v1.Manifest
	layers      []*layer

	configOnce sync.Once
	rawConfig  []byte
	config     *v1.ConfigFile
	configErr  error
}

var _ v1.Image = (*layoutImage)(nil)

func (i *layoutImage) loadConfig() {
	i.configOnce.Do(func() {
		d := i.manifest.Config
		i.rawConfig, i.configErr = readBlob(i.dir, d.Digest, d.Size)
		if i.configErr != nil {
			i.configErr = errors.Wrapf(i.configErr, "reading config of %s in %s", i.digest, i.dir)
			return
		}
		i.config, i.configErr = v1.ParseConfigFile(bytes.NewReader(i.rawConfig))
		if i.configErr != nil {
			i.configErr = errors.Wrapf(i.configErr, "parsing config of %s in %s", i.digest, i.dir)
		}
	})
}

// Layers implements v1.Image.
func (i *layoutImage) Layers() ([]v1.Layer, error) {
	ls := make([]v1.Layer, len(i.layers))
	for n, l := range i.layers {
		ls[n] = l
	}
	return ls, nil
}

// MediaType implements v1.Image: the manifest's own.
func (i *layoutImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }

// Size implements v1.Image.
func (i *layoutImage) Size() (int64, error) { return int64(len(i.rawManifest)), nil }

// ConfigName implements v1.Image.
func (i *layoutImage) ConfigName() (v1.Hash, error) { return i.manifest.Config.Digest, nil }

// ConfigFile implements v1.Image.
func (i *layoutImage) ConfigFile() (*v1.ConfigFile, error) {
	i.loadConfig()
	if i.configErr != nil {
		return nil, i.configErr
	}
	return i.config.DeepCopy(), nil
}

// RawConfigFile implements v1.Image.
func (i *layoutImage) RawConfigFile() ([]byte, error) {
	i.loadConfig()
	return bytes.Clone(i.rawConfig), i.configErr
}

// Digest implements v1.Image.
func (i *layoutImage) Digest() (v1.Hash, error) { return i.digest, nil }

// Manifest implements v1.Image.
func (i *layoutImage) Manifest() (*v1.Manifest, error) { return i.manifest.DeepCopy(), nil }

// RawManifest implements v1.Image.
func (i *layoutImage) RawManifest() ([]byte, error) { return bytes.Clone(i.rawManifest), nil }

// LayerByDigest implements v1.Image; the config's digest gives the config
// as a layer, as go-containerregistry's images do.
func (i *layoutImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if l.desc.Digest == h {
			return l, nil
		}
	}
	if h == i.manifest.Config.Digest {
		return partial.ConfigLayer(i)
	}
	return nil, errors.Errorf("image %s in %s has no layer %s", i.digest, i.dir, h)
}

// LayerByDiffID implements v1.Image.
func (i *layoutImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	cfg, err := i.ConfigFile()
	if err != nil {
		return nil, err
	}
	for n, d := range cfg.RootFS.DiffIDs {
		if d == h && n < len(i.layers) {
			return i.layers[n], nil
		}
	}
	return nil, errors.Errorf("image %s in %s has no layer with diffID %s", i.digest, i.dir, h)
}

// layer is a layer of a layout image: nothing is read until it is opened.
type layer struct {
	img   *layoutImage
	index int
	desc  v1.Descriptor
}

var (
	_ v1.Layer = (*layer)(nil)
	_ blobFile = (*layer)(nil)
)

// BlobPath is the file that holds the layer's compressed blob; Write links
// it instead of copying the layer.
func (l *layer) BlobPath() string { return blobPath(l.img.dir, l.desc.Digest) }

// Descriptor is the layer's descriptor in the manifest, annotations and
// URLs included (go-containerregistry's partial.Describable).
func (l *layer) Descriptor() (*v1.Descriptor, error) { return l.desc.DeepCopy(), nil }

// Digest implements v1.Layer.
func (l *layer) Digest() (v1.Hash, error) { return l.desc.Digest, nil }

// DiffID implements v1.Layer, from the image's config.
func (l *layer) DiffID() (v1.Hash, error) {
	cfg, err := l.img.ConfigFile()
	if err != nil {
		return v1.Hash{}, err
	}
	if len(cfg.RootFS.DiffIDs) != len(l.img.layers) {
		return v1.Hash{}, errors.Errorf("image %s in %s: config has %d diffIDs for %d layers",
			l.img.digest, l.img.dir, len(cfg.RootFS.DiffIDs), len(l.img.layers))
	}
	return cfg.RootFS.DiffIDs[l.index], nil
}

// Compressed implements v1.Layer: the blob file as it is.
func (l *layer) Compressed() (io.ReadCloser, error) {
	if f := l.img.blobs.file(l.desc.Digest); f != nil {
		return io.NopCloser(io.NewSectionReader(f, 0, l.desc.Size)), nil
	}
	f, err := os.Open(l.BlobPath())
	if err != nil {
		return nil, errors.Wrapf(err, "opening layer %s", l.desc.Digest)
	}
	return f, nil
}

// Uncompressed implements v1.Layer: go-containerregistry's partial package
// finds the compression (gzip, zstd or none) from the blob's first bytes.
func (l *layer) Uncompressed() (io.ReadCloser, error) {
	cl, err := partial.CompressedToLayer(compressedOnly{l})
	if err != nil {
		return nil, err
	}
	return cl.Uncompressed()
}

// Size implements v1.Layer.
func (l *layer) Size() (int64, error) { return l.desc.Size, nil }

// MediaType implements v1.Layer.
func (l *layer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }

// compressedOnly hides all but the partial.CompressedLayer methods of a
// layer, so that partial's extender does not recurse into Uncompressed.
type compressedOnly struct{ l *layer }

func (c compressedOnly) Digest() (v1.Hash, error)            { return c.l.Digest() }
func (c compressedOnly) Compressed() (io.ReadCloser, error)  { return c.l.Compressed() }
func (c compressedOnly) Size() (int64, error)                { return c.l.Size() }
func (c compressedOnly) MediaType() (types.MediaType, error) { return c.l.MediaType() }
func (c compressedOnly) DiffID() (v1.Hash, error)            { return c.l.DiffID() }

// Blobs are the blob files of a layout, opened at once: a phase that starts
// as root opens the run image's layout before it drops to the build user,
// who may not read them (pack writes them root's, mode 0600), as it opens
// the docker socket (CONFORMANCE TGT-4).
type Blobs struct {
	files map[v1.Hash]*os.File
}

// OpenBlobs opens every sha256 blob of the layout at path; a missing layout
// gives no blobs and no error. Close releases them.
func OpenBlobs(path string) (*Blobs, error) {
	b := &Blobs{files: map[v1.Hash]*os.File{}}
	dir := filepath.Join(path, blobsDir, "sha256")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, errors.Wrapf(err, "reading oci layout %s", path)
	}
	for _, e := range entries {
		h, err := v1.NewHash("sha256:" + e.Name())
		if err != nil || !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			b.Close()
			return nil, errors.Wrapf(err, "opening oci layout %s", path)
		}
		b.files[h] = f
	}
	return b, nil
}

func (b *Blobs) file(h v1.Hash) *os.File {
	if b == nil {
		return nil
	}
	return b.files[h]
}

// Close closes the blob files.
func (b *Blobs) Close() error {
	for _, f := range b.files {
		f.Close()
	}
	return nil
}
