package launch

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestLCH7_ShellScript checks the text of the bash script (CONFORMANCE
// LCH-7).
func TestLCH7_ShellScript(t *testing.T) {
	tests := []struct {
		name     string
		profiles []string
		wd       string
		command  []string
		hasArgs  bool
		want     string
	}{
		{"no profiles, args", nil, "/app", []string{"echo"}, true,
			"cd -- '/app' || exit 82\nexec echo \"$@\"\n"},
		{"no args: a script", nil, "/app", []string{"echo $X && exit 3"}, false,
			"cd -- '/app' || exit 82\necho $X && exit 3\n"},
		{"profiles quoted", []string{"/l/a/profile.d/1", "/l/it's/profile.d/web/x y", "/app/.profile"}, "/app/s p", []string{"run", "$HOME/x"}, true,
			"source '/l/a/profile.d/1'\nsource '/l/it'\\''s/profile.d/web/x y'\nsource '/app/.profile'\n" +
				"cd -- '/app/s p' || exit 82\nexec run $HOME/x \"$@\"\n"},
	}
	for _, tc := range tests {
		if got := shellScript(tc.profiles, tc.wd, tc.command, tc.hasArgs); got != tc.want {
			t.Errorf("shellScript(%s) =\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

// TestLCH7_ShellScriptRuns runs scripts through bash: command words are
// expanded, args are not, $0 is the launcher's argv[0], profiles see it.
func TestLCH7_ShellScriptRuns(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	profile := filepath.Join(dir, "it's profile")
	writeFile(t, profile, "export FROM_PROFILE=\"$0\"\n", 0o644)
	tests := []struct {
		name    string
		command []string
		args    []string
		want    string
	}{
		{"args not expanded", []string{"printf '%s|'"}, []string{"$HOME", "a b", "'"}, "$HOME|a b|'|"},
		{"command expanded", []string{"printf", "'%s|'", "$FROM_PROFILE"}, []string{"x"}, "/cnb/process/web|x|"},
		{"script", []string{"echo \"$0 $FROM_PROFILE $(pwd)\""}, nil, "/cnb/process/web /cnb/process/web " + dir + "\n"},
	}
	for _, tc := range tests {
		script := shellScript([]string{profile}, dir, tc.command, len(tc.args) > 0)
		out, err := exec.Command(bash, append([]string{"-c", script, "/cnb/process/web"}, tc.args...)...).Output()
		if err != nil {
			t.Fatalf("bash %s: %v", tc.name, err)
		}
		if string(out) != tc.want {
			t.Errorf("bash(shellScript(%s)) output = %q, want %q", tc.name, out, tc.want)
		}
	}
}

// TestLCH7_ProfileFiles: both passes in buildpack, layer and file order,
// then <app>/.profile when it is a regular file.
func TestLCH7_ProfileFiles(t *testing.T) {
	root, app := t.TempDir(), t.TempDir()
	for _, f := range []string{"a/l2/profile.d/1", "a/l1/profile.d/2", "a/l1/profile.d/1", "b/m/profile.d/0",
		"b/m/profile.d/web/1", "a/l2/profile.d/web/0", "a/l1/profile.d/worker/0"} {
		writeFile(t, filepath.Join(root, f), "", 0o644)
	}
	layers, err := listLayers(root, []Buildpack{{ID: "a"}, {ID: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/l1/profile.d/1", "a/l1/profile.d/2", "a/l2/profile.d/1", "b/m/profile.d/0",
		"a/l2/profile.d/web/0", "b/m/profile.d/web/1"}
	for i := range want {
		want[i] = filepath.Join(root, want[i])
	}
	got, err := profileFiles(layers, "web", app)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("profileFiles(web) = %q, %v, want %q", got, err, want)
	}
	mkdirs(t, filepath.Join(app, ".profile"))
	if got, _ := profileFiles(layers, "", app); len(got) != 4 {
		t.Errorf("profileFiles(no type, .profile a dir) = %q, want the 4 first-pass files", got)
	}
	if err := os.Remove(filepath.Join(app, ".profile")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(app, ".profile"), "", 0o644)
	if got, _ := profileFiles(nil, "web", app); !reflect.DeepEqual(got, []string{filepath.Join(app, ".profile")}) {
		t.Errorf("profileFiles(.profile) = %q, want only .profile", got)
	}
}

// TestLCH8_LookPath checks the PATH search of the direct strategy.
func TestLCH8_LookPath(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/a/tool", "", 0o644)
	writeFile(t, dir+"/b/tool", "", 0o755)
	writeFile(t, dir+"/c/tool", "", 0o755)
	mkdirs(t, dir+"/d/sub")
	writeFile(t, dir+"/wd/rel/other", "", 0o755)
	tests := []struct {
		file, path, want string
		wantErr          bool
	}{
		{"tool", dir + "/a:" + dir + "/b:" + dir + "/c", dir + "/b/tool", false},
		{"sub", dir + "/d", "", true},
		{"tool", dir + "/a", "", true},
		{"other", "rel", dir + "/wd/rel/other", false},
		{"./x", "", "./x", false},
		{"/bin/x", "", "/bin/x", false},
		{"tool", "", "", true},
	}
	for _, tc := range tests {
		got, err := lookPath(tc.file, tc.path, dir+"/wd")
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("lookPath(%q, %q) = %q, %v, want %q (error %v)", tc.file, tc.path, got, err, tc.want, tc.wantErr)
		}
	}
	if _, err := lookPath("tool", dir+"/a", dir); err == nil || !strings.Contains(err.Error(), "tool") {
		t.Errorf("lookPath(not found) = %v, want an error naming the file", err)
	}
}
