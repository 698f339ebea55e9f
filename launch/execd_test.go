package launch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/env"
)

// execDScript records its name, $0, working directory and SEEN in $LOG and
// appends its name to SEEN through fd 3.
func execDScript(name string) string {
	return `#!/bin/bash
echo "` + name + ` $0 $(pwd) ${SEEN:-}" >> "$LOG"
echo "out ` + name + `"
printf 'SEEN = "%s"\n' "${SEEN:-}` + name + `," >&3
`
}

// TestLCH6_ExecDOrder checks both passes, their order, fd 3 output feeding
// the next executable, the working dir and pass-through stdout
// (CONFORMANCE LCH-6).
func TestLCH6_ExecDOrder(t *testing.T) {
	root, app := t.TempDir(), t.TempDir()
	log := filepath.Join(t.TempDir(), "log")
	scripts := []string{
		"a/l2/exec.d/1", "a/l1/exec.d/2", "a/l1/exec.d/1", "b/m1/exec.d/0",
		"a/l1/exec.d/web/9", "b/m1/exec.d/web/1", "a/l2/exec.d/web/5", "a/l1/exec.d/worker/1",
	}
	for _, s := range scripts {
		writeFile(t, filepath.Join(root, s), execDScript(s), 0o755)
	}
	mkdirs(t, root+"/a/l3/exec.d/web/sub")
	layers, err := listLayers(root, []Buildpack{{ID: "a"}, {ID: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typ  string
		want []string
	}{
		{"web", []string{"a/l1/exec.d/1", "a/l1/exec.d/2", "a/l2/exec.d/1", "b/m1/exec.d/0",
			"a/l1/exec.d/web/9", "a/l2/exec.d/web/5", "b/m1/exec.d/web/1"}},
		{"", []string{"a/l1/exec.d/1", "a/l1/exec.d/2", "a/l2/exec.d/1", "b/m1/exec.d/0"}},
	}
	for _, tc := range tests {
		t.Run("type="+tc.typ, func(t *testing.T) {
			_ = os.Remove(log)
			var stdout bytes.Buffer
			e := env.Env{"LOG": log, "PATH": os.Getenv("PATH")}
			r := execDRun{layers: layers, typ: tc.typ, appDir: app, stdout: &stdout, stderr: os.Stderr}
			if err := runExecD(context.Background(), r, e); err != nil {
				t.Fatal(err)
			}
			var wantLog, wantOut []string
			seen := ""
			for _, s := range tc.want {
				wantLog = append(wantLog, s+" "+filepath.Join(root, s)+" "+app+" "+seen)
				wantOut = append(wantOut, "out "+s)
				seen += s + ","
			}
			data, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"); !reflect.DeepEqual(got, wantLog) {
				t.Errorf("exec.d runs =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantLog, "\n"))
			}
			if got := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n"); !reflect.DeepEqual(got, wantOut) {
				t.Errorf("exec.d stdout = %q, want %q", got, wantOut)
			}
			if e["SEEN"] != seen {
				t.Errorf("SEEN after exec.d = %q, want %q", e["SEEN"], seen)
			}
		})
	}
}

// TestLCH6_ExecDErrors: a failing executable or bad fd-3 output stops the
// launch with an error naming the executable.
func TestLCH6_ExecDErrors(t *testing.T) {
	tests := []struct {
		name, script, want string
	}{
		{"exit 3", "#!/bin/bash\nexit 3\n", "exit status 3"},
		{"bad toml", "#!/bin/bash\necho 'X = ' >&3\n", "parsing the output of exec.d"},
		{"not a string", "#!/bin/bash\necho 'X = 1' >&3\n", "X: want a string"},
		{"table", "#!/bin/bash\nprintf '[t]\\nX = \"1\"\\n' >&3\n", "t: want a string"},
		{"not executable", "", "permission denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			path := filepath.Join(root, "bp/l/exec.d/x")
			mode := os.FileMode(0o755)
			if tc.script == "" {
				mode = 0o644
			}
			writeFile(t, path, tc.script, mode)
			layers, err := listLayers(root, []Buildpack{{ID: "bp"}})
			if err != nil {
				t.Fatal(err)
			}
			r := execDRun{layers: layers, appDir: root, stdout: os.Stdout, stderr: os.Stderr}
			err = runExecD(context.Background(), r, env.Env{"PATH": os.Getenv("PATH")})
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("runExecD(%s) = %v, want an error naming %s with %q", tc.name, err, path, tc.want)
			}
		})
	}
}

// TestLCH6_ExecDProtected: exec.d output does not override HOME or BPL_*
// set in the container (ENV-7), and may set new variables.
func TestLCH6_ExecDProtected(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "bp/l/exec.d/x"),
		"#!/bin/bash\nprintf 'HOME = \"/x\"\\nBPL_A = \"x\"\\nBPL_B = \"x\"\\nOTHER = \"x\"\\n' >&3\n", 0o755)
	layers, err := listLayers(root, []Buildpack{{ID: "bp"}})
	if err != nil {
		t.Fatal(err)
	}
	e := env.Env{"HOME": "/home", "BPL_A": "user"}
	r := execDRun{layers: layers, appDir: root, stdout: os.Stdout, stderr: os.Stderr, keep: protected(e)}
	if err := runExecD(context.Background(), r, e); err != nil {
		t.Fatal(err)
	}
	want := env.Env{"HOME": "/home", "BPL_A": "user", "BPL_B": "x", "OTHER": "x"}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("env after exec.d = %v, want %v", e, want)
	}
}

// TestParseExecDOutput checks the fd-3 TOML reader.
func TestParseExecDOutput(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{"", map[string]string{}, false},
		{"A = \"1\"\nB = 'x y'\n", map[string]string{"A": "1", "B": "x y"}, false},
		{"A = \"\"\n", map[string]string{"A": ""}, false},
		{"A = [\"1\"]\n", nil, true},
		{"A = \n", nil, true},
	}
	for _, tc := range tests {
		got, err := parseExecDOutput([]byte(tc.in))
		if (err != nil) != tc.wantErr || (!tc.wantErr && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("parseExecDOutput(%q) = %v, %v, want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
