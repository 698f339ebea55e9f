package phase

import (
	"context"

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
