package files

import (
	"reflect"
	"testing"
)

func TestReadStack(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    Stack
		wantErr string // substring after "reading <path>: "; "" for success
	}{
		{
			name: "spec sample",
			content: `
[run-image]
 image = "r.io/run"
 mirrors = ["m.io/run", "n.io/run"]
 unknown = 1
`,
			want: Stack{RunImage: RunImageEntry{Image: "r.io/run", Mirrors: []string{"m.io/run", "n.io/run"}}},
		},
		{
			name:    "with build image",
			content: "[run-image]\nimage = \"r.io/run\"\n[build-image]\nimage = \"r.io/build\"\nmirrors = [\"x\"]\n",
			want:    Stack{RunImage: RunImageEntry{Image: "r.io/run"}, BuildImage: StackBuildImage{Image: "r.io/build"}},
		},
		{name: "empty file", content: "", want: Stack{}},
		{
			name:    "mirrors without image",
			content: "[run-image]\nmirrors = [\"m.io/run\"]\n",
			wantErr: "run-image: mirrors given without image",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "stack.toml", tc.content)
			got, err := ReadStack(path)
			if tc.wantErr != "" {
				want := "reading " + path + ": " + tc.wantErr
				if err == nil || err.Error() != want {
					t.Errorf("ReadStack(%s) = %#v, %v, want error %q", path, got, err, want)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ReadStack(%s) = %#v, %v, want %#v, nil", path, got, err, tc.want)
			}
		})
	}
}
