package files

import (
	"path/filepath"
	"testing"
)

// TestLabels: the label codecs (LBL-2, LBL-4): a buildpack without layers
// gets an empty layers object, without changing the caller's metadata; a
// missing project-metadata.toml is {}; the lifecycle label decodes back.
func TestLabels(t *testing.T) {
	md := LayersMetadata{Buildpacks: []BuildpackLayersMetadata{{ID: "example/bp", Version: "1"}}}
	raw, err := LifecycleLabel(md)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"buildpacks":[{"key":"example/bp","version":"1","layers":{}}]}`; raw != want {
		t.Errorf("LifecycleLabel() = %s, want %s", raw, want)
	}
	if md.Buildpacks[0].Layers != nil {
		t.Errorf("LifecycleLabel changed its argument")
	}
	back, err := ParseLifecycleLabel(raw)
	if err != nil || back.Buildpacks[0].ID != "example/bp" {
		t.Errorf("ParseLifecycleLabel() = %+v, %v", back, err)
	}
	if got, err := ProjectLabel(filepath.Join(t.TempDir(), "none.toml")); err != nil || got != "{}" {
		t.Errorf("ProjectLabel(missing) = %q, %v; want {}", got, err)
	}
}
