package platform

import (
	"testing"

	"github.com/cnb-lifecycle/lifecycle/api"
)

func flagNames(p Phase, v string) map[string]bool {
	out := map[string]bool{}
	for _, f := range Flags(p, api.MustParse(v)) {
		out[f.Name] = true
	}
	return out
}

// TestFlagsPerVersion checks the table against CONFORMANCE GEN-4 and the
// per-phase "Flags" lines.
func TestFlagsPerVersion(t *testing.T) {
	for _, tc := range []struct {
		phase   Phase
		version string
		has     []string
		hasNot  []string
	}{
		{Detector, "0.7", []string{"app", "buildpacks", "group", "layers", "order", "plan", "platform", "log-level", "no-color"}, []string{"analyzed", "run", "system", "build-config"}},
		{Detector, "0.10", []string{"analyzed", "extensions", "generated"}, []string{"build-config", "run"}},
		{Detector, "0.11", []string{"build-config"}, []string{"run"}},
		{Detector, "0.12", []string{"run"}, []string{"system"}},
		{Detector, "0.15", []string{"system"}, nil},
		{Analyzer, "0.8", []string{"stack", "tag", "previous-image"}, []string{"skip-layers", "launch-cache", "run"}},
		{Analyzer, "0.9", []string{"skip-layers", "launch-cache", "stack"}, []string{"layout"}},
		{Analyzer, "0.12", []string{"run", "layout", "layout-dir"}, []string{"stack", "insecure-registry"}},
		{Analyzer, "0.13", []string{"insecure-registry"}, nil},
		{Restorer, "0.9", []string{"cache-dir", "skip-layers"}, []string{"build-image", "daemon"}},
		{Restorer, "0.14", []string{"build-image", "daemon", "run"}, nil},
		{Builder, "0.11", []string{"build-config"}, []string{"analyzed"}},
		{Builder, "0.12", []string{"analyzed"}, nil},
		{Exporter, "0.11", []string{"launcher-sbom", "stack", "run-image"}, []string{"run", "layout"}},
		{Exporter, "0.12", []string{"run", "layout", "extended"}, []string{"stack"}},
		{Creator, "0.15", []string{"system", "skip-restore", "tag"}, []string{"stack", "group", "plan"}},
		{Rebaser, "0.10", []string{"run-image", "image"}, []string{"previous-image", "force"}},
		{Rebaser, "0.12", []string{"previous-image", "force"}, nil},
	} {
		got := flagNames(tc.phase, tc.version)
		for _, n := range tc.has {
			if !got[n] {
				t.Errorf("Flags(%s, %s) lacks -%s", tc.phase, tc.version, n)
			}
		}
		for _, n := range tc.hasNot {
			if got[n] {
				t.Errorf("Flags(%s, %s) has -%s, want it undefined", tc.phase, tc.version, n)
			}
		}
	}
}

func TestEveryPhaseHasFlags(t *testing.T) {
	r := api.SupportedPlatform()
	for _, p := range Phases() {
		for m := r.Min.Minor; m <= r.Max.Minor; m++ {
			if fs := Flags(p, api.Version{Major: 0, Minor: m}); len(fs) < 3 {
				t.Errorf("Flags(%s, 0.%d) = %d flags, want the phase's table", p, m, len(fs))
			}
		}
	}
	if Flags(Phase("nope"), api.MustParse("0.12")) != nil {
		t.Error("Flags(nope) != nil")
	}
}
