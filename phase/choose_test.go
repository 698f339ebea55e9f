package phase

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
)

// probeStore is a store whose run image candidates are readable as the
// map says (registry stores probe; the others count every one).
type probeStore struct {
	ImageStore
	readable map[string]bool
}

func (s probeStore) available(_ context.Context, ref name.Reference) bool {
	return s.readable[ref.String()]
}

// TestChooseRunImage: -run-image wins; else among run.toml's first image
// and its mirrors the first readable one on the app's registry, else the
// first readable one; none readable is exit 32 (ANA-3, FIL-12).
func TestChooseRunImage(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run.toml")
	doc := "[[images]]\nimage = \"a.example/run\"\nmirrors = [\"b.example/run\", \"app.example/run\"]\n\n[[images]]\nimage = \"other.example/run\"\n"
	if err := os.WriteFile(run, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{"a.example/run": true, "b.example/run": true, "app.example/run": true}
	tests := []struct {
		name, flag string
		readable   map[string]bool
		want       string
		code       int
	}{
		{name: "flag", flag: "x.example/run:1", want: "x.example/run:1"},
		{name: "mirror on the app's registry", readable: all, want: "app.example/run"},
		{name: "first readable", readable: map[string]bool{"b.example/run": true}, want: "b.example/run"},
		{name: "none readable", readable: map[string]bool{}, code: platform.CodeAnalyze},
	}
	app, _ := name.ParseReference("app.example/app")
	for _, tc := range tests {
		in := platform.AnalyzeInputs{RunImage: tc.flag, RunPath: run}
		got, err := chooseRunImage(context.Background(), in, api.MustParse("0.12"), image.Registry{}, probeStore{readable: tc.readable}, app)
		if tc.code != 0 {
			if platform.CodeOf(err, 0) != tc.code {
				t.Errorf("%s: chooseRunImage() = %q, %v; want exit %d", tc.name, got, err, tc.code)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: chooseRunImage() = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

// TestChooseRebaseRunImage: -run-image (recorded or not), else the
// recorded image or its mirror on the app's registry; below Platform API
// 0.12 the stack entry (REB-3, REB-6).
func TestChooseRebaseRunImage(t *testing.T) {
	md := files.LayersMetadata{
		RunImage: files.RunImageForRebase{Image: "a.example/run", Mirrors: []string{"app.example/run"}},
		Stack:    files.StackMetadata{RunImage: files.RunImageEntry{Image: "stack.example/run"}},
	}
	st := NewRegistryStore(image.Registry{})
	tests := []struct {
		name, flag string
		modern     bool
		md         files.LayersMetadata
		want       string
		recorded   bool
		fails      bool
	}{
		{name: "recorded mirror as flag", flag: "app.example/run", modern: true, md: md, want: "app.example/run", recorded: true},
		{name: "unrecorded flag", flag: "x.example/run", modern: true, md: md, want: "x.example/run"},
		{name: "mirror on the app's registry", modern: true, md: md, want: "app.example/run", recorded: true},
		{name: "stack below 0.12", md: md, want: "stack.example/run", recorded: true},
		{name: "nothing recorded", modern: true, md: files.LayersMetadata{}, fails: true},
	}
	for _, tc := range tests {
		in := platform.RebaseInputs{Images: []string{"app.example/app"}, PreviousImage: "app.example/app", RunImage: tc.flag}
		got, recorded, err := chooseRebaseRunImage(in, tc.md, tc.modern, st)
		if tc.fails {
			if err == nil {
				t.Errorf("%s: chooseRebaseRunImage() = %q, want an error", tc.name, got)
			}
			continue
		}
		if err != nil || got != tc.want || recorded != tc.recorded {
			t.Errorf("%s: chooseRebaseRunImage() = %q, %v, %v; want %q, %v", tc.name, got, recorded, err, tc.want, tc.recorded)
		}
	}
}
