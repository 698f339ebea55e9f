package files

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
)

// sampleAnalyzed uses every field of Analyzed.
func sampleAnalyzed() Analyzed {
	return Analyzed{
		Image:    &ImageIdentifier{Reference: "r.io/app@sha256:a"},
		Metadata: sampleLayersMetadata(),
		RunImage: &RunImage{
			Reference: "r.io/run@sha256:r",
			Image:     "r.io/run",
			Extend:    true,
			Target: &TargetMetadata{
				ID: "io.buildpacks.stacks.jammy", OS: "linux", Arch: "arm", ArchVariant: "v7",
				Distro: &OSDistro{Name: "ubuntu", Version: "22.04"},
			},
		},
		BuildImage: &ImageIdentifier{Reference: "r.io/build@sha256:b"},
	}
}

func TestReadAnalyzed(t *testing.T) {
	const sample = `
unknown-top = "ignored"

[image]
  reference = "r.io/app@sha256:a"
  unknown = 1

[metadata]
  [[metadata.app]]
    sha = "sha256:app"
  [metadata.config]
    sha = "sha256:config"
  [metadata.launcher]
    sha = "sha256:launcher"
  [[metadata.buildpacks]]
    key = "bp/a"
    version = "1.0"
    [metadata.buildpacks.layers.deps]
      sha = "sha256:deps"
      launch = true
      [metadata.buildpacks.layers.deps.data]
        v = "1"
  [metadata.run-image]
    top-layer = "sha256:top"
    reference = "r.io/run@sha256:r"

[run-image]
  image = "r.io/run"
  reference = "r.io/run@sha256:r"
  extend = true
  [run-image.target]
  os = "linux"
  arch = "arm"
  variant = "v7"
  [run-image.target.distro]
  name = "ubuntu"
  version = "22.04"

[build-image]
  reference = "r.io/build@sha256:b"
`
	want := Analyzed{
		Image: &ImageIdentifier{Reference: "r.io/app@sha256:a"},
		Metadata: LayersMetadata{
			App:      []LayerMetadata{{SHA: "sha256:app"}},
			Config:   LayerMetadata{SHA: "sha256:config"},
			Launcher: LayerMetadata{SHA: "sha256:launcher"},
			Buildpacks: []BuildpackLayersMetadata{{
				ID: "bp/a", Version: "1.0",
				Layers: map[string]BuildpackLayerMetadata{
					"deps": {SHA: "sha256:deps", Launch: true, Data: map[string]any{"v": "1"}},
				},
			}},
			RunImage: RunImageForRebase{TopLayer: "sha256:top", Reference: "r.io/run@sha256:r"},
		},
		RunImage: &RunImage{
			Reference: "r.io/run@sha256:r", Image: "r.io/run", Extend: true,
			Target: &TargetMetadata{OS: "linux", Arch: "arm", ArchVariant: "v7", Distro: &OSDistro{Name: "ubuntu", Version: "22.04"}},
		},
		BuildImage: &ImageIdentifier{Reference: "r.io/build@sha256:b"},
	}
	path := writeFile(t, t.TempDir(), "analyzed.toml", sample)
	got, err := ReadAnalyzed(path)
	if err != nil {
		t.Fatalf("ReadAnalyzed(%s) = %v, want nil", path, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadAnalyzed(%s) = %#v, want %#v", path, got, want)
	}
}

func TestReadAnalyzedOnlyImage(t *testing.T) {
	// The analyzer's output when there is no previous image and no target.
	path := writeFile(t, t.TempDir(), "analyzed.toml", "[run-image]\nreference = \"r\"\n")
	got, err := ReadAnalyzed(path)
	want := Analyzed{RunImage: &RunImage{Reference: "r"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ReadAnalyzed(%s) = %#v, %v, want %#v, nil", path, got, err, want)
	}
}

func TestAnalyzedArchVariant(t *testing.T) {
	tests := []struct {
		name   string
		target string
		want   string
	}{
		{name: "spec variant", target: `variant = "v7"`, want: "v7"},
		{name: "arch-variant", target: `arch-variant = "v8"`, want: "v8"},
		{name: "both, arch-variant wins", target: "variant = \"v7\"\narch-variant = \"v8\"", want: "v8"},
		{name: "neither", target: `os = "linux"`, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "analyzed.toml", "[run-image.target]\n"+tc.target+"\n")
			got, err := ReadAnalyzed(path)
			if err != nil {
				t.Fatalf("ReadAnalyzed(%s) = %v, want nil", path, err)
			}
			if got.RunImage == nil || got.RunImage.Target == nil {
				t.Fatalf("ReadAnalyzed(%s) = %#v, want a run-image target", path, got)
			}
			if v := got.RunImage.Target.ArchVariant; v != tc.want {
				t.Errorf("ReadAnalyzed(%q).RunImage.Target.ArchVariant = %q, want %q", tc.target, v, tc.want)
			}
		})
	}
}

func TestWriteAnalyzedArchVariant(t *testing.T) {
	path := filepath.Join(t.TempDir(), "analyzed.toml")
	if err := WriteAnalyzed(path, sampleAnalyzed()); err != nil {
		t.Fatalf("WriteAnalyzed(%s) = %v, want nil", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s*arch-variant = "v7"$`).Match(data) {
		t.Errorf("WriteAnalyzed wrote %s, want arch-variant = \"v7\"", data)
	}
	if regexp.MustCompile(`(?m)^\s*variant\s*=`).Match(data) {
		t.Errorf("WriteAnalyzed wrote %s, want no variant key", data)
	}
}

func TestWriteAnalyzedOmitsEmptySections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "analyzed.toml")
	a := Analyzed{RunImage: &RunImage{Reference: "r.io/run@sha256:r"}}
	if err := WriteAnalyzed(path, a); err != nil {
		t.Fatalf("WriteAnalyzed(%s) = %v, want nil", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "[run-image]\n  reference = \"r.io/run@sha256:r\"\n"
	if string(data) != want {
		t.Errorf("WriteAnalyzed(%#v) wrote %q, want %q", a, data, want)
	}
}
