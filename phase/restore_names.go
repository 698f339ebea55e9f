package phase

import (
	"strings"

	"github.com/cnb-lifecycle/lifecycle/log"
)

// plainLayerName reports whether name, a layer name read from the previous
// image's metadata label or from the cache's metadata, names a layer
// directory of its own inside the buildpack's layers directory; otherwise
// it warns and the layer is skipped. Both sources are outside the
// lifecycle's control: a name with a slash or "..", "." or "", or one of the
// buildpack's own files (launch, build, store: BPI-13) would make the
// restorer write outside the buildpack's directory or over its files
// (issue 8 §3; CONFORMANCE RES-4, RES-5).
func (b bpRestore) plainLayerName(name string, logger *log.Logger) bool {
	switch {
	case name == "", name == ".", name == "..", strings.ContainsAny(name, "/\\\x00"),
		name == "launch", name == "build", name == "store":
		logger.Warnf("Skipping layer %q of %s: not a valid layer name", name, b.id)
		return false
	}
	return true
}
