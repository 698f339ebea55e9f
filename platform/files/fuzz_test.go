package files

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadFiles feeds the same bytes to every platform data file codec
// (CONFORMANCE FIL-1..11): malformed, huge or mistyped TOML gives an error
// naming the file, never a panic. go test runs the seeds; make fuzz
// explores.
func FuzzReadFiles(f *testing.F) {
	for _, seed := range []string{
		"[image]\n  reference = \"r@sha256:abc\"\n[run-image]\n  reference = \"x\"\n  [run-image.target]\n    os = \"linux\"\n",
		"[[entries]]\n  [[entries.providers]]\n    id = \"a\"\n    version = \"1\"\n  [[entries.requires]]\n    name = \"n\"\n",
		"[[images]]\n  image = \"i\"\n  mirrors = [\"m\"]\n",
		"[run-image]\n  image = \"i\"\n[build-image]\n  image = \"b\"\n",
		"[system.pre]\n  [[system.pre.buildpacks]]\n    id = \"a\"\n    version = \"1\"\n    optional = true\n",
		"[source]\n  type = \"git\"\n  [source.version]\n    commit = \"c\"\n",
		"[image]\n  tags = [\"t\"]\n  digest = \"d\"\n  manifest-size = 1\n",
		"[run-image]\n  reference = 7\n", "[[images]]\nimage = [1,2]\n", "a = \"\\u0000\"", "[[x]]\n[x]\n", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "file.toml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = ReadAnalyzed(path)
		_, _ = ReadPlan(path)
		_, _ = ReadBuildpackPlan(path)
		_, _ = ReadProjectMetadata(path)
		_, _ = ReadReport(path)
		_, _ = ReadRun(path)
		_, _ = ReadStack(path)
		_, _ = ReadSystem(path)
		// What was read must be writable again.
		if a, err := ReadAnalyzed(path); err == nil {
			if err := WriteAnalyzed(filepath.Join(t.TempDir(), "analyzed.toml"), a); err != nil {
				t.Errorf("WriteAnalyzed of a read analyzed.toml: %v", err)
			}
		}
	})
}
