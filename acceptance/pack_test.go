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

// packVersion is the pack release tools/pack pins.
const packVersion = "0.40.6"

// packFixture is a builder made by the real pack from our lifecycle
// tarball (make dist's layout), the sample buildpacks and a busybox base
// image loaded into the test daemon, plus the names private to the test.
type packFixture struct {
	t                     *testing.T
	docker                *testutil.Docker
	dir, home             string
	base, builder, appRef string
}

func packBinary(t *testing.T) string {
	t.Helper()
	p := filepath.Join(modRoot, "out", "tools", "pack")
	if out, err := exec.Command(p, "version").Output(); err != nil || strings.TrimSpace(string(out)) != packVersion {
		t.Fatalf("pack %s is not at %s (%v): run make setup, which builds it from tools/pack", packVersion, p, err)
	}
	return p
}

// pack runs the pack CLI against the test daemon, with its own PACK_HOME.
func (f *packFixture) pack(args ...string) (string, error) {
	cmd := exec.Command(packBinary(f.t), append(args, "--no-color")...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+f.docker.Host(), "PACK_HOME="+f.home)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (f *packFixture) mustPack(flow string, args ...string) string {
	f.t.Helper()
	out, err := f.pack(args...)
	if err != nil {
		f.t.Fatalf("pack flow %q: pack %s: %v\n%s", flow, strings.Join(args, " "), err, out)
	}
	return out
}

func newPackFixture(t *testing.T) *packFixture {
	t.Helper()
	d := sharedDocker(t)
	dir, err := os.MkdirTemp("", "cnb-pack-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	slug := strings.Trim(strings.ReplaceAll(registryRepo(t, ""), "/", "-"), "-")
	f := &packFixture{t: t, docker: d, dir: dir, home: filepath.Join(dir, "pack-home"),
		base:    "cnb-acceptance/" + slug + "-base:latest",
		builder: "cnb-acceptance/" + slug + "-builder:latest",
		appRef:  "cnb-acceptance/" + slug + "-app:latest"}
	t.Cleanup(func() {
		for _, ref := range []string{f.appRef, f.builder, f.base} {
			_ = d.Command("rmi", "-f", ref).Run()
		}
	})
	// bash (bash-static) for the launcher's shell commands.
	testutil.LoadImage(t, d, testutil.BusyboxImage(t, testutil.WithBash()), f.base)

	dist := filepath.Join(dir, "dist")
	build := exec.Command("go", "run", "./scripts/dist", "-bin", binDir, "-version", "0.90.0", "-out", dist)
	build.Dir = modRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make dist: %v\n%s", err, out)
	}
	samples := filepath.Join(modRoot, "samples")
	config := filepath.Join(dir, "builder.toml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(`
[[buildpacks]]
  uri = %q
[[buildpacks]]
  uri = %q
[[buildpacks]]
  uri = %q
[[buildpacks]]
  uri = %q

[[order]]
  [[order.group]]
    id = "samples/jvm"
    version = "0.1.0"

[[order]]
  [[order.group]]
    id = "samples/hello"
    version = "0.1.0"

[lifecycle]
  uri = %q

[build]
  image = %q

[[run.images]]
  image = %q
`, filepath.Join(samples, "buildpacks", "samples_banner", "0.1.0"), filepath.Join(samples, "buildpacks", "samples_greeter", "0.1.0"),
		filepath.Join(samples, "buildpacks", "samples_hello", "0.1.0"), filepath.Join(samples, "buildpacks", "samples_jvm", "0.1.0"),
		filepath.Join(dist, "lifecycle-v0.90.0+linux.x86-64.tgz"), f.base, f.base)), 0o644); err != nil {
		t.Fatal(err)
	}
	f.mustPack("builder create", "builder", "create", f.builder, "--config", config, "--pull-policy", "never")
	return f
}

// TestPack_TrustedBuildToDaemon: pack builder create takes our lifecycle
// tarball; pack build with a trusted builder runs our creator in a
// container against the daemon, and the image runs with our launcher:
// default process, another process type, user arguments.
func TestPack_TrustedBuildToDaemon(t *testing.T) {
	t.Parallel()
	f := newPackFixture(t)
	out := f.build("trusted build", "--trust-builder")
	wantContains(t, "pack build output", out, "===> EXPORTING")
	// samples/jvm's group fails detection; the composite samples/hello's
	// group passes with the build plan met (banner provides, greeter
	// requires).
	wantContains(t, "pack build output", out, "2 of 2 buildpacks participating")
	wantContains(t, "pack build output", out, "samples/greeter 0.1.0")
	run := f.run
	wantContains(t, "default process", run(f.appRef), "Hello from an app built by a from-scratch Cloud Native Buildpacks lifecycle!")
	wantContains(t, "env process", run("--entrypoint", "/cnb/process/env", f.appRef), "GREETER=the samples/greeter buildpack")
	wantContains(t, "user args", run(f.appRef, "/etc/passwd"), "cnb:x:1000")
	// The launcher as entrypoint with a direct command (--) and with a
	// shell command, both with the layers' environment.
	wantContains(t, "direct command", run("--entrypoint", "/cnb/lifecycle/launcher", f.appRef, "--", "env"), "GREETER=the samples/greeter buildpack")
	wantContains(t, "shell command", run("--entrypoint", "/cnb/lifecycle/launcher", f.appRef, "echo shell: $GREETER | banner"), "| shell: the samples/greeter buildpack")
}

// build runs pack build of the sample app with the fixture's builder.
func (f *packFixture) build(flow string, extra ...string) string {
	f.t.Helper()
	args := append([]string{"build", f.appRef, "--builder", f.builder, "--path", filepath.Join(modRoot, "samples", "app"),
		"--pull-policy", "never", "--network", "none", "--docker-host", "inherit"}, extra...)
	return f.mustPack(flow, args...)
}

func (f *packFixture) run(args ...string) string {
	f.t.Helper()
	o, err := f.docker.Command(append([]string{"run", "--rm", "--network", "none"}, args...)...).CombinedOutput()
	if err != nil {
		f.t.Fatalf("docker run %v: %v\n%s", args, err, o)
	}
	return string(o)
}

// TestPack_UntrustedBuildAndRebuild: without --trust-builder pack runs
// analyzer, detector, restorer, builder and exporter in their own
// containers, the privileged ones from our lifecycle image
// (--lifecycle-image); a rebuild restores the cached layer and reuses every
// layer (same image ID); --clear-cache builds without the cache.
func TestPack_UntrustedBuildAndRebuild(t *testing.T) {
	t.Parallel()
	f := newPackFixture(t)
	// pack runs the privileged phases of an untrusted build from a
	// lifecycle image (by default buildpacksio/lifecycle:<version>): ours,
	// from make dist.
	lcImage := "cnb-acceptance/" + strings.Trim(strings.ReplaceAll(registryRepo(t, ""), "/", "-"), "-") + "-lifecycle:0.90.0"
	load := f.docker.Command("load", "-i", filepath.Join(f.dir, "dist", "lifecycle-image.tar"))
	if o, err := load.CombinedOutput(); err != nil {
		t.Fatalf("docker load lifecycle image: %v\n%s", err, o)
	}
	if o, err := f.docker.Command("tag", "cnb-lifecycle/lifecycle:0.90.0", lcImage).CombinedOutput(); err != nil {
		t.Fatalf("docker tag: %v\n%s", err, o)
	}
	t.Cleanup(func() { _ = f.docker.Command("rmi", "-f", lcImage).Run() })

	out := f.build("untrusted build", "--lifecycle-image", lcImage)
	for _, phase := range []string{"===> ANALYZING", "===> DETECTING", "===> RESTORING", "===> BUILDING", "===> EXPORTING"} {
		wantContains(t, "untrusted build output", out, phase)
	}
	wantContains(t, "untrusted build image", f.run(f.appRef), "Hello from an app built by a from-scratch Cloud Native Buildpacks lifecycle!")
	first, err := f.docker.ImageID(f.appRef)
	if err != nil {
		t.Fatal(err)
	}

	out = f.build("rebuild with cache", "--lifecycle-image", lcImage)
	wantContains(t, "rebuild output", out, "Restoring data for 'samples/banner:banner' from cache")
	// The cache-only layer comes back too, and the buildpack sees it.
	wantContains(t, "rebuild output", out, "Restoring data for 'samples/banner:downloads' from cache")
	wantContains(t, "rebuild output", out, "banner: reusing the cached downloads")
	wantContains(t, "rebuild output", out, "Reusing layer 'samples/greeter:greeter'")
	if again, _ := f.docker.ImageID(f.appRef); again != first {
		t.Errorf("rebuild gave image %s, want the same %s", again, first)
	}

	out = f.build("clear cache", "--lifecycle-image", lcImage, "--clear-cache")
	if strings.Contains(out, "from cache") {
		t.Errorf("--clear-cache build restored from the cache:\n%s", out)
	}
	wantContains(t, "clear-cache build image", f.run(f.appRef), "Hello from an app built by a from-scratch")
}

// TestPack_Rebase: pack rebase reads our labels and puts the app image on a
// new run image in the daemon; the result runs.
func TestPack_Rebase(t *testing.T) {
	t.Parallel()
	f := newPackFixture(t)
	f.build("trusted build", "--trust-builder")
	before, _ := f.docker.ImageID(f.appRef)
	testutil.LoadImage(t, f.docker, testutil.BusyboxImage(t, testutil.WithFiles(map[string]string{"etc/run-version": "2\n"})), f.base)
	out := f.mustPack("rebase", "rebase", f.appRef, "--pull-policy", "never")
	wantContains(t, "pack rebase output", out, "Rebased")
	if after, _ := f.docker.ImageID(f.appRef); after == before {
		t.Error("pack rebase left the image as it was")
	}
	wantContains(t, "rebased image", f.run("--entrypoint", "/bin/cat", f.appRef, "/etc/run-version"), "2")
	wantContains(t, "rebased image", f.run(f.appRef), "Hello from an app built by a from-scratch")
}

// TestPack_Publish: pack build --publish exports to the registry (the
// phase containers on the host network reach it at 127.0.0.1, an insecure
// registry); the pushed image is pulled into the daemon and runs.
func TestPack_Publish(t *testing.T) {
	t.Parallel()
	f := newPackFixture(t)
	reg := sharedRegistry(t)
	runRef := reg.Ref(registryRepo(t, "run") + ":latest")
	appRef := reg.Ref(registryRepo(t, "app") + ":latest")
	testutil.Push(t, testutil.BusyboxImage(t), runRef)
	expose(t, f.docker, reg.Host())
	out := f.mustPack("publish", "build", appRef, "--builder", f.builder, "--path", filepath.Join(modRoot, "samples", "app"),
		"--pull-policy", "never", "--network", "host", "--docker-host", "inherit", "--trust-builder",
		"--publish", "--run-image", runRef, "--insecure-registry", reg.Host())
	wantContains(t, "publish output", out, "*** Digest: sha256:")
	digest := testutil.Digest(t, appRef)
	wantContains(t, "publish output", out, digest.String())
	if o, err := f.docker.Command("pull", appRef).CombinedOutput(); err != nil {
		t.Fatalf("docker pull %s: %v\n%s", appRef, err, o)
	}
	t.Cleanup(func() { _ = f.docker.Command("rmi", "-f", appRef).Run() })
	wantContains(t, "published image", f.run(appRef), "Hello from an app built by a from-scratch")
}

// TestPack_Layout: pack build oci:<dir> (experimental) exports into an OCI
// layout through our creator (-layout). pack copies the run image from a
// registry into a layout it mounts read-only by a path holding the
// registry's name, which must therefore have no port: a registry on
// 127.0.0.1:80 serves it. Its blobs are root's and 0600: the creator opens
// them before it drops to the build user.
func TestPack_Layout(t *testing.T) {
	t.Parallel()
	f := newPackFixture(t)
	reg, err := testutil.LaunchRegistryAt("", "127.0.0.1:80")
	if err != nil {
		t.Fatalf("starting a registry on 127.0.0.1:80: %v", err)
	}
	t.Cleanup(func() { reg.Stop() })
	expose(t, f.docker, reg.Host())
	runRef := "127.0.0.1/" + registryRepo(t, "run") + ":latest"
	testutil.Push(t, testutil.BusyboxImage(t, testutil.WithOCIMediaTypes()), runRef)
	cmd := exec.Command(packBinary(t), "config", "experimental", "true")
	cmd.Env = append(os.Environ(), "PACK_HOME="+f.home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pack config experimental: %v\n%s", err, out)
	}
	layoutDir := filepath.Join(f.dir, "oci")
	out := f.mustPack("layout", "build", "oci:"+layoutDir, "--builder", f.builder, "--path", filepath.Join(modRoot, "samples", "app"),
		"--pull-policy", "never", "--network", "host", "--docker-host", "inherit", "--trust-builder",
		"--run-image", runRef, "--insecure-registry", "127.0.0.1")
	wantContains(t, "layout build output", out, "===> EXPORTING")
	o, err := testutil.Isolate(exec.Command("skopeo", "inspect", "oci:"+layoutDir)).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect oci:%s: %v\n%s", layoutDir, err, o)
	}
	wantContains(t, "skopeo inspect", string(o), "io.buildpacks.lifecycle.metadata")
	// Run it: skopeo hands the layout image to the daemon.
	name := strings.Replace(f.appRef, "-app:", "-oci:", 1)
	t.Cleanup(func() { _ = f.docker.Command("rmi", "-f", name).Run() })
	if o, err := testutil.Isolate(exec.Command("skopeo", "copy", "--dest-daemon-host", f.docker.Host(), "oci:"+layoutDir, "docker-daemon:"+name)).CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy to the daemon: %v\n%s", err, o)
	}
	wantContains(t, "layout image", f.run(name), "Hello from an app built by a from-scratch")
}

// pullAndRun pulls ref from a test registry into the daemon and runs its
// default process.
func (f *packFixture) pullAndRun(flow, ref string) string {
	f.t.Helper()
	if o, err := f.docker.Command("pull", ref).CombinedOutput(); err != nil {
		f.t.Fatalf("%s: docker pull %s: %v\n%s", flow, ref, err, o)
	}
	f.t.Cleanup(func() { _ = f.docker.Command("rmi", "-f", ref).Run() })
	return f.run(ref)
}
