package files

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadPlan(t *testing.T) {
	const sample = `
[[entries]]
  unknown = "ignored"

  [[entries.providers]]
    id = "bp/node"
    version = "1.0"
    extension = false

  [[entries.providers]]
    id = "ext/node"
    version = "0.1"
    extension = true
    homepage = "https://ext"

  [[entries.requires]]
    name = "node"
    [entries.requires.metadata]
      version = "20"
      build = true

[[entries]]
  [[entries.providers]]
    id = "bp/npm"
    version = "2.0"
  [[entries.requires]]
    name = "npm"
`
	want := Plan{Entries: []PlanEntry{
		{
			Providers: []Provider{
				{ID: "bp/node", Version: "1.0"},
				{ID: "ext/node", Version: "0.1", Extension: true, Homepage: "https://ext"},
			},
			Requires: []Require{{Name: "node", Metadata: map[string]any{"version": "20", "build": true}}},
		},
		{
			Providers: []Provider{{ID: "bp/npm", Version: "2.0"}},
			Requires:  []Require{{Name: "npm"}},
		},
	}}
	path := writeFile(t, t.TempDir(), "plan.toml", sample)
	got, err := ReadPlan(path)
	if err != nil {
		t.Fatalf("ReadPlan(%s) = %v, want nil", path, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadPlan(%s) = %#v, want %#v", path, got, want)
	}
}

func TestWritePlanOmitsDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.toml")
	p := Plan{Entries: []PlanEntry{{
		Providers: []Provider{{ID: "bp/a", Version: "1"}},
		Requires:  []Require{{Name: "a", Metadata: map[string]any{}}},
	}}}
	if err := WritePlan(path, p); err != nil {
		t.Fatalf("WritePlan(%s) = %v, want nil", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"extension", "homepage", "metadata"} {
		if strings.Contains(string(data), key) {
			t.Errorf("WritePlan(%#v) wrote %s, want no %s", p, data, key)
		}
	}
}

func TestReadBuildpackPlan(t *testing.T) {
	const sample = `
unknown = 1

[[entries]]
  name = "node"
  [entries.metadata]
    version = "20"

[[entries]]
  name = "npm"
`
	want := BuildpackPlan{Entries: []Require{
		{Name: "node", Metadata: map[string]any{"version": "20"}},
		{Name: "npm"},
	}}
	path := writeFile(t, t.TempDir(), "plan.toml", sample)
	got, err := ReadBuildpackPlan(path)
	if err != nil {
		t.Fatalf("ReadBuildpackPlan(%s) = %v, want nil", path, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadBuildpackPlan(%s) = %#v, want %#v", path, got, want)
	}
}
