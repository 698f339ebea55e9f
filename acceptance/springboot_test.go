package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// springBootFixture replays Spring Boot's build-image (PLATFORMS.md §2):
// Platform API 0.14, the daemon's socket mounted into the builder's
// containers, root phases with label=disable, /cache and /launch-cache as
// directories of their own, export always to the daemon.
type springBootFixture struct {
	*packFixture
	app, layers, cache, launch, socket, image string
}

func newSpringBootFixture(t *testing.T) *springBootFixture {
	t.Helper()
	f := &springBootFixture{packFixture: newPackFixture(t)}
	f.image = strings.Replace(f.appRef, "-app:", "-sb:", 1)
	t.Cleanup(func() { _ = f.docker.Command("rmi", "-f", f.image).Run() })
	f.socket = strings.TrimPrefix(f.docker.Host(), "unix://")
	for _, d := range []*string{&f.app, &f.layers, &f.cache, &f.launch} {
		var err error
		if *d, err = os.MkdirTemp(f.dir, "sb-"); err != nil {
			t.Fatal(err)
		}
		os.Chmod(*d, 0o755)
	}
	if out, err := exec.Command("cp", "-r", filepath.Join(modRoot, "samples", "app")+"/.", f.app).CombinedOutput(); err != nil {
		t.Fatalf("copying the app: %v\n%s", err, out)
	}
	if out, err := exec.Command("chown", "-R", "1000:1000", f.app).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v\n%s", err, out)
	}
	return f
}

// phase runs one phase container; root phases get the socket, user root
// and label=disable, the others run as the image's user.
func (f *springBootFixture) phase(flow, bin string, root bool, mounts map[string]string, args ...string) {
	f.t.Helper()
	dargs := []string{"run", "--rm", "--network", "none", "-e", "CNB_PLATFORM_API=0.14", "--entrypoint", "/cnb/lifecycle/" + bin}
	if root {
		dargs = append(dargs, "-v", f.socket+":/var/run/docker.sock", "--security-opt", "label=disable", "-u", "root")
	}
	for host, dir := range mounts {
		dargs = append(dargs, "-v", host+":"+dir)
	}
	out, err := f.docker.Command(append(append(dargs, f.builder), args...)...).CombinedOutput()
	if err != nil {
		f.t.Fatalf("spring boot flow %s, phase %s: %v\n%s", flow, bin, err, out)
	}
}

// TestSpringBoot_Trusted: one creator container as root with the socket,
// -daemon, -cache-dir and -launch-cache; a second build reuses the launch
// cache; the image runs.
func TestSpringBoot_Trusted(t *testing.T) {
	t.Parallel()
	f := newSpringBootFixture(t)
	m := map[string]string{f.app: "/workspace", f.layers: "/layers", f.cache: "/cache", f.launch: "/launch-cache"}
	args := []string{"-app", "/workspace", "-platform", "/platform", "-run-image", f.base, "-layers", "/layers",
		"-cache-dir", "/cache", "-launch-cache", "/launch-cache", "-daemon", f.image}
	f.phase("trusted", "creator", true, m, args...)
	first, err := f.docker.ImageID(f.image)
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, "spring boot image", f.run(f.image), "Hello from an app built by a from-scratch")
	f.phase("trusted rebuild", "creator", true, m, args...)
	if again, _ := f.docker.ImageID(f.image); again != first {
		t.Errorf("rebuild gave %s, want the same image %s", again, first)
	}
}

// TestSpringBoot_Untrusted: the five phases in the builder image, the
// analyzer, restorer and exporter as root with the socket (the restorer
// always with -daemon), detector and builder as the image's user.
func TestSpringBoot_Untrusted(t *testing.T) {
	t.Parallel()
	f := newSpringBootFixture(t)
	f.phase("untrusted", "analyzer", true, map[string]string{f.launch: "/launch-cache", f.layers: "/layers"},
		"-daemon", "-launch-cache", "/launch-cache", "-layers", "/layers", "-run-image", f.base, f.image)
	f.phase("untrusted", "detector", false, map[string]string{f.app: "/workspace", f.layers: "/layers"},
		"-app", "/workspace", "-layers", "/layers", "-platform", "/platform")
	f.phase("untrusted", "restorer", true, map[string]string{f.cache: "/cache", f.layers: "/layers"},
		"-daemon", "-cache-dir", "/cache", "-layers", "/layers")
	f.phase("untrusted", "builder", false, map[string]string{f.app: "/workspace", f.layers: "/layers"},
		"-app", "/workspace", "-layers", "/layers", "-platform", "/platform")
	f.phase("untrusted", "exporter", true, map[string]string{f.app: "/workspace", f.cache: "/cache", f.launch: "/launch-cache", f.layers: "/layers"},
		"-daemon", "-app", "/workspace", "-cache-dir", "/cache", "-launch-cache", "/launch-cache", "-layers", "/layers", f.image)
	wantContains(t, "spring boot image", f.run(f.image), "Hello from an app built by a from-scratch")
}
