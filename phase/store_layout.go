package phase

import (
	"context"
	"path/filepath"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/image/layout"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// layoutStore keeps images in OCI layout directories below one directory,
// one per name (CONFORMANCE TGT-5, TGT-6, TGT-7). Names are mapped to paths,
// never the other way round: a path is not an image reference.
type layoutStore struct {
	dir string
	// blobs are the blob files of layouts opened when the store was made,
	// by layout path.
	blobs map[string]*layout.Blobs
}

var _ ImageStore = layoutStore{}

// NewLayoutStore keeps images below dir (-layout-dir). The blob files of
// the layouts at the paths preopen names (the run image's) are opened now:
// a phase that starts as root makes the store before it drops to the build
// user, who may not be allowed to read them. Paths that hold no layout are
// ignored.
func NewLayoutStore(dir string, preopen ...string) (ImageStore, error) {
	s := layoutStore{dir: dir, blobs: map[string]*layout.Blobs{}}
	for _, p := range preopen {
		p = filepath.Clean(p)
		if _, done := s.blobs[p]; done {
			continue
		}
		b, err := layout.OpenBlobs(p)
		if err != nil {
			return nil, err
		}
		s.blobs[p] = b
	}
	return s, nil
}

// LayoutPath is where the image ref names lives below the layout directory
// dir: an identifier "<path>@sha256:<hex>" (or a path) names its own path.
func LayoutPath(dir, ref string) (string, error) {
	p, _, err := layoutStore{dir: dir}.path(ref)
	return p, err
}

// checkAccess checks nothing: a layout store reaches no registry (TGT-5).
func (layoutStore) checkAccess(context.Context, image.Registry, analyzeRefs, name.Reference) error {
	return nil
}

// available: every run image candidate counts as readable (FIL-12).
func (layoutStore) available(context.Context, name.Reference) bool { return true }

func (layoutStore) uploadRepository(name.Reference) *name.Repository { return nil }
func (layoutStore) uncompressedLayers() bool                         { return false }
func (layoutStore) namesSpanRegistries() bool                        { return false }

// accepts takes image references (mapped below the layout directory) and
// layout identifiers (RES-8).
func (layoutStore) accepts(ref string) bool { return referenceKind(ref) != refImageID }

// path is where the image ref names lives: an absolute path (an identifier
// "<path>@sha256:<hex>", or a path) is taken as it is, anything else is an
// image reference mapped below the layout directory.
func (s layoutStore) path(ref string) (string, v1.Hash, error) {
	if filepath.IsAbs(ref) {
		return layout.ParseIdentifier(ref)
	}
	r, err := name.ParseReference(ref, name.WeakValidation)
	if err != nil {
		return "", v1.Hash{}, errors.Wrapf(err, "parsing image reference %q", ref)
	}
	return layout.Path(s.dir, r), v1.Hash{}, nil
}

// Read reads the image in the layout directory ref maps to.
func (s layoutStore) Read(_ context.Context, ref string) (v1.Image, string, error) {
	p, digest, err := s.path(ref)
	if err != nil {
		return nil, "", err
	}
	img, d, err := layout.ReadWith(p, digest, s.blobs[filepath.Clean(p)])
	if err != nil {
		return nil, "", err
	}
	return img, layout.Identifier(p, d), nil
}

// Write writes img as the only image of the layout of every name; the
// report carries the manifest digest and size.
func (s layoutStore) Write(ctx context.Context, img v1.Image, names []string, _ [][]v1.Hash) (Written, error) {
	var w Written
	manifest, err := img.RawManifest()
	if err != nil {
		return w, errors.Wrap(err, "encoding the manifest")
	}
	var digest v1.Hash
	for _, n := range names {
		r, err := name.ParseReference(n, name.WeakValidation)
		var p string
		if err == nil {
			p = layout.Path(s.dir, r)
			digest, err = layout.Write(ctx, p, img, refName(r))
		}
		if err != nil {
			w.failed(n, err)
			continue
		}
		w.Short = digest.Hex[:12]
		w.saved(r.Name(), p)
	}
	if err := w.err(); err != nil {
		return w, err
	}
	w.Report.Image.Digest = digest.String()
	w.Report.Image.ManifestSize = int64(len(manifest))
	return w, nil
}

// SameRegistry compares the registries of two names (no registry is asked:
// in a layout every run image candidate counts as readable).
func (s layoutStore) SameRegistry(a, b string) bool { return sameRegistry(a, b) }

// refName is the org.opencontainers.image.ref.name of a layout: the tag, or
// the digest of a digest reference.
func refName(r name.Reference) string {
	return r.Identifier()
}

func sameRegistry(a, b string) bool {
	ra, err := name.ParseReference(a, name.WeakValidation)
	if err != nil {
		return false
	}
	rb, err := name.ParseReference(b, name.WeakValidation)
	if err != nil {
		return false
	}
	return ra.Context().RegistryStr() == rb.Context().RegistryStr()
}
