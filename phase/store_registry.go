package phase

import (
	"context"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/pkg/errors"
)

// registryStore reads and writes images in registries (CONFORMANCE TGT-1).
type registryStore struct {
	reg    image.Registry
	logger *log.Logger
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
// manifest; a failing name is reported by name and fails the write without
// a report (CONFORMANCE EXP-14, EXP-15, REB-8).
func (s registryStore) Write(ctx context.Context, img v1.Image, names []string, _ [][]v1.Hash) (files.Report, error) {
	var report files.Report
	digest, err := img.Digest()
	if err != nil {
		return report, errors.Wrap(err, "computing the image digest")
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return report, errors.Wrap(err, "encoding the manifest")
	}
	var failed []string
	var cause error
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
			if len(names) > 1 {
				s.logger.Errorf("saving %s: %s", n, err)
			} else {
				cause = err
			}
			failed = append(failed, n)
			if i == 0 {
				break
			}
			continue
		}
		s.logger.Infof("*** Images (%s):", digest.Hex[:12])
		s.logger.Infof("      %s", ref.Name())
		report.Image.Tags = append(report.Image.Tags, ref.Name())
	}
	if cause != nil {
		// One name: its error is the phase's one line.
		return report, errors.Errorf("saving image %s: %s", failed[0], image.OneLine(cause))
	}
	if len(failed) > 0 {
		return report, errors.Errorf("saving image %s", strings.Join(failed, ", "))
	}
	report.Image.Digest = digest.String()
	report.Image.ManifestSize = int64(len(manifest))
	s.logger.Infof("*** Digest: %s", digest)
	return report, nil
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
func NewRegistryStore(reg image.Registry, logger *log.Logger) ImageStore {
	return registryStore{reg: reg, logger: logger}
}

func (registryStore) target() target { return targetRegistry }
