package files

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadReport(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    Report
	}{
		{
			name: "registry",
			content: `
[image]
tags = ["r.io/app:1", "r.io/app:latest"]
digest = "sha256:d"
manifest-size = 1234
unknown = "x"

[other]
key = 1
`,
			want: Report{Image: ReportImage{Tags: []string{"r.io/app:1", "r.io/app:latest"}, Digest: "sha256:d", ManifestSize: 1234}},
		},
		{
			name:    "daemon",
			content: "[image]\ntags = [\"app\"]\nimage-id = \"sha256:id\"\n",
			want:    Report{Image: ReportImage{Tags: []string{"app"}, ImageID: "sha256:id"}},
		},
		{
			name: "build bom",
			content: `
[image]
tags = ["app"]

[[build.bom]]
name = "dep"
[build.bom.metadata]
version = "1"
[build.bom.buildpack]
id = "bp/a"
version = "2"
`,
			want: Report{
				Image: ReportImage{Tags: []string{"app"}},
				Build: ReportBuild{BOM: []any{map[string]any{
					"name":      "dep",
					"metadata":  map[string]any{"version": "1"},
					"buildpack": map[string]any{"id": "bp/a", "version": "2"},
				}}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "report.toml", tc.content)
			got, err := ReadReport(path)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ReadReport(%s) = %#v, %v, want %#v, nil", path, got, err, tc.want)
			}
		})
	}
}

func TestWriteReportWithoutBOM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.toml")
	r := Report{Image: ReportImage{Tags: []string{"app"}, Digest: "sha256:d", ManifestSize: 42}}
	if err := WriteReport(path, r); err != nil {
		t.Fatalf("WriteReport(%s) = %v, want nil", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "build") {
		t.Errorf("WriteReport(%#v) wrote %s, want no [build]", r, data)
	}
	if !strings.Contains(string(data), "manifest-size = 42\n") {
		t.Errorf("WriteReport(%#v) wrote %s, want manifest-size = 42 as an integer", r, data)
	}
}
