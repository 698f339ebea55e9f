package acceptance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

var (
	sharedDockerOnce sync.Once
	sharedDockerd    *testutil.Docker
	sharedDockerErr  error
)

// sharedDocker is the Docker daemon of the package: the machine's if one
// answers, else one started for the tests and stopped by TestMain.
func sharedDocker(t *testing.T) *testutil.Docker {
	t.Helper()
	sharedDockerOnce.Do(func() { sharedDockerd, sharedDockerErr = testutil.StartDocker() })
	if sharedDockerErr != nil {
		t.Fatalf("starting dockerd: %v", sharedDockerErr)
	}
	return sharedDockerd
}

// expose makes test servers of the host's loopback (registries, proxies)
// reachable at their addresses from daemon d, for its pulls, and from its
// containers on the "host" network: a private daemon has a network
// namespace of its own (testutil.Docker.Expose).
func expose(t *testing.T, d *testutil.Docker, addrs ...string) {
	t.Helper()
	for _, a := range addrs {
		if err := d.Expose(a); err != nil {
			t.Fatal(err)
		}
	}
}

func stopSharedDocker() {
	if sharedDockerd == nil {
		return
	}
	if err := sharedDockerd.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "acceptance: stopping dockerd:", err)
	}
}

// daemonWorkspace builds an app whose buildpack makes a launch+cache layer
// with a script and two processes, against a run image loaded into the
// daemon. The image names are private to the test.
type daemonWorkspace struct {
	*workspace
	docker          *testutil.Docker
	runName, appRef string
	launchCache     string
}

func newDaemonWorkspace(t *testing.T, runOpts ...testutil.ImageOption) *daemonWorkspace {
	t.Helper()
	return newDaemonWorkspaceOn(t, sharedDocker(t), runOpts...)
}

// newDaemonWorkspaceOn is newDaemonWorkspace on daemon d.
func newDaemonWorkspaceOn(t *testing.T, d *testutil.Docker, runOpts ...testutil.ImageOption) *daemonWorkspace {
	t.Helper()
	w := &daemonWorkspace{workspace: newWorkspace(t), docker: d}
	slug := strings.ReplaceAll(registryRepo(t, ""), "/", "-")
	w.runName = "cnb-acceptance/" + strings.Trim(slug, "-") + "-run:latest"
	w.appRef = "cnb-acceptance/" + strings.Trim(slug, "-") + "-app:latest"
	testutil.LoadImage(t, d, testutil.BusyboxImage(t, runOpts...), w.runName)
	t.Cleanup(func() {
		for _, ref := range []string{w.appRef, w.appRef + "-2", w.runName} {
			_ = d.Command("rmi", "-f", ref).Run()
		}
	})
	w.launchCache = filepath.Join(w.Root, "launch-cache")
	w.mkdir(w.launchCache)
	w.mkdir(filepath.Join(w.Root, "cache"))
	w.write(filepath.Join(w.App, "index.txt"), "hello from the app\n")
	w.addBuild(bbp{id: "example/serve", api: "0.10", script: `
layer runtime launch cache
put runtime/bin/serve '#!/bin/sh
echo "serving $* from $(cat index.txt)"'
chmod +x "$L/runtime/bin/serve"
put runtime/stamp "${STAMP:-1}"
cat > "$L/launch.toml" <<'T'
[[processes]]
type = "web"
command = ["serve"]
args = ["default-args"]
default = true

[[processes]]
type = "other"
command = ["serve"]
args = ["as-other"]
T
`})
	w.setOrder([]ref{r("example/serve")})
	return w
}

// daemonEnv runs a phase as root with the build user named, as pack does:
// the phase opens the daemon's socket before it drops to the build user
// (CONFORMANCE TGT-4).
func (w *daemonWorkspace) daemonEnv(extra ...string) []string {
	return append([]string{"CNB_PLATFORM_API=0.12", "DOCKER_HOST=" + w.docker.Host(),
		fmt.Sprintf("CNB_USER_ID=%d", buildUID), fmt.Sprintf("CNB_GROUP_ID=%d", buildGID)}, extra...)
}

// buildAndExport runs the five phases with -daemon; the analyzer, restorer
// and exporter run privileged.
func (w *daemonWorkspace) buildAndExport(t *testing.T, stamp string, exportArgs ...string) result {
	t.Helper()
	cache := filepath.Join(w.Root, "cache")
	res := w.run("analyzer", runOpts{privileged: true, env: w.daemonEnv(),
		args: []string{"-daemon", "-layers", w.Layers, "-launch-cache", w.launchCache, "-run-image", w.runName, w.appRef}})
	wantCode(t, "analyzer", res, 0)
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	wantCode(t, "restorer", w.run("restorer", runOpts{privileged: true, env: w.daemonEnv(),
		args: []string{"-daemon", "-layers", w.Layers, "-cache-dir", cache}}), 0)
	w.write(filepath.Join(w.Platform, "env", "STAMP"), stamp)
	wantCode(t, "builder", w.build("0.12", nil), 0)
	args := append([]string{"-daemon", "-layers", w.Layers, "-app", w.App, "-cache-dir", cache, "-launch-cache", w.launchCache,
		"-launcher", filepath.Join(binDir, "launcher")}, exportArgs...)
	return w.run("exporter", runOpts{privileged: true, env: w.daemonEnv(), args: append(args, w.appRef)})
}

// rebaseOntoNewRun loads a new run image (/etc/run-version 2) under the
// run image's name and rebases the app image onto it with -daemon; it
// returns the rebaser's report path and the new image ID.
func (w *daemonWorkspace) rebaseOntoNewRun(t *testing.T) (report, after string) {
	t.Helper()
	before := w.imageID(t, w.appRef)
	testutil.LoadImage(t, w.docker, testutil.BusyboxImage(t, testutil.WithFiles(map[string]string{"etc/run-version": "2\n"})), w.runName)
	report = filepath.Join(w.Out, "rebase.toml")
	res := w.run("rebaser", runOpts{privileged: true, env: w.daemonEnv(), args: []string{"-daemon", "-report", report, w.appRef}})
	wantCode(t, "rebaser", res, 0)
	if after = w.imageID(t, w.appRef); after == before {
		t.Fatal("the rebase did not change the image")
	}
	return report, after
}

// create runs the creator with -daemon, privileged.
func (w *daemonWorkspace) create() result {
	return w.run("creator", runOpts{privileged: true, env: w.daemonEnv(), args: []string{"-daemon",
		"-app", w.App, "-layers", w.Layers, "-buildpacks", w.Buildpacks, "-order", w.Order, "-platform", w.Platform,
		"-launcher", filepath.Join(binDir, "launcher"), "-run-image", w.runName, w.appRef}})
}

func (w *daemonWorkspace) imageID(t *testing.T, ref string) string {
	t.Helper()
	id, err := w.docker.ImageID(ref)
	if err != nil {
		t.Fatalf("inspecting %s: %v", ref, err)
	}
	return id
}

// dockerRun runs the image with docker run and returns its output.
func (w *daemonWorkspace) dockerRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := w.docker.Command(append([]string{"run", "--rm", "--network", "none"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker run %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (w *daemonWorkspace) reportImageID(t *testing.T) string {
	t.Helper()
	var r struct {
		Image struct {
			Tags    []string `toml:"tags"`
			ImageID string   `toml:"image-id"`
		} `toml:"image"`
	}
	if _, err := toml.DecodeFile(filepath.Join(w.Layers, "report.toml"), &r); err != nil {
		t.Fatalf("reading report.toml: %v", err)
	}
	return r.Image.ImageID
}

// TestTGT3_DaemonExport exports into the docker daemon and runs the image:
// the launcher is the entrypoint, the default process takes the user's
// arguments, another process runs by its /cnb/process link; the report
// has the image ID; a rebuild reuses every layer and gives the same image
// ID; a changed layer below reused ones takes them from the launch cache
// (CONFORMANCE TGT-3, TGT-4, TGT-9, ANA-6, EXP-8, EXP-13, EXP-15, CCH-5).
func TestTGT3_DaemonExport(t *testing.T) {
	t.Parallel()
	w := newDaemonWorkspace(t)
	res := w.buildAndExport(t, "1")
	wantCode(t, "exporter", res, 0)
	id := w.imageID(t, w.appRef)
	if got := w.reportImageID(t); got != id {
		t.Errorf("report.toml image-id = %q, the daemon has %s (EXP-15)", got, id)
	}
	var analyzed map[string]any
	if _, err := toml.DecodeFile(filepath.Join(w.Layers, "analyzed.toml"), &analyzed); err != nil {
		t.Fatal(err)
	}
	ri, _ := analyzed["run-image"].(map[string]any)
	if ref, _ := ri["reference"].(string); ref != w.imageID(t, w.runName) {
		t.Errorf("analyzed run-image.reference = %q, want the run image's ID (ANA-6)", ref)
	}

	wantContains(t, "default process", w.dockerRun(t, w.appRef), "serving default-args from hello from the app")
	wantContains(t, "default process with args", w.dockerRun(t, w.appRef, "user", "args"), "serving user args from")
	wantContains(t, "other process", w.dockerRun(t, "--entrypoint", "/cnb/process/other", w.appRef), "serving as-other from")

	// Nothing changed: every layer reused, the same image.
	res = w.buildAndExport(t, "1")
	wantCode(t, "second exporter", res, 0)
	for _, l := range []string{"Reusing layer 'example/serve:runtime'", "Reusing layer 'app'", "Reusing layer 'launcher'"} {
		wantContains(t, "second exporter stdout", res.stdout, l)
	}
	if again := w.imageID(t, w.appRef); again != id {
		t.Errorf("second image ID %s, want %s (RPR-4)", again, id)
	}

	// The buildpack layer changes: the layers above it get new chains and
	// come from the launch cache, not out of the daemon.
	res = w.buildAndExport(t, "2", "-log-level", "debug")
	wantCode(t, "third exporter", res, 0)
	wantContains(t, "third exporter stdout", res.stdout, "Adding layer 'example/serve:runtime'")
	wantContains(t, "third exporter stdout", res.stdout, "Layer 'app' is in the launch cache")
	third := w.imageID(t, w.appRef)
	if third == id {
		t.Error("a changed layer gave the same image")
	}
	wantContains(t, "rebuilt image", w.dockerRun(t, w.appRef), "serving default-args from hello from the app")
}

// TestTGT3_DaemonExportTags: every <image> names the one image; a failing
// export leaves the previous image under its tag (CONFORMANCE EXP-14).
func TestTGT3_DaemonExportTags(t *testing.T) {
	t.Parallel()
	w := newDaemonWorkspace(t)
	wantCode(t, "exporter", w.buildAndExport(t, "1", w.appRef+"-2"), 0)
	if a, b := w.imageID(t, w.appRef), w.imageID(t, w.appRef+"-2"); a != b {
		t.Errorf("tags name %s and %s, want one image", a, b)
	}
	before := w.imageID(t, w.appRef)
	// The analyzed run image is gone from the daemon: the export fails
	// and the tag keeps its image.
	analyzed := filepath.Join(w.Layers, "analyzed.toml")
	data, err := os.ReadFile(analyzed)
	if err != nil {
		t.Fatal(err)
	}
	bogus := "sha256:" + strings.Repeat("0", 64)
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["run-image"].(map[string]any)["reference"] = bogus
	f, err := os.Create(analyzed)
	if err != nil {
		t.Fatal(err)
	}
	if err := toml.NewEncoder(f).Encode(doc); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res := w.run("exporter", runOpts{privileged: true, env: w.daemonEnv(), args: []string{"-daemon", "-layers", w.Layers, "-app", w.App,
		"-launcher", filepath.Join(binDir, "launcher"), w.appRef}})
	wantCode(t, "exporter with a missing run image", res, 62)
	if after := w.imageID(t, w.appRef); after != before {
		t.Errorf("failed export moved the tag from %s to %s", before, after)
	}
}

// TestREB_DaemonRebase rebases an app image in the daemon onto a new run
// image loaded under the same name, and runs it (CONFORMANCE REB-4, REB-8,
// TGT-3).
func TestREB_DaemonRebase(t *testing.T) {
	t.Parallel()
	w := newDaemonWorkspace(t)
	wantCode(t, "exporter", w.buildAndExport(t, "1"), 0)
	report, after := w.rebaseOntoNewRun(t)
	runID := w.imageID(t, w.runName)
	var r struct {
		Image struct {
			ImageID string `toml:"image-id"`
		} `toml:"image"`
	}
	if _, err := toml.DecodeFile(report, &r); err != nil || r.Image.ImageID != after {
		t.Errorf("rebase report image-id = %q (%v), want %s (REB-8)", r.Image.ImageID, err, after)
	}
	out, err := w.docker.Command("inspect", "--format", `{{index .Config.Labels "io.buildpacks.lifecycle.metadata"}}`, w.appRef).Output()
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, "lifecycle label", string(out), `"reference":"`+runID+`"`)
	wantContains(t, "rebased image", w.dockerRun(t, "--entrypoint", "/bin/cat", w.appRef, "/etc/run-version"), "2")
	wantContains(t, "rebased image", w.dockerRun(t, w.appRef), "serving default-args from hello from the app")
}

// TestCRE1_CreatorDaemon: the creator with -daemon builds and exports in
// one process; the image runs (CONFORMANCE CRE-1, TGT-3, TGT-4).
func TestCRE1_CreatorDaemon(t *testing.T) {
	t.Parallel()
	w := newDaemonWorkspace(t)
	wantCode(t, "creator", w.create(), 0)
	wantContains(t, "creator image", w.dockerRun(t, w.appRef), "serving default-args")
}

// TestLCH_DaemonShellProcess: a Buildpack API 0.8 shell process in an
// image whose run image has bash (bash-static): the launcher sources the
// layer's profile.d script and the app's .profile, then runs the command
// through bash (CONFORMANCE LCH-5, LCH-6, TGT-3).
func TestLCH_DaemonShellProcess(t *testing.T) {
	t.Parallel()
	w := newDaemonWorkspace(t, testutil.WithBash())
	w.write(filepath.Join(w.App, ".profile"), "export FROM_APP=app-profile\n")
	w.addBuild(bbp{id: "example/shell", api: "0.8", script: `
layer tools launch
put tools/profile.d/greet.sh 'export GREETING=layer-profile'
cat > "$L/launch.toml" <<'T'
[[processes]]
type = "web"
command = "echo shell says $GREETING and $FROM_APP; echo bash $BASH_VERSION"
default = true
T
`})
	w.setOrder([]ref{r("example/shell")})
	wantCode(t, "exporter", w.buildAndExport(t, "1"), 0)
	out := w.dockerRun(t, w.appRef)
	wantContains(t, "shell process", out, "shell says layer-profile and app-profile")
	wantContains(t, "shell process", out, "bash 5.")
}
