package launch

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadMetadata: <layers>/config/metadata.toml, which the launcher reads
// at every start of an app, never panics on bad input (CONFORMANCE LCH-*).
func FuzzReadMetadata(f *testing.F) {
	for _, seed := range []string{
		"buildpack-default-process-type = \"web\"\n[[processes]]\n  type = \"web\"\n  command = [\"x\"]\n  args = [\"a\"]\n  direct = true\n  buildpack-id = \"a\"\n[[buildpacks]]\n  id = \"a\"\n  api = \"0.10\"\n",
		"[[processes]]\n  type = \"web\"\n  command = \"x\"\n",
		"[[processes]]\n  command = 1\n", "[[buildpacks]]\napi = []\n", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "metadata.toml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = ReadMetadata(path)
	})
}
