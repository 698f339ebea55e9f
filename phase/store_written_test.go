package phase

import (
	"errors"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/log"
)

// TestLogWritten: what the phase prints of a store's Written (EXP-14,
// EXP-15): names under one header, a layout per line with its path, the
// digest or image ID only when every name was written, a failing name's
// cause on one line when there were several names.
func TestLogWritten(t *testing.T) {
	ok := func(names ...string) Written {
		var w Written
		for _, n := range names {
			w.saved(n, "")
		}
		return w
	}
	registry := ok("r/app:1", "r/app:2")
	registry.Short, registry.Report.Image.Digest = "0123456789ab", "sha256:0123456789abcdef"
	daemon := ok("app:1")
	daemon.Short, daemon.Report.Image.ImageID = "fedcba987654", "sha256:fedcba9876543210"
	var layout Written
	layout.saved("r/app:1", "/layouts/r/app/1")
	layout.Short, layout.Report.Image.Digest = "0123456789ab", "sha256:0123456789abcdef"
	partial := ok("r/app:1")
	partial.Short = "0123456789ab"
	partial.failed("r/app:2", errors.New("denied\nby the registry"))
	var lone Written
	lone.failed("r/app:1", errors.New("unauthorized"))

	tests := []struct {
		name, want string
		w          Written
	}{
		{"registry", "*** Images (0123456789ab):\n      r/app:1\n      r/app:2\n*** Digest: sha256:0123456789abcdef\n", registry},
		{"daemon", "*** Images (fedcba987654):\n      app:1\n*** Image ID: sha256:fedcba9876543210\n", daemon},
		{"layout", "*** Image (0123456789ab) in OCI layout: /layouts/r/app/1\n*** Digest: sha256:0123456789abcdef\n", layout},
		{"partial", "ERROR: saving r/app:2: denied by the registry\n*** Images (0123456789ab):\n      r/app:1\n", partial},
		{"lone failure", "", lone},
	}
	for _, tc := range tests {
		var out strings.Builder
		logWritten(log.New(&out, &out, log.InfoLevel, false), tc.w)
		if got := out.String(); got != tc.want {
			t.Errorf("%s: printed\n%q\nwant\n%q", tc.name, got, tc.want)
		}
	}
	if err := lone.err(); err == nil || err.Error() != "saving image r/app:1: unauthorized" {
		t.Errorf("lone failure err() = %v, want the cause wrapped", err)
	}
	if err := partial.err(); err == nil || err.Error() != "saving image r/app:2" {
		t.Errorf("partial err() = %v, want the failing names", err)
	}
}

// TestStoreCapabilities: what each store says it can do, in place of
// which backend it is.
func TestStoreCapabilities(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	ls, err := NewLayoutStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]ImageStore{"registry": NewRegistryStore(image.Registry{}), "daemon": NewDaemonStore(nil), "layout": ls}
	type caps struct{ uncompressed, span, id, layoutID, ref bool }
	want := map[string]caps{
		"registry": {ref: true},
		"daemon":   {uncompressed: true, span: true, id: true, ref: true},
		"layout":   {layoutID: true, ref: true},
	}
	for name, st := range stores {
		got := caps{st.uncompressedLayers(), st.namesSpanRegistries(), st.accepts("sha256:" + hex),
			st.accepts("/layouts/run@sha256:" + hex), st.accepts("registry.example/run:1")}
		if got != want[name] {
			t.Errorf("%s store: %+v, want %+v", name, got, want[name])
		}
	}
}
