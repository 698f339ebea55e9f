package files

import (
	"reflect"
	"testing"
)

func TestReadSystem(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    System
		wantErr string // after "reading <path>: "; "" for success
	}{
		{
			name: "spec sample",
			content: `
unknown = "ignored"

[[system.pre.buildpacks]]
  id = "pre/a"
  version = "1.0"
  optional = false
  unknown = 2

[[system.post.buildpacks]]
  id = "post/a"
  version = "2.0"
  optional = true
`,
			want: System{
				Pre:  []SystemBuildpack{{ID: "pre/a", Version: "1.0"}},
				Post: []SystemBuildpack{{ID: "post/a", Version: "2.0", Optional: true}},
			},
		},
		{name: "empty file", content: "", want: System{}},
		{
			name:    "post only",
			content: "[[system.post.buildpacks]]\nid = \"p\"\nversion = \"1\"\n",
			want:    System{Post: []SystemBuildpack{{ID: "p", Version: "1"}}},
		},
		{
			name:    "pre without version",
			content: "[[system.pre.buildpacks]]\nid = \"a\"\nversion = \"1\"\n[[system.pre.buildpacks]]\nid = \"b\"\n",
			wantErr: "system.pre.buildpacks[1]: buildpack b is missing version",
		},
		{
			name:    "post without id",
			content: "[[system.post.buildpacks]]\nversion = \"1\"\n",
			wantErr: `system.post.buildpacks[0]: buildpack (version "1") is missing id`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "system.toml", tc.content)
			got, err := ReadSystem(path)
			if tc.wantErr != "" {
				want := "reading " + path + ": " + tc.wantErr
				if err == nil || err.Error() != want {
					t.Errorf("ReadSystem(%s) = %#v, %v, want error %q", path, got, err, want)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ReadSystem(%s) = %#v, %v, want %#v, nil", path, got, err, tc.want)
			}
		})
	}
}
