package phase

import (
	"context"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/image/docker"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// daemonStore keeps images in a docker daemon (CONFORMANCE TGT-3): images
// are named by reference or image ID, and written as one streamed docker
// archive of uncompressed layers.
type daemonStore struct {
	client *docker.Client
}

var _ ImageStore = daemonStore{}

// NewDaemonStore keeps images in the daemon client talks to.
func NewDaemonStore(client *docker.Client) ImageStore {
	return daemonStore{client: client}
}

// checkAccess checks the cache image only: the daemon's images are local
// (ANA-5).
func (daemonStore) checkAccess(ctx context.Context, reg image.Registry, refs analyzeRefs, _ name.Reference) error {
	return checkAccess(ctx, reg, analyzeRefs{cache: refs.cache}, nil)
}

// available: every run image candidate counts as readable (FIL-12).
func (daemonStore) available(context.Context, name.Reference) bool { return true }

func (daemonStore) uploadRepository(name.Reference) *name.Repository { return nil }

// uncompressedLayers: the daemon only reads uncompressed tars (TGT-3).
func (daemonStore) uncompressedLayers() bool { return true }

// namesSpanRegistries: daemon tags are local names.
func (daemonStore) namesSpanRegistries() bool { return true }

// accepts takes image references and image IDs (RES-8).
func (daemonStore) accepts(ref string) bool { return referenceKind(ref) != refLayout }

// Read returns the image and its image ID.
func (s daemonStore) Read(ctx context.Context, ref string) (v1.Image, string, error) {
	return s.client.Image(ctx, ref)
}

// Write loads img once under the first name and tags it with the others;
// layers whose chains the daemon holds (present) are not handed over again.
// The report carries the image ID (EXP-15).
func (s daemonStore) Write(ctx context.Context, img v1.Image, names []string, present [][]v1.Hash) (Written, error) {
	var w Written
	if len(names) == 0 {
		return w, errors.New("no image name")
	}
	id, err := s.client.Write(ctx, img, names[0], present...)
	if err != nil {
		w.failed(names[0], err)
		return w, w.err()
	}
	w.Short = short12(id)
	w.saved(names[0], "")
	for _, n := range names[1:] {
		if err := s.client.Tag(ctx, id, n); err != nil {
			w.failed(n, err)
			continue
		}
		w.saved(n, "")
	}
	if err := w.err(); err != nil {
		return w, err
	}
	w.Report.Image.ImageID = id
	return w, nil
}

// SameRegistry compares the registries of two names; the daemon is asked
// nothing (every run image candidate counts as readable, FIL-12).
func (s daemonStore) SameRegistry(a, b string) bool { return sameRegistry(a, b) }
