package launch

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestLCH7_ShellScript checks the parts of the bash script that do not
// depend on bash (CONFORMANCE LCH-7): quoted profiles and working dir, a
// command without args as a script of its own, a here-document delimiter
// that no token line equals.
func TestLCH7_ShellScript(t *testing.T) {
	got := shellScript([]string{"/l/a/profile.d/1", "/l/it's/profile.d/web/x y", "/app/.profile"}, "/app/s p",
		[]string{"echo $X && exit 3"}, nil)
	want := "source '/l/a/profile.d/1'\nsource '/l/it'\\''s/profile.d/web/x y'\nsource '/app/.profile'\n" +
		"cd -- '/app/s p' || exit 82\necho $X && exit 3\n"
	if got != want {
		t.Errorf("shellScript(no args) =\n%s\nwant\n%s", got, want)
	}
	if end := hereDocEnd([]string{"a", "x\nCNB_TOKEN_END\ny", "CNB_TOKEN_END1\n"}); end != "CNB_TOKEN_END2" {
		t.Errorf("hereDocEnd(clashing tokens) = %q, want CNB_TOKEN_END2", end)
	}
	if end := hereDocEnd([]string{"CNB_TOKEN_END."}); end != "CNB_TOKEN_END" {
		t.Errorf("hereDocEnd(delimiter with a dot) = %q, want CNB_TOKEN_END", end)
	}
}

// TestLCH7_ShellScriptRuns runs scripts through bash: with args, the command
// entries and each arg are shell-parsed tokens, one word each (Buildpack API
// 0.7/0.8 "Launch"); without, the command is a script; $0 is the launcher's
// argv[0], profiles and the working dir are in effect when tokens expand.
func TestLCH7_ShellScriptRuns(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	profile := filepath.Join(dir, "it's profile")
	writeFile(t, profile, "export FROM_PROFILE=\"$0\" HOME=/home/cnb\n", 0o644)
	tests := []struct {
		name    string
		command []string
		args    []string
		want    string
	}{
		{"issue example", []string{"echo"}, []string{"cache=$HOME/.cache", "-v", "more"}, "cache=/home/cnb/.cache -v more\n"},
		{"one word each, no splitting or globbing", []string{"printf"}, []string{"<%s>", "a b", "*", "  x  ", ""},
			"<a b><*><  x  ><>"},
		{"quotes are kept", []string{"printf"}, []string{"<%s>", "'q r'", `x"y`, `"`, "'"}, `<'q r'><x"y><"><'>`},
		{"expansions", []string{"printf"}, []string{"<%s>", "$(echo sub $FROM_PROFILE)", "$((6*7))", "`pwd`", "${HOME}/x", "$0"},
			"<sub /cnb/process/web><42><" + dir + "></home/cnb/x></cnb/process/web>"},
		{"backslashes", []string{"printf"}, []string{"<%s>", `\$HOME`, `a\b`, `end\`, `\\`}, `<$HOME><a\b><end\><\>`},
		{"options are words like others", []string{"printf"}, []string{"<%s>", "-n", "-e"}, "<-n><-e>"},
		{"several command entries", []string{"printf", "<%s>", "$HOME"}, []string{"x y"}, "</home/cnb><x y>"},
		{"newlines and the delimiter in a token", []string{"printf"}, []string{"<%s>", "a\nb\n", "x\nCNB_TOKEN_END\ny"},
			"<a\nb\n><x\nCNB_TOKEN_END\ny>"},
		{"script", []string{"echo \"$0 $FROM_PROFILE $(pwd)\""}, nil, "/cnb/process/web /cnb/process/web " + dir + "\n"},
	}
	for _, tc := range tests {
		script := shellScript([]string{profile}, dir, tc.command, tc.args)
		out, err := exec.Command(bash, "-c", script, "/cnb/process/web").Output()
		if err != nil {
			t.Fatalf("bash %s: %v", tc.name, err)
		}
		if string(out) != tc.want {
			t.Errorf("bash(shellScript(%s)) output = %q, want %q", tc.name, out, tc.want)
		}
	}
}

// TestLCH7_ShellTokenFailsToExpand: a token bash cannot expand stops the
// launch with the launch error code instead of running without it.
func TestLCH7_ShellTokenFailsToExpand(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	for _, bad := range []string{"${a.", "$(echo x", "`echo"} {
		script := shellScript(nil, dir, []string{"echo"}, []string{"ok", bad})
		cmd := exec.Command(bash, "-c", script, "web")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != codeLaunch || !strings.Contains(string(out), "argument 2 of the shell process") {
			t.Errorf("token %q: err %v, output %q, want exit %d naming argument 2", bad, err, out, codeLaunch)
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
