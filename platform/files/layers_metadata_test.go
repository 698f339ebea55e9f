package files

import (
	"encoding/json"
	"reflect"
	"testing"
)

// sampleLayersMetadata uses every field of LayersMetadata with values that
// survive a TOML round trip.
func sampleLayersMetadata() LayersMetadata {
	return LayersMetadata{
		App:  []LayerMetadata{{SHA: "sha256:app1"}, {SHA: "sha256:app2"}},
		SBOM: LayerMetadata{SHA: "sha256:sbom"},
		Buildpacks: []BuildpackLayersMetadata{{
			ID: "bp/a", Version: "1.0",
			Layers: map[string]BuildpackLayerMetadata{
				"deps":  {SHA: "sha256:deps", Data: map[string]any{"version": "1", "n": int64(3)}, Launch: true, Cache: true},
				"tools": {SHA: "sha256:tools", Build: true, Launch: true},
			},
			Store: BuildpackStore{Metadata: map[string]any{"k": "v"}},
		}, {ID: "bp/b", Version: "2.0"}},
		Config:       LayerMetadata{SHA: "sha256:config"},
		Launcher:     LayerMetadata{SHA: "sha256:launcher"},
		ProcessTypes: LayerMetadata{SHA: "sha256:pt"},
		RunImage: RunImageForRebase{
			TopLayer: "sha256:top", Reference: "r.io/run@sha256:r",
			Image: "r.io/run", Mirrors: []string{"m.io/run"},
		},
		Stack: StackMetadata{RunImage: RunImageEntry{Image: "r.io/run", Mirrors: []string{"m.io/run"}}},
	}
}

func TestLayersMetadataJSON(t *testing.T) {
	// The label as the spec shows it, with the deprecated stack key and an
	// unknown key.
	const label = `{
  "app": [{"sha": "sha256:app"}],
  "sbom": {"sha": "sha256:sbom"},
  "config": {"sha": "sha256:config"},
  "exec-env": "production",
  "launcher": {"sha": "sha256:launcher"},
  "processTypes": {"sha": "sha256:pt"},
  "buildpacks": [
    {
      "key": "bp/a",
      "version": "1.0",
      "layers": {
        "deps": {"sha": "sha256:deps", "data": {"v": "1"}, "build": false, "launch": true, "cache": true}
      },
      "store": {"metadata": {"k": "v"}}
    }
  ],
  "runImage": {
    "image": "r.io/run",
    "mirrors": ["m.io/run"],
    "topLayer": "sha256:top",
    "reference": "r.io/run@sha256:r"
  },
  "stack": {"runImage": {"image": "r.io/run", "mirrors": ["m.io/run"]}}
}`
	want := LayersMetadata{
		App:  []LayerMetadata{{SHA: "sha256:app"}},
		SBOM: LayerMetadata{SHA: "sha256:sbom"},
		Buildpacks: []BuildpackLayersMetadata{{
			ID: "bp/a", Version: "1.0",
			Layers: map[string]BuildpackLayerMetadata{
				"deps": {SHA: "sha256:deps", Data: map[string]any{"v": "1"}, Launch: true, Cache: true},
			},
			Store: BuildpackStore{Metadata: map[string]any{"k": "v"}},
		}},
		Config:       LayerMetadata{SHA: "sha256:config"},
		Launcher:     LayerMetadata{SHA: "sha256:launcher"},
		ProcessTypes: LayerMetadata{SHA: "sha256:pt"},
		RunImage: RunImageForRebase{
			TopLayer: "sha256:top", Reference: "r.io/run@sha256:r",
			Image: "r.io/run", Mirrors: []string{"m.io/run"},
		},
		Stack: StackMetadata{RunImage: RunImageEntry{Image: "r.io/run", Mirrors: []string{"m.io/run"}}},
	}
	var got LayersMetadata
	if err := json.Unmarshal([]byte(label), &got); err != nil {
		t.Fatalf("json.Unmarshal(label) = %v, want nil", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("json.Unmarshal(label) = %#v, want %#v", got, want)
	}

	out, err := json.Marshal(want)
	if err != nil {
		t.Fatalf("json.Marshal = %v, want nil", err)
	}
	var again LayersMetadata
	if err := json.Unmarshal(out, &again); err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("json round trip = %#v, %v, want %#v, nil", again, err, want)
	}
}

func TestLayersMetadataJSONOmitsAbsent(t *testing.T) {
	tests := []struct {
		name string
		md   LayersMetadata
		want string
	}{
		{name: "zero", md: LayersMetadata{}, want: `{}`},
		{
			name: "config only",
			md:   LayersMetadata{Config: LayerMetadata{SHA: "sha256:c"}},
			want: `{"config":{"sha":"sha256:c"}}`,
		},
		{
			name: "buildpack without layers",
			md:   LayersMetadata{Buildpacks: []BuildpackLayersMetadata{{ID: "a", Version: "1", Layers: map[string]BuildpackLayerMetadata{}}}},
			want: `{"buildpacks":[{"key":"a","version":"1","layers":{}}]}`,
		},
		{
			name: "run image",
			md:   LayersMetadata{RunImage: RunImageForRebase{TopLayer: "t", Reference: "r"}},
			want: `{"runImage":{"topLayer":"t","reference":"r"}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.md)
			if err != nil || string(got) != tc.want {
				t.Errorf("json.Marshal(%#v) = %s, %v, want %s, nil", tc.md, got, err, tc.want)
			}
		})
	}
}
