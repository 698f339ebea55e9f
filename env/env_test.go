package env

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuildBase(t *testing.T) {
	in := FromList([]string{"HOME=/h", "PATH=/bin", "CNB_REGISTRY_AUTH={}", "DOCKER_CONFIG=/d",
		"http_proxy=p", "FOO=bar", "CNB_STACK_ID=s"})
	got := BuildBase(func(k string) (string, bool) { v, ok := in[k]; return v, ok })
	want := Env{"HOME": "/h", "PATH": "/bin", "http_proxy": "p", "CNB_STACK_ID": "s"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("BuildBase() = %v, want %v", got, want)
	}
}

func TestApplyUserDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{"PATH": "/user/bin", "FOO": "from user\n", "CPATH": "/inc"})
	if err := os.Mkdir(filepath.Join(dir, "ADIR"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := Env{"PATH": "/bin", "FOO": "old"}
	if err := ApplyUserDir(e, dir); err != nil {
		t.Fatal(err)
	}
	want := Env{"PATH": "/user/bin:/bin", "FOO": "from user\n", "CPATH": "/inc"}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("ApplyUserDir() = %v, want %v", e, want)
	}
	if err := ApplyUserDir(e, filepath.Join(dir, "missing")); err != nil {
		t.Errorf("ApplyUserDir(missing) = %v, want nil", err)
	}
}

func TestApplyDir(t *testing.T) {
	for _, tc := range []struct {
		name     string
		files    map[string]string
		noSuffix Action
		start    Env
		want     Env
	}{
		{"override", map[string]string{"A": "new", "B.override": "o"}, Override, Env{"A": "old", "B": "x"}, Env{"A": "new", "B": "o"}},
		{"no suffix is default for operators", map[string]string{"A": "op", "C": "set"}, Default, Env{"A": "user"}, Env{"A": "user", "C": "set"}},
		{"prepend and append with delim", map[string]string{"P.prepend": "first", "P.delim": ":", "Q.append": "last"}, Override,
			Env{"P": "mid", "Q": "mid"}, Env{"P": "first:mid", "Q": "midlast"}},
		{"default keeps existing", map[string]string{"D.default": "d"}, Override, Env{"D": "keep"}, Env{"D": "keep"}},
		{"unknown suffix ignored", map[string]string{"X.weird": "1"}, Override, Env{}, Env{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.start.Clone()
			if err := ApplyDir(e, writeFiles(t, tc.files), tc.noSuffix); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(e, tc.want) {
				t.Errorf("ApplyDir() = %v, want %v", e, tc.want)
			}
		})
	}
}

func TestApplyLayerDelimScope(t *testing.T) {
	layer := t.TempDir()
	os.MkdirAll(filepath.Join(layer, "env"), 0o755)
	os.MkdirAll(filepath.Join(layer, "env.build"), 0o755)
	os.WriteFile(filepath.Join(layer, "env", "X.delim"), []byte(";"), 0o644)
	os.WriteFile(filepath.Join(layer, "env", "X.prepend"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(layer, "env.build", "X.append"), []byte("z"), 0o644)
	os.WriteFile(filepath.Join(layer, "env.build", "Y"), []byte("over"), 0o644)
	e := Env{"X": "mid", "Y": "old"}
	if err := ApplyLayer(e, filepath.Join(layer, "env"), filepath.Join(layer, "env.build"), filepath.Join(layer, "missing")); err != nil {
		t.Fatal(err)
	}
	if e["X"] != "a;mid;z" || e["Y"] != "over" {
		t.Errorf("ApplyLayer() = %v, want X=a;mid;z (delim scoped to the layer, ENV-5) and Y=over", e)
	}
}

func TestPrependBuildPaths(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a/bin", "b/bin", "b/lib", "c/include"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	e := Env{"PATH": "/usr/bin"}
	PrependBuildPaths(e, []string{filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "c")})
	want := Env{
		"PATH":            root + "/a/bin:" + root + "/b/bin:/usr/bin",
		"LD_LIBRARY_PATH": root + "/b/lib",
		"LIBRARY_PATH":    root + "/b/lib",
		"CPATH":           root + "/c/include",
	}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("PrependBuildPaths() = %v, want %v (ENV-3: ascending within a buildpack)", e, want)
	}
}
