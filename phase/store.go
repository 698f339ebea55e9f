package phase

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/image/layout"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
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
	// Write saves img under every name and reports what it wrote; a failing
	// name is logged and fails the write after the others were tried
	// (EXP-14). present lists the diffIDs of images the store is known to
	// hold (the run image, the previous image), whose layers the daemon
	// need not be handed again.
	Write(ctx context.Context, img v1.Image, names []string, present [][]v1.Hash) (files.Report, error)
	// SameRegistry tells whether the names a and b are on one registry,
	// for the choice among run image mirrors (FIL-12).
	SameRegistry(a, b string) bool
	// target says which kind of store this is.
	target() target
}

type target int

const (
	targetRegistry target = iota
	targetDaemon
	targetLayout
)

// referenceKind tells which store an image name in analyzed.toml belongs
// to by its form alone: a docker image ID ("sha256:<64 hex>") is the
// daemon's, an absolute path (a layout identifier "<path>@sha256:<hex>")
// a layout's, anything else a registry's (CONFORMANCE RES-8).
func referenceKind(ref string) target {
	switch {
	case isImageID(ref):
		return targetDaemon
	case filepath.IsAbs(ref):
		return targetLayout
	}
	return targetRegistry
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
func IsRegistryReference(ref string) bool { return referenceKind(ref) == targetRegistry }

// layoutIdentifierPath is the layout path of identifier id ("" when it is
// not one).
func layoutIdentifierPath(id string) string {
	p, _, err := layout.ParseIdentifier(id)
	if err != nil {
		return ""
	}
	return p
}
