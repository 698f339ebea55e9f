package launch

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/env"
)

// execCall is what a launch would have executed.
type execCall struct {
	path string
	argv []string
	env  env.Env
	dir  string
}

// runFixture is a layers and an app dir with a metadata.toml.
type runFixture struct {
	layers, app string
}

func newRunFixture(t *testing.T, metadata string) runFixture {
	t.Helper()
	f := runFixture{layers: t.TempDir(), app: t.TempDir()}
	if metadata != "" {
		writeFile(t, MetadataPath(f.layers), metadata, 0o644)
	}
	return f
}

// launch runs one launch with a capturing exec; it returns the exit code,
// stderr and the captured call (nil if none).
func (f runFixture) launch(t *testing.T, args []string, extraEnv ...string) (int, string, *execCall) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	var call *execCall
	l := &launcher{stdout: &stdout, stderr: &stderr, exec: func(path string, argv, envv []string, dir string) error {
		call = &execCall{path: path, argv: argv, env: env.FromList(envv), dir: dir}
		return nil
	}}
	environ := append([]string{"CNB_PLATFORM_API=0.12", "CNB_LAYERS_DIR=" + f.layers, "CNB_APP_DIR=" + f.app,
		"PATH=/cnb/process:" + os.Getenv("PATH")}, extraEnv...)
	code := 0
	if err := l.run(context.Background(), args, environ); err != nil {
		stderr.WriteString("ERROR: " + err.Error() + "\n")
		code = codeOf(err)
	}
	return code, stderr.String(), call
}

const runMetadata = `buildpack-default-process-type = "web"
[[buildpacks]]
id = "bp"
api = "0.10"
[[buildpacks]]
id = "old"
api = "0.7"
[[processes]]
type = "web"
command = ["true", "c1"]
args = ["a1"]
buildpack-id = "bp"
working-dir = "sub"
[[processes]]
type = "sh"
command = "echo"
args = ["hi"]
buildpack-id = "old"
`

// TestLCH_ExitCodes checks the errors before exec and their codes
// (CONFORMANCE LCH-1, LCH-2, §23).
func TestLCH_ExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		metadata string
		args     []string
		env      []string
		want     int
		wantErr  string
	}{
		{"platform API unset", runMetadata, []string{"launcher"}, []string{"CNB_PLATFORM_API="}, 11, "CNB_PLATFORM_API is not set"},
		{"platform API too old", runMetadata, []string{"launcher"}, []string{"CNB_PLATFORM_API=0.6"}, 11, `"0.6"`},
		{"platform API too new", runMetadata, []string{"launcher"}, []string{"CNB_PLATFORM_API=0.16"}, 11, `"0.16"`},
		{"platform API garbage", runMetadata, []string{"launcher"}, []string{"CNB_PLATFORM_API=v1"}, 11, `"v1"`},
		{"no metadata", "", []string{"launcher"}, nil, 82, "metadata.toml"},
		{"malformed metadata", "processes = [", []string{"launcher"}, nil, 82, "metadata.toml"},
		{"buildpack API", runMetadata + "[[buildpacks]]\nid = \"new\"\napi = \"0.13\"\n", []string{"launcher"}, nil, 12, `"0.13"`},
		{"unknown type", runMetadata, []string{"/cnb/process/nope"}, nil, 82, `"nope"`},
		{"missing working dir", runMetadata, []string{"/cnb/process/web"}, nil, 82, "sub"},
		{"command not on PATH", runMetadata, []string{"launcher", "--", "no-such-command-x"}, nil, 82, "no-such-command-x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newRunFixture(t, tc.metadata)
			code, stderr, call := f.launch(t, tc.args, tc.env...)
			if code != tc.want || !strings.Contains(stderr, tc.wantErr) || call != nil {
				t.Errorf("launch(%q) = %d, %q, exec %v; want %d with %q and no exec", tc.args, code, stderr, call, tc.want, tc.wantErr)
			}
		})
	}
}

// TestLCH8_DirectExec checks what the direct strategy executes: the command
// found on the built PATH, in the working dir, without launcher inputs in
// the env (CONFORMANCE LCH-5, LCH-8).
func TestLCH8_DirectExec(t *testing.T) {
	f := newRunFixture(t, runMetadata)
	mkdirs(t, filepath.Join(f.app, "sub"))
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("true is not installed")
	}
	code, stderr, call := f.launch(t, []string{"/cnb/process/web", "u"}, "CNB_PROCESS_TYPE=x", "CNB_EXEC_ENV=test")
	if code != 0 || call == nil {
		t.Fatalf("launch(web) = %d, %s, want an exec", code, stderr)
	}
	want := execCall{path: truePath, argv: []string{"true", "c1", "u"}, dir: filepath.Join(f.app, "sub")}
	if call.path != want.path || !reflect.DeepEqual(call.argv, want.argv) || call.dir != want.dir {
		t.Errorf("launch(web) executed %s %q in %s, want %s %q in %s", call.path, call.argv, call.dir, want.path, want.argv, want.dir)
	}
	for _, k := range []string{"CNB_PLATFORM_API", "CNB_LAYERS_DIR", "CNB_APP_DIR", "CNB_PROCESS_TYPE"} {
		if v, ok := call.env[k]; ok {
			t.Errorf("launch(web) env has %s=%s", k, v)
		}
	}
	if call.env["CNB_EXEC_ENV"] != "test" || strings.Contains(call.env["PATH"], "/cnb/process") {
		t.Errorf("launch(web) env CNB_EXEC_ENV=%q PATH=%q, want test and no /cnb/process", call.env["CNB_EXEC_ENV"], call.env["PATH"])
	}
	// LCH-3: two warnings.
	if n := strings.Count(stderr, "Warning: "); n != 2 || !strings.Contains(stderr, "CNB_PROCESS_TYPE") {
		t.Errorf("launch(CNB_PROCESS_TYPE=x) stderr = %q, want two warnings naming CNB_PROCESS_TYPE", stderr)
	}
}

// TestLCH7_ShellExec checks what the shell strategy executes and runs it:
// bash -c with the launcher's argv[0] as $0, started in <app>; with args
// the command and every arg (the user's appended) are expanded tokens,
// without args the command is a script.
func TestLCH7_ShellExec(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	f := newRunFixture(t, runMetadata)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"/cnb/process/sh", "u $X", "a  b"}, "hi u x a  b\n"},
		{[]string{"/cnb/lifecycle/launcher", "printf", "<%s>", "$X", "'$X'"}, "<x><'x'>"},
		{[]string{"/cnb/lifecycle/launcher", "echo $X $0"}, "x /cnb/lifecycle/launcher\n"},
	}
	for _, tc := range tests {
		code, stderr, call := f.launch(t, tc.args, "X=x")
		if code != 0 || call == nil {
			t.Fatalf("launch(%q) = %d, %s, want an exec", tc.args, code, stderr)
		}
		if filepath.Base(call.path) != "bash" || len(call.argv) != 4 || call.argv[0] != "bash" || call.argv[1] != "-c" ||
			call.argv[3] != tc.args[0] || call.dir != f.app {
			t.Fatalf("launch(%q) executed %s %q in %s, want bash -c <script> %s in %s", tc.args, call.path, call.argv, call.dir, tc.args[0], f.app)
		}
		cmd := exec.Command(call.path, call.argv[1:]...)
		cmd.Dir, cmd.Env = call.dir, call.env.List()
		out, err := cmd.Output()
		if err != nil || string(out) != tc.want {
			t.Errorf("running launch(%q) = %q, %v, want %q", tc.args, out, err, tc.want)
		}
	}
}

// TestRunPrintsOneError: Run prints one ERROR line and returns the code.
func TestRunPrintsOneError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	code := Run(context.Background(), []string{"launcher"}, []string{"CNB_PLATFORM_API=0.12", "CNB_LAYERS_DIR=" + dir}, &stdout, &stderr)
	want := MetadataPath(dir)
	if code != 82 || strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), "ERROR: ") ||
		!strings.Contains(stderr.String(), want) {
		t.Errorf("Run(no metadata) = %d, %q, want 82 and one ERROR line naming %s", code, stderr.String(), want)
	}
}
