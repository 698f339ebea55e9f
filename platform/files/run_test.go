package files

import (
	"reflect"
	"strings"
	"testing"
)

func TestReadRun(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    Run
		wantErr string // substring after "reading <path>: "; "" for success
	}{
		{
			name: "spec sample",
			content: `
[[images]]
 image = "r.io/run"
 mirrors = ["m.io/run", "n.io/run"]
 unknown = true

[[images]]
 image = "s.io/run"
`,
			want: Run{Images: []RunImageEntry{
				{Image: "r.io/run", Mirrors: []string{"m.io/run", "n.io/run"}},
				{Image: "s.io/run"},
			}},
		},
		{name: "empty file", content: "", want: Run{}},
		{
			name:    "mirrors without image",
			content: "[[images]]\nimage = \"r.io/run\"\n[[images]]\nmirrors = [\"m.io/run\"]\n",
			wantErr: "images[1]: mirrors given without image",
		},
		{name: "entry with neither", content: "[[images]]\n", want: Run{Images: []RunImageEntry{{}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "run.toml", tc.content)
			got, err := ReadRun(path)
			if tc.wantErr != "" {
				want := "reading " + path + ": " + tc.wantErr
				if err == nil || err.Error() != want {
					t.Errorf("ReadRun(%s) = %#v, %v, want error %q", path, got, err, want)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ReadRun(%s) = %#v, %v, want %#v, nil", path, got, err, tc.want)
			}
		})
	}
}

func TestReadRunErrorNamesFile(t *testing.T) {
	path := writeFile(t, t.TempDir(), "run.toml", "[[images]]\nmirrors = [\"m\"]\n")
	if _, err := ReadRun(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("ReadRun(%s) = %v, want an error naming the file", path, err)
	}
}
