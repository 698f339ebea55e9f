package cache

import (
	"context"
	"encoding/json"
	"io"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/pkg/errors"
)

// LabelMetadata is the cache image's metadata label (CONFORMANCE CCH-2,
// LBL-5).
const LabelMetadata = "io.buildpacks.lifecycle.cache.metadata"

// Image is a cache kept as an image in a registry (-cache-image, CCH-2):
// one layer per cached layer, the metadata in a label.
type Image struct {
	Ref      name.Reference
	Registry image.Registry
	previous v1.Image
	byDiffID map[v1.Hash]v1.Layer
}

// OpenImage reads the cache image, if there is one. A missing cache image
// is an empty cache; an unreadable one too, with an *EmptyError saying why
// (CCH-4). The returned cache is usable either way.
func OpenImage(ctx context.Context, reg image.Registry, ref name.Reference) (*Image, error) {
	c := &Image{Ref: ref, Registry: reg, byDiffID: map[v1.Hash]v1.Layer{}}
	img, err := reg.Image(ctx, ref)
	if errors.Is(err, image.ErrNotFound) {
		return c, nil
	}
	if err != nil {
		return c, &EmptyError{What: "cache image " + ref.Name() + " is unreadable", Err: err}
	}
	ls, err := img.Layers()
	if err != nil {
		return c, &EmptyError{What: "cache image " + ref.Name() + " is unreadable", Err: err}
	}
	for _, l := range ls {
		if d, err := l.DiffID(); err == nil {
			c.byDiffID[d] = l
		}
	}
	c.previous = img
	return c, nil
}

// Metadata reads the label; a missing label is an empty cache, an
// unreadable or corrupt one too, with an *EmptyError saying why (CCH-4).
func (c *Image) Metadata() (Metadata, error) {
	var md Metadata
	if c.previous == nil {
		return md, nil
	}
	cf, err := c.previous.ConfigFile()
	if err != nil {
		return Metadata{}, &EmptyError{What: "cache image config is unreadable", Err: err}
	}
	raw := cf.Config.Labels[LabelMetadata]
	if raw == "" {
		return md, nil
	}
	if err := json.Unmarshal([]byte(raw), &md); err != nil {
		return Metadata{}, &EmptyError{What: "cache image metadata is corrupt", Err: err}
	}
	return md, nil
}

// Has reports whether the cache image has a layer with diffID d.
func (c *Image) Has(d v1.Hash) bool {
	_, ok := c.byDiffID[d]
	return ok
}

// Layer returns the cached layer with diffID d.
func (c *Image) Layer(d v1.Hash) (v1.Layer, bool) {
	l, ok := c.byDiffID[d]
	return l, ok
}

// Uncompressed opens the uncompressed tar of the layer with diffID d.
func (c *Image) Uncompressed(d v1.Hash) (io.ReadCloser, error) {
	l, ok := c.byDiffID[d]
	if !ok {
		return nil, errors.Errorf("layer %s is not in the cache image", d)
	}
	rc, err := l.Uncompressed()
	return rc, errors.Wrapf(err, "reading cached layer %s", d)
}

// Save writes a new cache image with layers (in order) and md. Layers the
// registry already has are not uploaded again.
func (c *Image) Save(ctx context.Context, layers []v1.Layer, md Metadata) error {
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return errors.Wrap(err, "assembling the cache image")
	}
	data, err := json.Marshal(md)
	if err != nil {
		return errors.Wrap(err, "encoding cache metadata")
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return errors.Wrap(err, "assembling the cache image")
	}
	cf = cf.DeepCopy()
	cf.Config.Labels = map[string]string{LabelMetadata: string(data)}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return errors.Wrap(err, "assembling the cache image")
	}
	return errors.Wrapf(remote.Write(c.Ref, img, c.Registry.Options(ctx, c.Ref)...), "writing cache image %s", c.Ref.Name())
}
