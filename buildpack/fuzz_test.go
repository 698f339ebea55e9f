package buildpack

import (
	"os"

	lcapi "github.com/cnb-lifecycle/lifecycle/api"
	"path/filepath"
	"testing"
)

// FuzzReadBuildpackFiles feeds the same bytes to the Buildpack API codecs:
// buildpack.toml, order.toml, group.toml, launch.toml, build.toml and
// <layer>.toml (CONFORMANCE FIL-*, BPI-*). Errors are fine, panics are not.
func FuzzReadBuildpackFiles(f *testing.F) {
	for _, seed := range []string{
		"api = \"0.10\"\n[buildpack]\n  id = \"a/b\"\n  version = \"1\"\n[[targets]]\n  os = \"linux\"\n",
		"api = \"0.7\"\n[buildpack]\n  id = \"c\"\n  version = \"1\"\n[[order]]\n  [[order.group]]\n    id = \"a/b\"\n    version = \"1\"\n    optional = true\n",
		"[[order]]\n  [[order.group]]\n    id = \"a\"\n    version = \"1\"\n",
		"[[group]]\n  id = \"a\"\n  version = \"1\"\n  api = \"0.10\"\n",
		"[[processes]]\n  type = \"web\"\n  command = [\"x\"]\n  args = [\"a\"]\n  default = true\n[[labels]]\n  key = \"k\"\n  value = \"v\"\n[[slices]]\n  paths = [\"*.txt\"]\n",
		"[[processes]]\n  type = \"web\"\n  command = \"x\"\n  direct = false\n",
		"[types]\n  launch = true\n  cache = true\n[metadata]\n  a = 1\n",
		"[[unmet]]\n  name = \"n\"\n[[bom]]\n  name = \"b\"\n",
		"api = 3\n", "[buildpack]\nid = [\"x\"]\n", "[[processes]]\ntype = 1\n", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "file.toml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "buildpack.toml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = ReadOrder(path)
		_, _ = ReadGroup(path)
		_, _ = readBuildFile(path)
		_, _ = readLayerTypes(path)
		if d, err := ReadDescriptor(dir); err == nil {
			_, _ = d.ReadLaunch(path)
			_ = d.EffectiveTargets()
		}
		for _, api := range []string{"0.7", "0.9", "0.10", "0.12"} {
			d := &Descriptor{API: api, APIVersion: lcapi.MustParse(api)}
			_, _ = d.ReadLaunch(path)
		}
	})
}
