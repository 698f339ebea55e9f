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
