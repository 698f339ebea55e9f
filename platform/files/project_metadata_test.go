package files

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestReadProjectMetadata(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    ProjectMetadata
	}{
		{
			name: "spec sample",
			content: `
unknown = 1

[source]
type = "git"
unknown = 2

[source.version]
commit = "abc"

[source.metadata]
repository = "https://g"
refs = ["main"]
`,
			want: ProjectMetadata{Source: &ProjectSource{
				Type:     "git",
				Version:  map[string]any{"commit": "abc"},
				Metadata: map[string]any{"repository": "https://g", "refs": []any{"main"}},
			}},
		},
		{name: "type only", content: "[source]\ntype = \"s3\"\n", want: ProjectMetadata{Source: &ProjectSource{Type: "s3"}}},
		{name: "empty file", content: "", want: ProjectMetadata{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "project-metadata.toml", tc.content)
			got, err := ReadProjectMetadata(path)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ReadProjectMetadata(%s) = %#v, %v, want %#v, nil", path, got, err, tc.want)
			}
		})
	}
}

func TestProjectMetadataJSON(t *testing.T) {
	tests := []struct {
		name string
		md   ProjectMetadata
		want string
	}{
		{name: "no source", md: ProjectMetadata{}, want: `{}`},
		{
			name: "source",
			md:   ProjectMetadata{Source: &ProjectSource{Type: "git", Version: map[string]any{"commit": "abc"}}},
			want: `{"source":{"type":"git","version":{"commit":"abc"}}}`,
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
