package env

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzApplyDir: env files (<layer>/env/<NAME>[.<action>], CONFORMANCE
// ENV-*) with any name and content apply or fail, never panic; a file name
// that cannot be an env var name is not applied as one.
func FuzzApplyDir(f *testing.F) {
	for _, seed := range []struct{ name, value string }{
		{"PATH.prepend", "/x"}, {"JAVA_OPTS.append", "-Xmx1g"}, {"JAVA_OPTS.delim", " "}, {"A.override", "v"},
		{"B.default", "d"}, {"C", "plain"}, {"D.bogus", "x"}, {".append", "x"}, {"E=F", "x"}, {"G.prepend", ""},
	} {
		f.Add(seed.name, seed.value)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." || len(name) > 200 {
			return // not a file name
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(value), 0o644); err != nil {
			return
		}
		e := FromList([]string{"PATH=/bin", "JAVA_OPTS=-v"})
		_ = ApplyDir(e, dir, Override)
		for k := range e {
			if strings.Contains(k, "=") {
				t.Errorf("env var name %q contains '='", k)
			}
		}
	})
}
