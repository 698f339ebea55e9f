package acceptance

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// appImage is an app image's /layers and /workspace laid out by hand in a
// workspace, with /cnb/process links under Root (CONFORMANCE LCH).
type appImage struct {
	*workspace
	ProcessDir string
}

func newAppImage(t *testing.T) *appImage {
	t.Helper()
	im := &appImage{workspace: newWorkspace(t)}
	im.ProcessDir = filepath.Join(im.Root, "cnb", "process")
	im.mkdir(im.ProcessDir)
	im.writeExec(filepath.Join(im.App, "show"), showScript)
	return im
}

// showScript is the usual process command: it prints its PID, working
// directory, arguments and the variables named in $SHOW, one per line, and
// exits with $EXIT_CODE.
const showScript = `#!/usr/bin/env bash
echo "pid=$$"
echo "pwd=$(pwd)"
for a in "$@"; do echo "arg=$a"; done
for v in ${SHOW:-}; do echo "$v=${!v-<unset>}"; done
exit "${EXIT_CODE:-0}"
`

// mdBuildpack and mdProc are the parts of metadata.toml the launcher reads.
type mdBuildpack struct{ id, api string }

type mdProc struct {
	typ, bp string
	command []string
	// commandString writes command[0] as a string (Platform API < 0.10).
	commandString bool
	args          []string
	direct        bool
	workingDir    string
	execEnv       []string
}

// setMetadata writes <layers>/config/metadata.toml.
func (im *appImage) setMetadata(defaultType string, bps []mdBuildpack, procs ...mdProc) {
	var b strings.Builder
	if defaultType != "" {
		fmt.Fprintf(&b, "buildpack-default-process-type = %q\n", defaultType)
	}
	for _, bp := range bps {
		fmt.Fprintf(&b, "[[buildpacks]]\n  id = %q\n  version = \"1.0.0\"\n  api = %q\n", bp.id, bp.api)
	}
	for _, p := range procs {
		fmt.Fprintf(&b, "[[processes]]\n  type = %q\n  buildpack-id = %q\n  direct = %v\n", p.typ, p.bp, p.direct)
		if p.commandString {
			fmt.Fprintf(&b, "  command = %q\n", p.command[0])
		} else {
			fmt.Fprintf(&b, "  command = [%s]\n", quoteList(p.command))
		}
		fmt.Fprintf(&b, "  args = [%s]\n", quoteList(p.args))
		if p.workingDir != "" {
			fmt.Fprintf(&b, "  working-dir = %q\n", p.workingDir)
		}
		if p.execEnv != nil {
			fmt.Fprintf(&b, "  exec-env = [%s]\n", quoteList(p.execEnv))
		}
	}
	im.write(filepath.Join(im.Layers, "config", "metadata.toml"), b.String())
}

// layerFile writes <layers>/<escaped bp>/<layer>/<rel>, executable when
// asked.
func (im *appImage) layerFile(bp, layer, rel, content string, executable bool) string {
	im.t.Helper()
	p := filepath.Join(im.Layers, escapeID(bp), layer, rel)
	if executable {
		im.writeExec(p, content)
	} else {
		im.write(p, content)
	}
	return p
}

// processLink makes <Root>/cnb/process/<typ>, a symlink to the launcher
// (CONFORMANCE PRC-2), and returns its path.
func (im *appImage) processLink(typ string) string {
	im.t.Helper()
	p := filepath.Join(im.ProcessDir, typ)
	if err := os.Symlink(filepath.Join(binDir, "launcher"), p); err != nil {
		im.t.Fatal(err)
	}
	return p
}

// launchRun is one run of the launcher: path is the launcher or a process
// link ("" for the launcher), env is added to the container env.
type launchRun struct {
	path     string
	platform string
	args     []string
	env      []string
}

// launched is what one launcher run did; pid is the launcher's PID.
type launched struct {
	result
	pid int
}

// launch runs the launcher as a container would: PATH starts with
// /cnb/process and /cnb/lifecycle, the inputs point into the workspace and
// the working directory is not the app dir. The launcher never refuses
// root, so it runs as the test's own user.
func (im *appImage) launch(o launchRun) launched {
	im.t.Helper()
	if o.path == "" {
		o.path = filepath.Join(binDir, "launcher")
	}
	if o.platform == "" {
		o.platform = "0.12"
	}
	cmd := exec.Command(o.path, o.args...)
	cmd.Dir = im.Tmp
	cmd.Env = append([]string{
		"PATH=/cnb/process:/cnb/lifecycle:" + os.Getenv("PATH"),
		"HOME=" + im.Root,
		"CNB_PLATFORM_API=" + o.platform,
		"CNB_LAYERS_DIR=" + im.Layers,
		"CNB_APP_DIR=" + im.App,
	}, o.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		im.t.Fatalf("starting %s: %v", o.path, err)
	}
	r := launched{pid: cmd.Process.Pid}
	err := cmd.Wait()
	r.stdout, r.stderr = stdout.String(), stderr.String()
	switch e := err.(type) {
	case nil:
	case *exec.ExitError:
		r.code = e.ExitCode()
	default:
		im.t.Fatalf("running %s: %v", o.path, err)
	}
	return r
}

// lines are the stdout lines of a run with the given prefix, prefix removed.
func (r launched) lines(prefix string) []string {
	var out []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, strings.TrimPrefix(l, prefix))
		}
	}
	return out
}

// value is the value of "<name>=" printed by showScript ("" if absent).
func (r launched) value(name string) string {
	if v := r.lines(name + "="); len(v) > 0 {
		return v[0]
	}
	return ""
}

// wantLaunchCode fails the test unless the run exited with want.
func wantLaunchCode(t *testing.T, what string, r launched, want int) {
	t.Helper()
	wantCode(t, what, r.result, want)
}

// wantValue fails the test unless showScript printed name=want.
func wantValue(t *testing.T, what string, r launched, name, want string) {
	t.Helper()
	if got := r.value(name); got != want {
		t.Errorf("%s: %s = %q, want %q\n--- stdout:\n%s--- stderr:\n%s", what, name, got, want, r.stdout, r.stderr)
	}
}

// wantOneError fails the test unless stderr is one "ERROR: " line
// containing sub.
func wantOneError(t *testing.T, what string, r launched, sub string) {
	t.Helper()
	errLines := 0
	for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if strings.HasPrefix(l, "ERROR: ") {
			errLines++
		}
	}
	if errLines != 1 || !strings.Contains(r.stderr, sub) {
		t.Errorf("%s stderr = %q, want one ERROR line containing %q", what, r.stderr, sub)
	}
}
