// Package acceptance runs the lifecycle's binaries as a platform would and
// checks their exit codes, output and files (STYLE.md §6 "Acceptance").
// Test names carry CONFORMANCE ids.
package acceptance

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	lcapi "github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// The unprivileged build user the binaries run as when the tests run as root
// (the detector refuses root, CONFORMANCE DET-3). No passwd entry is needed.
const (
	buildUID = 1000
	buildGID = 1000
)

// Platform APIs exercised by the suite.
var platformAPIs = []string{"0.7", "0.9", "0.12", "0.14", "0.15"}

// phaseBinaries are the binaries that take flags; allBinaries adds the launcher.
var (
	phaseBinaries = []string{"detector", "analyzer", "restorer", "builder", "exporter", "rebaser", "creator"}
	allBinaries   = append(append([]string{}, phaseBinaries...), "launcher")
)

// binDir holds the binaries built once by TestMain from the module at
// modRoot.
var binDir, modRoot string

// sourcesSeen makes statSources run once, from inside a test: go test only
// records the files tests look at once m.Run has started.
var sourcesSeen sync.Once

// asRoot reports whether the tests run as root, in which case every binary
// runs as buildUID:buildGID and the workspaces are handed over to that user.
var asRoot = os.Geteuid() == 0

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "acceptance: finding the module root:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "cnb-acceptance-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "acceptance:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "acceptance:", err)
		return 1
	}
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/...")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "acceptance: go build ./cmd/...: %v\n%s", err, out)
		return 1
	}
	for _, b := range allBinaries {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			fmt.Fprintf(os.Stderr, "acceptance: binary %s was not built: %v\n", b, err)
			return 1
		}
	}
	binDir, modRoot = dir, root
	// The suite must leave the machine's network as it found it (issue
	// 13, item 6): its interfaces, and the networks of the machine's own
	// Docker daemon if one runs.
	before, err := testutil.HostNetwork()
	if err != nil {
		fmt.Fprintln(os.Stderr, "acceptance: reading the host's network:", err)
		return 1
	}
	code := m.Run()
	stopSharedRegistry()
	stopSharedDocker()
	after, err := testutil.HostNetwork()
	if err != nil {
		fmt.Fprintln(os.Stderr, "acceptance: reading the host's network:", err)
		return 1
	}
	if after != before {
		fmt.Fprintf(os.Stderr, "acceptance: the tests changed the host's network\nbefore:\n%safter:\n%s", before, after)
		return 1
	}
	return code
}

// moduleRoot is the directory of the module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod), nil
	}
	return filepath.Abs("..")
}

// statSources looks at every source file the binaries are built from, so
// that `go test` does not serve a cached result after the lifecycle changed
// (the test binary itself imports none of it).
func statSources(root string) {
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || n == "acceptance" || n == "out" || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum" {
			_, _ = os.Stat(p)
		}
		return nil
	})
}

// result is what one run of a binary produced.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) output() string { return r.stdout + r.stderr }

// wantCode fails the test unless r exited with want.
func wantCode(t *testing.T, what string, r result, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("%s exit = %d, want %d\n--- stdout:\n%s--- stderr:\n%s", what, r.code, want, r.stdout, r.stderr)
	}
}

// wantContains fails the test unless s contains sub.
func wantContains(t *testing.T, what, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%s does not contain %q; got:\n%s", what, sub, s)
	}
}

// workspace is one test's directory tree, accessible to the build user.
type workspace struct {
	t                                            *testing.T
	Root, App, Buildpacks, Layers, Platform, Out string
	Tmp, Order                                   string
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	sourcesSeen.Do(func() { statSources(modRoot) })
	root := t.TempDir()
	if asRoot {
		// t.TempDir's parent is private to root.
		if err := os.Chmod(filepath.Dir(root), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w := &workspace{
		t:          t,
		Root:       root,
		App:        filepath.Join(root, "app"),
		Buildpacks: filepath.Join(root, "buildpacks"),
		Layers:     filepath.Join(root, "layers"),
		Platform:   filepath.Join(root, "platform"),
		Out:        filepath.Join(root, "out"),
		Tmp:        filepath.Join(root, "tmp"),
		Order:      filepath.Join(root, "order.toml"),
	}
	for _, d := range []string{w.App, w.Buildpacks, w.Layers, w.Platform, w.Out, w.Tmp} {
		w.mkdir(d)
	}
	return w
}

func (w *workspace) mkdir(d string) {
	w.t.Helper()
	if err := os.MkdirAll(d, 0o755); err != nil {
		w.t.Fatal(err)
	}
}

// write writes a file, making its parent directories.
func (w *workspace) write(path, content string) {
	w.t.Helper()
	w.mkdir(filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// handOver gives the workspace to the build user.
func (w *workspace) handOver() {
	w.t.Helper()
	if !asRoot {
		return
	}
	err := filepath.WalkDir(w.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, buildUID, buildGID)
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// runOpts describe one run of a binary.
type runOpts struct {
	args []string
	// env is added to PATH, HOME, TMPDIR and LIFECYCLE_REGISTRY_BACKOFF
	// (later entries win).
	env []string
	// dir is the working directory, default the workspace root.
	dir string
	// privileged runs the binary as the test's own user even when it is root.
	privileged bool
}

// run runs binary bin with an environment built from scratch.
func (w *workspace) run(bin string, o runOpts) result {
	w.t.Helper()
	cmd, stdout, stderr := w.command(bin, o)
	return w.outcome(bin, cmd.Run(), stdout, stderr)
}

// command prepares a run of bin: the workspace handed over, an environment
// built from scratch, the build user's credentials, output captured.
func (w *workspace) command(bin string, o runOpts) (cmd *exec.Cmd, stdout, stderr *bytes.Buffer) {
	w.t.Helper()
	w.handOver()
	cmd = exec.Command(filepath.Join(binDir, bin), o.args...)
	cmd.Dir = w.Root
	if o.dir != "" {
		cmd.Dir = o.dir
	}
	// Retries wait milliseconds, not seconds, so that tests of unreachable
	// registries stay fast (image.EnvBackoff).
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + w.Tmp, "LIFECYCLE_REGISTRY_BACKOFF=20ms"}, o.env...)
	if asRoot && !o.privileged {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: buildUID, Gid: buildGID}}
	}
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd, stdout, stderr
}

// outcome is the result of a finished run; anything but an exit status
// fails the test.
func (w *workspace) outcome(bin string, err error, stdout, stderr *bytes.Buffer) result {
	w.t.Helper()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	switch e := err.(type) {
	case nil:
	case *exec.ExitError:
		r.code = e.ExitCode()
	default:
		w.t.Fatalf("running %s: %v", bin, err)
	}
	return r
}

// stdFlags are the detector's directory flags pointing into the workspace.
func (w *workspace) stdFlags() []string {
	return []string{"-app", w.App, "-buildpacks", w.Buildpacks, "-layers", w.Layers, "-order", w.Order, "-platform", w.Platform}
}

// detect runs the detector at Platform API api with the workspace flags,
// then args, and env.
func (w *workspace) detect(api string, env []string, args ...string) result {
	w.t.Helper()
	return w.run("detector", runOpts{
		args: append(w.stdFlags(), args...),
		env:  append([]string{"CNB_PLATFORM_API=" + api}, env...),
	})
}

// shellQuote quotes s for bash.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// escapeID is the directory name of a buildpack id.
func escapeID(id string) string { return strings.ReplaceAll(id, "/", "_") }

// ref is an element of an order group.
type ref struct {
	id, version string
	optional    bool
	execEnv     []string
}

// r is a required reference to version 1.0.0 of id; opt an optional one.
func r(id string) ref   { return ref{id: id, version: "1.0.0"} }
func opt(id string) ref { return ref{id: id, version: "1.0.0", optional: true} }

func renderGroups(table string, groups [][]ref) string {
	var b strings.Builder
	for _, g := range groups {
		fmt.Fprintf(&b, "[[%s]]\n", table)
		for _, e := range g {
			fmt.Fprintf(&b, "  [[%s.group]]\n  id = %q\n  version = %q\n", table, e.id, e.version)
			if e.optional {
				b.WriteString("  optional = true\n")
			}
			if e.execEnv != nil {
				fmt.Fprintf(&b, "  exec-env = [%s]\n", quoteList(e.execEnv))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// setOrder writes the workspace order.toml.
func (w *workspace) setOrder(groups ...[]ref) { w.write(w.Order, renderGroups("order", groups)) }

// bp describes a buildpack on disk.
type bp struct {
	id, version, api string
	// info is extra TOML inside [buildpack] (homepage, clear-env, exec-env).
	info string
	// tail is TOML after the [buildpack] table ([[targets]], [[stacks]]...).
	tail string
	// plan is TOML the detect script writes to its build plan.
	plan string
	// detect is bash run after the plan is written; "" passes.
	detect string
	// order makes a composite buildpack (no bin/).
	order [][]ref
	// build adds an executable bin/build.
	build bool
}

// dir is the buildpack's directory.
func (w *workspace) dir(id, version string) string {
	return filepath.Join(w.Buildpacks, escapeID(id), version)
}

// record is the path prefix of the files a detect script records into.
func (w *workspace) record(id, version string) string {
	return filepath.Join(w.Out, escapeID(id)+"@"+version)
}

// add writes buildpack b. Its bin/detect records each run, its environment,
// working directory and arguments under w.Out, then writes b.plan to its
// plan and runs b.detect.
func (w *workspace) add(b bp) {
	w.t.Helper()
	if b.version == "" {
		b.version = "1.0.0"
	}
	if b.api == "" {
		b.api = "0.10"
	}
	dir := w.dir(b.id, b.version)
	desc := fmt.Sprintf("api = %q\n\n[buildpack]\n  id = %q\n  version = %q\n  name = %q\n", b.api, b.id, b.version, "Test "+b.id)
	if b.info != "" {
		desc += b.info + "\n"
	}
	desc += "\n" + b.tail + "\n"
	if b.order != nil {
		desc += renderGroups("order", b.order)
	}
	w.write(filepath.Join(dir, "buildpack.toml"), desc)
	if b.order != nil {
		return
	}
	var s strings.Builder
	s.WriteString("#!/usr/bin/env bash\nset -u\n")
	fmt.Fprintf(&s, "rec=%s\n", shellQuote(w.record(b.id, b.version)))
	s.WriteString(`echo ran >> "$rec.ran"
env -0 > "$rec.env"
pwd > "$rec.cwd"
printf '%s\n' "$@" > "$rec.args"
`)
	if b.plan != "" {
		fmt.Fprintf(&s, "cat > \"$2\" <<'CNB_PLAN_EOF'\n%s\nCNB_PLAN_EOF\n", b.plan)
	}
	if b.detect != "" {
		s.WriteString(b.detect + "\n")
	}
	s.WriteString("exit 0\n")
	w.writeExec(filepath.Join(dir, "bin", "detect"), s.String())
	if b.build {
		w.writeExec(filepath.Join(dir, "bin", "build"), "#!/usr/bin/env bash\nexit 0\n")
	}
}

func (w *workspace) writeExec(path, content string) {
	w.t.Helper()
	w.write(path, content)
	if err := os.Chmod(path, 0o755); err != nil {
		w.t.Fatal(err)
	}
}

// Common detect bodies.
const (
	failDetect  = "exit 100"
	errorDetect = "exit 1"
)

// ran counts the runs of a buildpack's /bin/detect.
func (w *workspace) ran(id, version string) int {
	data, err := os.ReadFile(w.record(id, version) + ".ran")
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.Count(string(data), "ran\n")
}

// wantRan fails the test unless id@1.0.0's detect ran n times.
func (w *workspace) wantRan(id string, n int) {
	w.t.Helper()
	if got := w.ran(id, "1.0.0"); got != n {
		w.t.Errorf("/bin/detect of %s@1.0.0 ran %d times, want %d", id, got, n)
	}
}

// detectEnv is the environment a buildpack's /bin/detect saw.
func (w *workspace) detectEnv(id, version string) map[string]string {
	w.t.Helper()
	data, err := os.ReadFile(w.record(id, version) + ".env")
	if err != nil {
		w.t.Fatalf("reading the environment of %s@%s's /bin/detect: %v", id, version, err)
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(data), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// detectCwd and detectArgs are what /bin/detect saw as working directory
// and arguments.
func (w *workspace) detectCwd(id, version string) string {
	return strings.TrimSuffix(w.readFile(w.record(id, version)+".cwd"), "\n")
}

func (w *workspace) detectArgs(id, version string) []string {
	return strings.Split(strings.TrimSuffix(w.readFile(w.record(id, version)+".args"), "\n"), "\n")
}

func (w *workspace) readFile(path string) string {
	w.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(data)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// forEachAPI runs fn as a parallel subtest "P<api>" for each API version.
func forEachAPI(t *testing.T, apis []string, fn func(t *testing.T, api string)) {
	t.Helper()
	for _, v := range apis {
		t.Run("P"+v, func(t *testing.T) {
			t.Parallel()
			fn(t, v)
		})
	}
}

// apiAtLeast says whether API version v ("0.12") is min or later.
func apiAtLeast(v, min string) bool { return lcapi.MustParse(v).AtLeast(lcapi.MustParse(min)) }
