package files

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// codec is one file type under the rules every codec shares (FIL-11).
type codec struct {
	name  string
	value any
	write func(path string, v any) error
	read  func(path string) (any, error)
}

// codecs returns every codec with a value that uses all of its fields.
func codecs() []codec {
	return []codec{
		{
			name:  "analyzed",
			value: sampleAnalyzed(),
			write: func(p string, v any) error { return WriteAnalyzed(p, v.(Analyzed)) },
			read:  func(p string) (any, error) { return ReadAnalyzed(p) },
		},
		{
			name: "plan",
			value: Plan{Entries: []PlanEntry{{
				Providers: []Provider{{ID: "a", Version: "1"}, {ID: "x", Version: "2", Extension: true, Homepage: "https://x"}},
				Requires:  []Require{{Name: "node", Metadata: map[string]any{"version": "20", "n": int64(1)}}, {Name: "node"}},
			}}},
			write: func(p string, v any) error { return WritePlan(p, v.(Plan)) },
			read:  func(p string) (any, error) { return ReadPlan(p) },
		},
		{
			name:  "buildpack plan",
			value: BuildpackPlan{Entries: []Require{{Name: "node", Metadata: map[string]any{"build": true}}, {Name: "npm"}}},
			write: func(p string, v any) error { return WriteBuildpackPlan(p, v.(BuildpackPlan)) },
			read:  func(p string) (any, error) { return ReadBuildpackPlan(p) },
		},
		{
			name:  "run",
			value: Run{Images: []RunImageEntry{{Image: "r.io/run", Mirrors: []string{"m.io/run", "n.io/run"}}, {Image: "s.io/run"}}},
			write: func(p string, v any) error { return WriteRun(p, v.(Run)) },
			read:  func(p string) (any, error) { return ReadRun(p) },
		},
		{
			name:  "stack",
			value: Stack{RunImage: RunImageEntry{Image: "r.io/run", Mirrors: []string{"m.io/run"}}, BuildImage: StackBuildImage{Image: "r.io/build"}},
			write: func(p string, v any) error { return WriteStack(p, v.(Stack)) },
			read:  func(p string) (any, error) { return ReadStack(p) },
		},
		{
			name: "system",
			value: System{
				Pre:  []SystemBuildpack{{ID: "pre/a", Version: "1"}, {ID: "pre/b", Version: "2", Optional: true}},
				Post: []SystemBuildpack{{ID: "post/a", Version: "3"}},
			},
			write: func(p string, v any) error { return WriteSystem(p, v.(System)) },
			read:  func(p string) (any, error) { return ReadSystem(p) },
		},
		{
			name: "project metadata",
			value: ProjectMetadata{Source: &ProjectSource{
				Type:     "git",
				Version:  map[string]any{"commit": "abc"},
				Metadata: map[string]any{"repository": "https://g", "nested": map[string]any{"n": int64(2)}},
			}},
			write: func(p string, v any) error { return WriteProjectMetadata(p, v.(ProjectMetadata)) },
			read:  func(p string) (any, error) { return ReadProjectMetadata(p) },
		},
		{
			name: "report",
			value: Report{
				Image: ReportImage{Tags: []string{"r.io/app:1", "r.io/app:latest"}, Digest: "sha256:d", ImageID: "id", ManifestSize: 1234},
				Build: ReportBuild{BOM: []any{map[string]any{"name": "dep", "metadata": map[string]any{"version": "1"}}}},
			},
			write: func(p string, v any) error { return WriteReport(p, v.(Report)) },
			read:  func(p string) (any, error) { return ReadReport(p) },
		},
	}
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range codecs() {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a", "b", "file.toml")
			if err := tc.write(path, tc.value); err != nil {
				t.Fatalf("write(%s) = %v, want nil", path, err)
			}
			got, err := tc.read(path)
			if err != nil {
				t.Fatalf("read(%s) = %v, want nil", path, err)
			}
			if !reflect.DeepEqual(got, tc.value) {
				t.Errorf("read(write(v)) = %#v, want %#v", got, tc.value)
			}
		})
	}
}

func TestRoundTripZero(t *testing.T) {
	for _, tc := range codecs() {
		t.Run(tc.name, func(t *testing.T) {
			zero := reflect.Zero(reflect.TypeOf(tc.value)).Interface()
			path := filepath.Join(t.TempDir(), "file.toml")
			if err := tc.write(path, zero); err != nil {
				t.Fatalf("write(%s) = %v, want nil", path, err)
			}
			got, err := tc.read(path)
			if err != nil {
				t.Fatalf("read(%s) = %v, want nil", path, err)
			}
			if !reflect.DeepEqual(got, zero) {
				t.Errorf("read(write(zero)) = %#v, want %#v", got, zero)
			}
		})
	}
}

func TestWriteRules(t *testing.T) {
	for _, tc := range codecs() {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new", "dir")
			path := filepath.Join(dir, "file.toml")
			if err := tc.write(path, tc.value); err != nil {
				t.Fatalf("write(%s) = %v, want nil", path, err)
			}
			first, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []string{dir, filepath.Dir(dir)} {
				fi, err := os.Stat(d)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm() &^ 0o022; got != 0o755&^0o022 || !fi.IsDir() {
					t.Errorf("mode of %s = %v, want directory 0755 (less umask)", d, fi.Mode())
				}
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o644 {
				t.Errorf("mode of %s = %v, want 0644", path, got)
			}

			// Same value, same bytes, over an existing file.
			for range 5 {
				if err := tc.write(path, tc.value); err != nil {
					t.Fatalf("write(%s) again = %v, want nil", path, err)
				}
				again, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again, first) {
					t.Fatalf("second write = %q, want %q", again, first)
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				t.Errorf("%s holds %d entries, want 1 (no temporary files left)", dir, len(entries))
			}
		})
	}
}

func TestWriteError(t *testing.T) {
	for _, tc := range codecs() {
		t.Run(tc.name, func(t *testing.T) {
			parent := writeFile(t, t.TempDir(), "not-a-dir", "")
			path := filepath.Join(parent, "file.toml")
			err := tc.write(path, tc.value)
			if err == nil || !strings.HasPrefix(err.Error(), "writing "+path+": ") {
				t.Errorf("write(%s) = %v, want an error starting %q", path, err, "writing "+path+": ")
			}
		})
	}
}

func TestReadMalformed(t *testing.T) {
	for _, tc := range codecs() {
		for _, m := range []struct{ name, content string }{
			{"unclosed table", "[image\nreference = \"x\"\n"},
			{"missing value", "a = \n"},
			{"duplicate key", "a = 1\na = 2\n"},
		} {
			content := m.content
			t.Run(tc.name+"/"+m.name, func(t *testing.T) {
				path := writeFile(t, t.TempDir(), "file.toml", content)
				_, err := tc.read(path)
				want := "parsing " + path + ": toml: line "
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("read(%q) = %v, want an error starting %q", content, err, want)
				}
				if errors.Is(err, os.ErrNotExist) {
					t.Errorf("read(%q) = %v, want an error that is not os.ErrNotExist", content, err)
				}
			})
		}
	}
}

func TestReadWrongType(t *testing.T) {
	for _, tc := range codecs() {
		t.Run(tc.name, func(t *testing.T) {
			// Each file has a table or array at one of these keys.
			content := "entries = 1\nimages = 1\nrun-image = 1\nsystem = 1\nsource = 1\nimage = 1\n"
			path := writeFile(t, t.TempDir(), "file.toml", content)
			_, err := tc.read(path)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("read(%q) = %v, want an error naming %s", content, err, path)
			}
		})
	}
}

func TestReadMissing(t *testing.T) {
	for _, tc := range codecs() {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing.toml")
			_, err := tc.read(path)
			if !errors.Is(err, os.ErrNotExist) {
				t.Errorf("read(%s) = %v, want os.ErrNotExist", path, err)
			}
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("read(%s) = %v, want an error naming the file", path, err)
			}
		})
	}
}
