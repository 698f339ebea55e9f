package acceptance

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// TestKpack_Phases replays a kpack build pod with plain docker
// (PLATFORMS.md §1): the five phases as separate containers of the builder
// image pack made with our lifecycle, every one as uid 1000 with no
// capabilities and no_new_privs, no docker socket, Platform API 0.9, the
// registry reached through a Basic-auth proxy with credentials only in
// $HOME/.docker/config.json, a volume cache, -report read back; then a
// second build reusing the previous image and the cache.
func TestKpack_Phases(t *testing.T) {
	t.Parallel()
	f := newPackFixture(t)
	reg := sharedRegistry(t)
	// Run images of Platform API 0.9 platforms carry a stack id, which
	// kpack's completion step and rebaser read.
	stack := testutil.WithStackID("io.buildpacks.samples.busybox")
	testutil.Push(t, testutil.BusyboxImage(t, stack), reg.Ref(registryRepo(t, "run")+":latest"))
	proxy := anaAuthProxy(t, reg.Host())
	runRef := proxy + "/" + registryRepo(t, "run") + ":latest"
	appRef := proxy + "/" + registryRepo(t, "app") + ":1"
	expose(t, f.docker, reg.Host(), proxy)

	// emptyDir volumes with fsGroup: directories of the build user.
	vols := map[string]string{}
	for _, v := range []string{"layers", "workspace", "platform", "home", "report", "cache"} {
		vols[v] = filepath.Join(f.dir, "kp-"+v)
		if err := os.MkdirAll(vols[v], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("cp", "-r", filepath.Join(modRoot, "samples", "app")+"/.", vols["workspace"]).CombinedOutput(); err != nil {
		t.Fatalf("copying the app: %v\n%s", err, out)
	}
	anaWriteFile(t, filepath.Join(vols["platform"], "env", "FOO"), "bar", 0o644)
	anaWriteFile(t, filepath.Join(vols["layers"], "project-metadata.toml"), "[source]\ntype = \"git\"\n", 0o644)
	auth := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, proxy, anaBasic(anaUserName, anaPassword))
	anaWriteFile(t, filepath.Join(vols["home"], ".docker", "config.json"), auth, 0o600)
	if out, err := exec.Command("chown", "-R", "1000:1000", f.dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v\n%s", err, out)
	}

	mounts := map[string]string{"layers": "/layers", "workspace": "/workspace", "platform": "/platform",
		"home": "/builder/home", "report": "/var/report", "cache": "/cache"}
	phase := func(build, bin string, env []string, args ...string) string {
		t.Helper()
		dargs := []string{"run", "--rm", "--network", "host", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
			"-u", "1000:1000", "--entrypoint", "/cnb/lifecycle/" + bin}
		for v, m := range mounts {
			dargs = append(dargs, "-v", vols[v]+":"+m)
		}
		for _, e := range append([]string{"CNB_PLATFORM_API=0.9", "HOME=/builder/home", "SERVICE_BINDING_ROOT=/platform/bindings"}, env...) {
			dargs = append(dargs, "-e", e)
		}
		dargs = append(append(dargs, f.builder), args...)
		out, err := f.docker.Command(dargs...).CombinedOutput()
		if err != nil {
			t.Fatalf("kpack flow, %s build, phase %s: %v\n%s", build, bin, err, out)
		}
		return string(out)
	}
	buildOnce := func(build string, previous ...string) string {
		analyze := []string{"-layers=/layers", "-analyzed=/layers/analyzed.toml", "-run-image=" + runRef}
		for _, p := range previous {
			analyze = append(analyze, "-previous-image="+p)
		}
		phase(build, "analyzer", nil, append(analyze, appRef)...)
		phase(build, "detector", nil, "-app=/workspace", "-group=/layers/group.toml", "-plan=/layers/plan.toml")
		phase(build, "restorer", nil, "-group=/layers/group.toml", "-layers=/layers", "-cache-dir=/cache", "-analyzed=/layers/analyzed.toml")
		phase(build, "builder", nil, "-layers=/layers", "-app=/workspace", "-group=/layers/group.toml", "-plan=/layers/plan.toml")
		return phase(build, "exporter", []string{"CNB_RUN_IMAGE=" + runRef}, "-layers=/layers", "-app=/workspace",
			"-group=/layers/group.toml", "-analyzed=/layers/analyzed.toml", "-project-metadata=/layers/project-metadata.toml",
			"-cache-dir=/cache", "-report=/var/report/report.toml", appRef)
	}

	buildOnce("first")
	var report struct {
		Image struct {
			Tags   []string `toml:"tags"`
			Digest string   `toml:"digest"`
		} `toml:"image"`
	}
	if _, err := toml.DecodeFile(filepath.Join(vols["report"], "report.toml"), &report); err != nil {
		t.Fatalf("kpack reads /var/report/report.toml: %v", err)
	}
	if len(report.Image.Tags) == 0 || report.Image.Tags[0] != appRef || !strings.HasPrefix(report.Image.Digest, "sha256:") {
		t.Fatalf("report = %+v, want tags[0] %s and a digest", report.Image, appRef)
	}
	// What kpack's completion step reads back from the registry.
	direct := reg.Ref(registryRepo(t, "app") + ":1")
	if got := testutil.Digest(t, direct).String(); got != report.Image.Digest {
		t.Errorf("registry has %s, report says %s", got, report.Image.Digest)
	}
	cf, err := testutil.Pull(t, direct).ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		RunImage struct {
			Reference string `json:"reference"`
			TopLayer  string `json:"topLayer"`
		} `json:"runImage"`
		Stack struct {
			RunImage struct {
				Image string `json:"image"`
			} `json:"runImage"`
		} `json:"stack"`
	}
	if err := json.Unmarshal([]byte(cf.Config.Labels["io.buildpacks.lifecycle.metadata"]), &md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.RunImage.Reference, "@sha256:") || md.RunImage.TopLayer == "" || md.Stack.RunImage.Image == "" {
		t.Errorf("lifecycle label runImage = %+v, stack = %+v: kpack needs a digest reference, the top layer and stack.runImage.image", md.RunImage, md.Stack)
	}
	wantContains(t, "build label", cf.Config.Labels["io.buildpacks.build.metadata"], `"id":"samples/greeter"`)

	wantContains(t, "kpack image", f.pullAndRun("kpack", direct), "Hello from an app built by a from-scratch")

	// Second build: the previous image and the volume cache are reused.
	out := buildOnce("second", appRef)
	wantContains(t, "second exporter", out, "Reusing layer 'samples/banner:banner'")
	if got := testutil.Digest(t, direct).String(); got != report.Image.Digest {
		t.Errorf("second build digest %s, want %s", got, report.Image.Digest)
	}

	// kpack rebases with the reference's library; pack rebase reads our
	// labels the same way: the image moves onto a new run image.
	directRun := reg.Ref(registryRepo(t, "run") + ":latest")
	testutil.Push(t, testutil.BusyboxImage(t, stack, testutil.WithFiles(map[string]string{"etc/run-version": "2\n"})), directRun)
	f.mustPack("kpack rebase", "rebase", direct, "--publish", "--run-image", directRun, "--insecure-registry", reg.Host(), "--force") // the builder lists its daemon run image
	rebased := testutil.Pull(t, direct)
	rcf, err := rebased.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	newRun, _ := testutil.Pull(t, directRun).ConfigFile()
	if n := len(newRun.RootFS.DiffIDs); len(rcf.RootFS.DiffIDs) < n || rcf.RootFS.DiffIDs[n-1] != newRun.RootFS.DiffIDs[n-1] {
		t.Errorf("pack rebase did not put the image on the new run image: %v", rcf.RootFS.DiffIDs)
	}
	if o, err := f.docker.Command("pull", direct).CombinedOutput(); err != nil {
		t.Fatalf("docker pull the rebased image: %v\n%s", err, o)
	}
	wantContains(t, "rebased kpack image", f.run("--entrypoint", "/bin/cat", direct, "/etc/run-version"), "2")
}
