package docker

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/image"
)

// uncompressedSizer is a layer that knows the size of its uncompressed tar
// without reading it; the lifecycle's own layers are.
type uncompressedSizer interface {
	UncompressedSize() (int64, error)
}

var _ uncompressedSizer = (*daemonLayer)(nil)

// archiveEpoch is the modification time of the archive's members.
var archiveEpoch = time.Unix(0, 0)

// copyBufferSize is the size of the buffer that moves layer bytes into the
// request.
const copyBufferSize = 1 << 20

// errLoadEnded closes the archive pipe once the load request has ended.
var errLoadEnded = errors.New("docker: load request ended")

// Write loads img into the daemon as one streamed docker-archive
// (POST /images/load), tags it with tag ("" for no tag) and returns the
// image ID docker reports (CONFORMANCE TGT-3). With the classic image store
// that is "sha256:" + the sha256 of img's raw config.
//
// The archive goes through a pipe into the request: no temporary copy of
// the image and no compression. Its members are <diffID hex>.tar for each
// layer docker needs, <config digest hex>.json, then manifest.json. A
// layer's tar header needs its size: a layer with an
// UncompressedSize() (int64, error) method is streamed straight from
// Uncompressed(); any other layer is first copied to an unlinked temporary
// file to learn its size. Layers are not hashed here: docker checks each
// diffID on load.
//
// present lists the diffIDs of images the daemon holds (the run image, the
// previous app image). docker load only opens a layer's file when the
// layer's chain (diffIDs[0..i]) is missing from its layer store, so a layer
// whose chain is a prefix of a present list is named in manifest.json but
// not sent. Those images must stay in the daemon until Write returns. A
// daemon with the containerd image store, and podman, get every layer
// (reusesLayers); a daemon that refuses a partial archive for a reason
// Write recognises (partialLoadRefusals) gets the whole archive once more,
// and every layer from then on.
//
// Docker tags only after the whole load succeeded: when Write fails, the
// image tag named before is untouched.
func (c *Client) Write(ctx context.Context, img v1.Image, tag string, present ...[]v1.Hash) (string, error) {
	if tag != "" {
		if _, err := name.NewTag(tag, name.WeakValidation); err != nil {
			return "", errors.Wrapf(err, "tag %q", tag)
		}
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return "", errors.Wrap(err, "reading the image config")
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return "", errors.Wrap(err, "decoding the image config")
	}
	p := plan{tag: tag, config: raw, diffIDs: cfg.RootFS.DiffIDs}
	if len(present) > 0 && len(p.diffIDs) > 0 && c.reusesLayers(ctx) {
		p.have = sharedPrefix(p.diffIDs, present)
	}
	what := tag
	if what == "" {
		what = "image"
	}
	loaded, err := c.load(ctx, img, p)
	if err != nil && p.have > 0 && refusesPartial(err) && ctx.Err() == nil {
		// An engine that wants every layer, unknown to reusesLayers: send
		// them all, once, and from now on.
		c.refusedPartialLoad()
		p.have = 0
		loaded, err = c.load(ctx, img, p)
	}
	if err != nil {
		return "", errors.Wrapf(err, "writing %s to docker daemon at %s", what, c.endpoint.host)
	}
	if tag != "" {
		in, err := c.inspect(ctx, tag)
		if err != nil {
			return "", errors.Wrapf(err, "writing %s to docker daemon at %s", what, c.endpoint.host)
		}
		return in.ID, nil
	}
	if loaded != "" {
		return loaded, nil
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	return h.String(), err
}

// partialLoadRefusals are what daemons answer to an archive that leaves
// out layers they have, when their load does not accept that.
var partialLoadRefusals = []string{
	"Some layer tarfiles are missing in the tarball", // podman (containers/image docker-archive)
}

// refusesPartial says whether err is a daemon's refusal of an archive
// without every layer.
func refusesPartial(err error) bool {
	for _, msg := range partialLoadRefusals {
		if strings.Contains(err.Error(), msg) {
			return true
		}
	}
	return false
}

// plan is what goes into the archive.
type plan struct {
	tag     string
	config  []byte
	diffIDs []v1.Hash
	have    int // diffIDs[:have] are in the daemon already
}

// sharedPrefix is the length of the longest prefix diffIDs shares with
// one of the present lists.
func sharedPrefix(diffIDs []v1.Hash, present [][]v1.Hash) int {
	best := 0
	for _, p := range present {
		n := 0
		for n < len(diffIDs) && n < len(p) && diffIDs[n] == p[n] {
			n++
		}
		best = max(best, n)
	}
	return best
}

// load streams the archive of p into POST /images/load and returns the
// image ID the daemon reported for an untagged image, if it did.
func (c *Client) load(ctx context.Context, img v1.Image, p plan) (string, error) {
	pr, pw := io.Pipe()
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	written := make(chan error, 1)
	go func() {
		err := c.writeArchive(wctx, pw, img, p)
		_ = pw.CloseWithError(err)
		written <- err
	}()
	loaded, err := c.postLoad(ctx, pr)
	// Stop the writer if the daemon stopped reading: its next write fails,
	// and a layer read under way is closed.
	_ = pr.CloseWithError(errLoadEnded)
	stop()
	werr := <-written
	if (err != nil || werr != nil) && ctx.Err() != nil {
		return "", ctx.Err() // whatever broke first, the cause is the caller's
	}
	if werr != nil && !errors.Is(werr, errLoadEnded) && !errors.Is(werr, io.ErrClosedPipe) && !errors.Is(werr, context.Canceled) {
		return "", werr // the cause; the request failed for it
	}
	return loaded, err
}

// postLoad sends body to POST /images/load and reads the answer, a stream
// of JSON messages; a message carrying an error fails the load.
func (c *Client) postLoad(ctx context.Context, body io.Reader) (string, error) {
	resp, err := c.do(ctx, http.MethodPost, "/images/load", url.Values{"quiet": {"1"}}, body, "application/x-tar")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var loaded string
	dec := json.NewDecoder(resp.Body)
	for {
		var msg struct {
			Stream      string `json:"stream"`
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return loaded, nil
		} else if err != nil {
			return "", errors.Wrap(err, "reading the answer of POST /images/load")
		}
		switch {
		case msg.ErrorDetail != nil && msg.ErrorDetail.Message != "":
			return "", errors.Errorf("docker load: %s", msg.ErrorDetail.Message)
		case msg.Error != "":
			return "", errors.Errorf("docker load: %s", msg.Error)
		}
		for _, line := range strings.Split(msg.Stream, "\n") {
			if id, ok := strings.CutPrefix(strings.TrimSpace(line), "Loaded image ID: "); ok {
				loaded = id
			}
		}
	}
}

// archiveManifest is one image in a docker-archive's manifest.json.
type archiveManifest struct {
	Config   string
	RepoTags []string `json:",omitempty"`
	Layers   []string
}

// writeArchive writes the docker-archive of p to w.
func (c *Client) writeArchive(ctx context.Context, w io.Writer, img v1.Image, p plan) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	tw := tar.NewWriter(bw)
	m := archiveManifest{Layers: make([]string, len(p.diffIDs))}
	if p.tag != "" {
		m.RepoTags = []string{p.tag}
	}
	sent := map[string]bool{}
	buf := make([]byte, copyBufferSize)
	for i, d := range p.diffIDs {
		file := d.Hex + ".tar"
		m.Layers[i] = file
		if i < p.have || sent[file] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeLayer(ctx, tw, img, d, file, buf); err != nil {
			return errors.Wrapf(err, "layer %d (%s)", i, d)
		}
		sent[file] = true
		if c.onEntry != nil {
			c.onEntry(file)
		}
	}
	cfgHash, _, err := v1.SHA256(bytes.NewReader(p.config))
	if err != nil {
		return err
	}
	m.Config = cfgHash.Hex + ".json"
	manifest, err := json.Marshal([]archiveManifest{m})
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{m.Config, p.config}, {"manifest.json", manifest}} {
		if err := writeMember(tw, f.name, int64(len(f.data)), bytes.NewReader(f.data), buf); err != nil {
			return err
		}
		if c.onEntry != nil {
			c.onEntry(f.name)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeLayer writes the uncompressed tar of img's layer diffID as member
// file. Cancelling ctx closes the layer's reader.
func writeLayer(ctx context.Context, tw *tar.Writer, img v1.Image, diffID v1.Hash, file string, buf []byte) error {
	l, err := img.LayerByDiffID(diffID)
	if err != nil {
		return err
	}
	s, sized := l.(uncompressedSizer)
	var size int64
	if sized {
		if size, err = s.UncompressedSize(); err != nil {
			return err
		}
	}
	u, err := l.Uncompressed()
	if err != nil {
		return err
	}
	rc := &onceCloser{rc: u}
	defer rc.Close()
	defer context.AfterFunc(ctx, func() { _ = rc.Close() })()
	if sized {
		return writeMember(tw, file, size, rc, buf)
	}
	// The size comes first in the tar header: spool the layer.
	f, err := unlinkedTemp("cnb-docker-layer-*.tar")
	if err != nil {
		return err
	}
	defer f.Close()
	size, err = io.CopyBuffer(f, onlyReader{rc}, buf)
	if err != nil {
		return errors.Wrap(err, "spooling the layer to a temporary file")
	}
	return writeMember(tw, file, size, io.NewSectionReader(f, 0, size), buf)
}

// writeMember writes a regular file of size bytes read from r.
func writeMember(tw *tar.Writer, file string, size int64, r io.Reader, buf []byte) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: file, Mode: 0o644, Size: size, ModTime: archiveEpoch}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.CopyBuffer(tw, onlyReader{r}, buf)
	if err != nil {
		return err
	}
	if n != size {
		return errors.Errorf("%s: read %d bytes, the layer said %d", file, n, size)
	}
	return nil
}

// onceCloser closes its reader once, from whichever goroutine asks first.
type onceCloser struct {
	rc   io.ReadCloser
	once sync.Once
	err  error
}

func (c *onceCloser) Read(p []byte) (int, error) { return c.rc.Read(p) }

func (c *onceCloser) Close() error {
	c.once.Do(func() { c.err = c.rc.Close() })
	return c.err
}

// onlyReader hides a reader's WriteTo, so io.CopyBuffer uses its buffer.
type onlyReader struct{ io.Reader }

// Tag adds tag to the image id (an ID or any name the daemon knows).
func (c *Client) Tag(ctx context.Context, id, tag string) error {
	if err := checkRef(id); err != nil {
		return err
	}
	t, err := name.NewTag(tag, name.WeakValidation)
	if err != nil {
		return errors.Wrapf(err, "tag %q", tag)
	}
	repo := strings.TrimSuffix(tag, ":"+t.TagStr())
	q := url.Values{"repo": {repo}, "tag": {t.TagStr()}}
	resp, err := c.do(ctx, http.MethodPost, "/images/"+id+"/tag", q, nil, "")
	if err != nil {
		if isNotFound(err) {
			return errors.Wrapf(image.ErrNotFound, "tagging image %s as %s in docker daemon at %s", id, tag, c.endpoint.host)
		}
		return errors.Wrapf(err, "tagging image %s as %s in docker daemon at %s", id, tag, c.endpoint.host)
	}
	drain(resp)
	return nil
}

// Remove deletes ref from the daemon: a tag is removed (and the image with
// its last tag), an image ID removes the image with all its tags. A missing
// image is an error wrapping image.ErrNotFound.
func (c *Client) Remove(ctx context.Context, ref string) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	resp, err := c.do(ctx, http.MethodDelete, "/images/"+ref, url.Values{"force": {"1"}}, nil, "")
	if err != nil {
		if isNotFound(err) {
			return errors.Wrapf(image.ErrNotFound, "image %s in docker daemon at %s", ref, c.endpoint.host)
		}
		return errors.Wrapf(err, "removing image %s from docker daemon at %s", ref, c.endpoint.host)
	}
	drain(resp)
	return nil
}
