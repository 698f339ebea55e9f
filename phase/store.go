package phase

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/image/layout"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ImageStore is where a phase reads app and run images and writes the app
// image: a registry, the docker daemon or an OCI layout directory
// (CONFORMANCE TGT-1, TGT-3, TGT-5). The previous image must be in the same
// store as the output for its layers to be reused (TGT-9).
type ImageStore interface {
	// Read returns the image ref names (an image reference, or an
	// identifier Read returned before) and its identifier: a digest
	// reference in a registry, the image ID in the daemon,
	// "<path>@sha256:<hex>" in a layout (ANA-6). A missing image wraps
	// image.ErrNotFound.
	Read(ctx context.Context, ref string) (v1.Image, string, error)
	// Write saves img under every name and says what it did (Written,
	// which the phase prints); a failing name fails the write after the
	// others were tried (EXP-14). present lists the diffIDs of images the
	// store is known to hold (the run image, the previous image), whose
	// layers the daemon need not be handed again. It prints nothing.
	Write(ctx context.Context, img v1.Image, names []string, present [][]v1.Hash) (Written, error)
	// SameRegistry tells whether the names a and b are on one registry,
	// for the choice among run image mirrors (FIL-12).
	SameRegistry(a, b string) bool

	// What a store can do, asked by the phases instead of which backend
	// it is (each implementation says what holds for it):

	// checkAccess checks, before anything is built, that the images a
	// phase will read and write can be reached (ANA-5): a registry store
	// checks every registry name, the daemon only the cache image (its
	// images are local), a layout store nothing (it reaches no registry).
	checkAccess(ctx context.Context, reg image.Registry, refs analyzeRefs, run name.Reference) error
	// available says whether a run image candidate can be read, for the
	// choice among mirrors (FIL-12); stores without a registry count every
	// candidate as readable.
	available(ctx context.Context, ref name.Reference) bool
	// uploadRepository is the repository the image named first is pushed
	// to, whose blobs need no upload, or nil for a store that pushes
	// nothing.
	uploadRepository(first name.Reference) *name.Repository
	// uncompressedLayers says whether Write only ever reads layers
	// uncompressed (the daemon: no gzip pass, and layers a launch cache
	// can hand over again, TGT-3).
	uncompressedLayers() bool
	// namesSpanRegistries says whether the names of one image may be on
	// different registries (daemon tags are local names; EXP-2, ANA-2).
	namesSpanRegistries() bool
	// accepts says whether Read takes name, a run or previous image name
	// from analyzed.toml, as it is (RES-8).
	accepts(name string) bool
}

// refKind is what an image name in analyzed.toml is, by its form alone.
type refKind int

const (
	refRegistry refKind = iota // an image reference
	refImageID                 // a docker image ID
	refLayout                  // a layout identifier "<path>@sha256:<hex>"
)

// referenceKind tells an image name in analyzed.toml by its form: a docker
// image ID ("sha256:<64 hex>"), an absolute path (a layout identifier), or
// anything else, a registry reference (CONFORMANCE RES-8).
func referenceKind(ref string) refKind {
	switch {
	case isImageID(ref):
		return refImageID
	case filepath.IsAbs(ref):
		return refLayout
	}
	return refRegistry
}

// isImageID reports whether ref is a docker image ID, "sha256:" and 64
// lower-case hex digits: never an image reference to send to a registry.
func isImageID(ref string) bool {
	hex, ok := strings.CutPrefix(ref, "sha256:")
	if !ok || len(hex) != 64 {
		return false
	}
	for _, c := range hex {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// IsRegistryReference reports whether ref, a run or previous image name
// from analyzed.toml, is a registry's (neither an image ID nor a layout
// identifier).
func IsRegistryReference(ref string) bool { return referenceKind(ref) == refRegistry }

// layoutIdentifierPath is the layout path of identifier id ("" when it is
// not one).
func layoutIdentifierPath(id string) string {
	p, _, err := layout.ParseIdentifier(id)
	if err != nil {
		return ""
	}
	return p
}
