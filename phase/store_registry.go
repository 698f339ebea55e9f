package phase

import (
	"context"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/pkg/errors"
)

// registryStore reads and writes images in registries (CONFORMANCE TGT-1).
type registryStore struct {
	reg image.Registry
}

var _ ImageStore = registryStore{}

// Read returns the image and its digest reference.
func (s registryStore) Read(ctx context.Context, ref string) (v1.Image, string, error) {
	r, err := s.reg.Parse(ref)
	if err != nil {
		return nil, "", err
	}
	img, err := s.reg.Image(ctx, r)
	if err != nil {
		return nil, "", err
	}
	d, err := img.Digest()
	if err != nil {
		return nil, "", errors.Wrapf(err, "reading image %s", ref)
	}
	return img, r.Context().Digest(d.String()).String(), nil
}

// Write pushes img to the first name and tags the others with the same
// manifest; a failing name fails the write without a report, and when the
// push itself fails the tags are not tried (CONFORMANCE EXP-14, EXP-15,
// REB-8).
func (s registryStore) Write(ctx context.Context, img v1.Image, names []string, _ [][]v1.Hash) (Written, error) {
	var w Written
	digest, err := img.Digest()
	if err != nil {
		return w, errors.Wrap(err, "computing the image digest")
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return w, errors.Wrap(err, "encoding the manifest")
	}
	w.Short = digest.Hex[:12]
	for i, n := range names {
		ref, err := s.reg.Parse(n)
		if err == nil {
			if i == 0 {
				err = remote.Write(ref, img, s.reg.Options(ctx, ref)...)
			} else {
				err = remote.Tag(ref.Context().Tag(tagOf(ref)), img, s.reg.Options(ctx, ref)...)
			}
		}
		if err != nil {
			w.failed(n, err)
			if i == 0 {
				break
			}
			continue
		}
		w.saved(ref.Name(), "")
	}
	if err := w.err(); err != nil {
		return w, err
	}
	w.Report.Image.Digest = digest.String()
	w.Report.Image.ManifestSize = int64(len(manifest))
	return w, nil
}

// SameRegistry compares the registries of two references.
func (s registryStore) SameRegistry(a, b string) bool {
	ra, err := s.reg.Parse(a)
	if err != nil {
		return false
	}
	rb, err := s.reg.Parse(b)
	if err != nil {
		return false
	}
	return ra.Context().RegistryStr() == rb.Context().RegistryStr()
}

func tagOf(ref name.Reference) string {
	if t, ok := ref.(name.Tag); ok {
		return t.TagStr()
	}
	return "latest"
}

// NewRegistryStore reads and writes images in registries through reg.
func NewRegistryStore(reg image.Registry) ImageStore {
	return registryStore{reg: reg}
}

// checkAccess checks every name (ANA-5).
func (registryStore) checkAccess(ctx context.Context, reg image.Registry, refs analyzeRefs, run name.Reference) error {
	return checkAccess(ctx, reg, refs, run)
}

// available asks the registry for the manifest (FIL-12).
func (s registryStore) available(ctx context.Context, ref name.Reference) bool {
	_, err := s.reg.Head(ctx, ref)
	return err == nil
}

// uploadRepository is first's repository: layers are pushed there, and
// blobs it has (or can mount) are not uploaded again.
func (registryStore) uploadRepository(first name.Reference) *name.Repository {
	repo := first.Context()
	return &repo
}

func (registryStore) uncompressedLayers() bool  { return false }
func (registryStore) namesSpanRegistries() bool { return false }

// accepts takes image references only (RES-8).
func (registryStore) accepts(ref string) bool { return referenceKind(ref) == refRegistry }
