package acceptance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// tektonFixture is a Tekton TaskRun pod replayed with plain docker
// (PLATFORMS.md §3): the builder pack made with our lifecycle, host
// directories for the volumes (prepared as the task's root step leaves
// them: owned by 1000:1000), the registry behind a Basic-auth proxy with
// credentials in /tekton/home/.docker/config.json.
type tektonFixture struct {
	*packFixture
	vols           map[string]string
	runRef, appRef string
	direct         string // the app image, straight at the registry
}

var tektonMounts = map[string]string{"layers": "/layers", "source": "/workspace/source", "platform": "/platform",
	"home": "/tekton/home", "cache": "/cache"}

func newTektonFixture(t *testing.T) *tektonFixture {
	t.Helper()
	f := &tektonFixture{packFixture: newPackFixture(t), vols: map[string]string{}}
	reg := sharedRegistry(t)
	testutil.Push(t, testutil.BusyboxImage(t), reg.Ref(registryRepo(t, "run")+":latest"))
	proxy := anaAuthProxy(t, reg.Host())
	f.runRef = proxy + "/" + registryRepo(t, "run") + ":latest"
	f.appRef = proxy + "/" + registryRepo(t, "app") + ":1"
	f.direct = reg.Ref(registryRepo(t, "app") + ":1")
	expose(t, f.docker, reg.Host(), proxy)
	for v := range tektonMounts {
		f.vols[v] = filepath.Join(f.dir, "tk-"+v)
		if err := os.MkdirAll(f.vols[v], 0o775); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("cp", "-r", filepath.Join(modRoot, "samples", "app")+"/.", f.vols["source"]).CombinedOutput(); err != nil {
		t.Fatalf("copying the app: %v\n%s", err, out)
	}
	anaWriteFile(t, filepath.Join(f.vols["platform"], "env", "FOO"), "bar", 0o644)
	auth := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, proxy, anaBasic(anaUserName, anaPassword))
	anaWriteFile(t, filepath.Join(f.vols["home"], ".docker", "config.json"), auth, 0o600)
	if out, err := exec.Command("chown", "-R", "1000:1000", f.dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v\n%s", err, out)
	}
	return f
}

// step runs one step container of the builder image; user "" keeps the
// image's USER, as Tekton's phase steps do.
func (f *tektonFixture) step(flow, name, user, entrypoint string, env []string, args ...string) string {
	f.t.Helper()
	dargs := []string{"run", "--rm", "--network", "host", "--entrypoint", entrypoint}
	if user != "" {
		dargs = append(dargs, "-u", user)
	}
	for v, m := range tektonMounts {
		dargs = append(dargs, "-v", f.vols[v]+":"+m)
	}
	for _, e := range append([]string{"HOME=/tekton/home"}, env...) {
		dargs = append(dargs, "-e", e)
	}
	dargs = append(append(dargs, f.builder), args...)
	out, err := f.docker.Command(dargs...).CombinedOutput()
	if err != nil {
		f.t.Fatalf("tekton flow %s, step %s: %v\n%s", flow, name, err, out)
	}
	return string(out)
}

// checkReport: the task's results step reads the digest from the one line
// of /layers/report.toml that mentions it; the registry must agree.
func (f *tektonFixture) checkReport(flow string) {
	f.t.Helper()
	data, err := os.ReadFile(filepath.Join(f.vols["layers"], "report.toml"))
	if err != nil {
		f.t.Fatalf("tekton flow %s: %v", flow, err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, "digest") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		f.t.Fatalf("tekton flow %s: %d lines of report.toml mention digest, the task wants one:\n%s", flow, len(lines), data)
	}
	parts := strings.Split(lines[0], `"`)
	if len(parts) < 3 || parts[1] != testutil.Digest(f.t, f.direct).String() {
		f.t.Errorf("tekton flow %s: report digest line %q, registry has %s", flow, lines[0], testutil.Digest(f.t, f.direct))
	}
}

// TestTekton_BuildpacksTask replays task/buildpacks 0.6: the creator as
// uid 1000, Platform API 0.9, empty values for unbound workspaces and
// params, DOCKER_CONFIG empty, -app with a trailing slash (PLATFORMS.md §3.1).
func TestTekton_BuildpacksTask(t *testing.T) {
	t.Parallel()
	f := newTektonFixture(t)
	f.step("buildpacks 0.6", "create", "1000:1000", "/cnb/lifecycle/creator",
		[]string{"CNB_PLATFORM_API=0.9", "DOCKER_CONFIG="},
		"-app=/workspace/source/", "-cache-dir=/cache", "-cache-image=", "-uid=1000", "-gid=1000", "-layers=/layers",
		"-platform=/platform", "-report=/layers/report.toml", "-process-type=web", "-skip-restore=false",
		"-previous-image="+f.appRef, "-run-image="+f.runRef, f.appRef)
	f.checkReport("buildpacks 0.6")
	wantContains(t, "tekton image", f.pullAndRun("buildpacks 0.6", f.direct), "Hello from an app built by a from-scratch")
}

// TestTekton_BuildpacksPhasesTask replays task/buildpacks-phases 0.3: each
// phase a step of the builder image as its own USER, Platform API 0.13,
// empty flag values, the restorer through /bin/sh with an empty -layers=
// and -build-image, CNB_EXPERIMENTAL_MODE=silent (PLATFORMS.md §3.2).
func TestTekton_BuildpacksPhasesTask(t *testing.T) {
	t.Parallel()
	f := newTektonFixture(t)
	env := []string{"CNB_PLATFORM_API=0.13", "CNB_EXPERIMENTAL_MODE=silent"}
	flow := "buildpacks-phases 0.3"
	f.step(flow, "analyze", "", "/cnb/lifecycle/analyzer", env, "-log-level=info", "-layers=/layers", "-run-image="+f.runRef,
		"-cache-image=", "-uid=1000", "-gid=1000", "-insecure-registry=", "-tag=", "-skip-layers=false", f.appRef)
	f.step(flow, "detect", "", "/cnb/lifecycle/detector", env, "-log-level=info", "-app=/workspace/source/", "-group=/layers/group.toml",
		"-plan=/layers/plan.toml", "-layers=/layers", "-platform=/platform")
	f.step(flow, "restore", "", "/bin/sh", append(env, "CNB_LOG_LEVEL=", "CNB_BUILD_IMAGE=", "CNB_CACHE_IMAGE=", "CNB_INSECURE_REGISTRIES=", "CNB_SKIP_LAYERS="),
		"-c", "/cnb/lifecycle/restorer -log-level=info -build-image="+f.builder+" -group=/layers/group.toml -layers= -cache-dir=/cache -cache-image= -uid=1000 -gid=1000 -insecure-registry= -skip-layers=false")
	f.step(flow, "build", "", "/cnb/lifecycle/builder", env, "-log-level=info", "-app=/workspace/source/", "-layers=/layers",
		"-group=/layers/group.toml", "-plan=/layers/plan.toml", "-platform=/platform")
	f.step(flow, "export", "", "/cnb/lifecycle/exporter", env, "-log-level=info", "-app=/workspace/source/", "-layers=/layers",
		"-group=/layers/group.toml", "-cache-dir=/cache", "-cache-image=", "-report=/layers/report.toml", "-process-type=web",
		"-uid=1000", "-gid=1000", "-insecure-registry=", f.appRef)
	f.checkReport(flow)
	wantContains(t, "tekton image", f.pullAndRun(flow, f.direct), "Hello from an app built by a from-scratch")
}
