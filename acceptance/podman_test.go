package acceptance

import (
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// newPodmanWorkspace is a daemon workspace on a private podman API service
// (podman system service, Docker API 1.41) started for the test.
func newPodmanWorkspace(t *testing.T, runOpts ...testutil.ImageOption) *daemonWorkspace {
	t.Helper()
	return newDaemonWorkspaceOn(t, testutil.StartPodman(t), runOpts...)
}

// podmanRun runs the image with podman run and returns its output.
func (w *daemonWorkspace) podmanRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := w.docker.Podman(append([]string{"run", "--rm", "--network", "none"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("podman run %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestTGT3_PodmanExport: -daemon against podman's Docker-compatible API
// (issue 13, item 7). The analyzer finds the run image, the exporter
// writes the image (podman's load wants every layer, also on a rebuild
// that reuses the previous image's layers), podman runs it, and the
// rebaser swaps its run image. podman keeps a short name such as
// cnb-acceptance/x:latest as localhost/cnb-acceptance/x:latest, and finds
// it by either (CONFORMANCE TGT-3, TGT-4, EXP-8, REB-4).
func TestTGT3_PodmanExport(t *testing.T) {
	t.Parallel()
	w := newPodmanWorkspace(t)
	res := w.buildAndExport(t, "1")
	wantCode(t, "exporter", res, 0)
	id := w.imageID(t, w.appRef)
	if got := w.reportImageID(t); got != id {
		t.Errorf("report.toml image-id = %q, podman has %s (EXP-15)", got, id)
	}
	if qualified := w.imageID(t, "localhost/"+w.appRef); qualified != id {
		t.Errorf("podman has localhost/%s = %s, want %s", w.appRef, qualified, id)
	}
	wantContains(t, "podman run", w.podmanRun(t, "localhost/"+w.appRef), "serving default-args from hello from the app")
	wantContains(t, "podman run with args", w.podmanRun(t, w.appRef, "user", "args"), "serving user args from")

	// A rebuild reusing every layer of the previous image: the same image.
	res = w.buildAndExport(t, "1")
	wantCode(t, "second exporter", res, 0)
	for _, l := range []string{"Reusing layer 'example/serve:runtime'", "Reusing layer 'app'", "Reusing layer 'launcher'"} {
		wantContains(t, "second exporter stdout", res.stdout, l)
	}
	if again := w.imageID(t, w.appRef); again != id {
		t.Errorf("second image ID %s, want %s (RPR-4)", again, id)
	}
	// A changed layer below reused ones.
	res = w.buildAndExport(t, "2")
	wantCode(t, "third exporter", res, 0)
	if third := w.imageID(t, w.appRef); third == id {
		t.Error("a changed layer gave the same image")
	}
	wantContains(t, "rebuilt image", w.podmanRun(t, w.appRef), "serving default-args from hello from the app")

	// A new run image under the same name; the rebaser moves the app onto it.
	w.rebaseOntoNewRun(t)
	if out := w.podmanRun(t, "--entrypoint", "/bin/cat", w.appRef, "/etc/run-version"); strings.TrimSpace(out) != "2" {
		t.Errorf("rebased image /etc/run-version = %q, want 2", out)
	}
	wantContains(t, "rebased image", w.podmanRun(t, w.appRef), "serving default-args from hello from the app")
}

// TestCRE1_CreatorPodman: the creator exports into podman (the reference
// lifecycle's creator does; issue 13, item 7).
func TestCRE1_CreatorPodman(t *testing.T) {
	t.Parallel()
	w := newPodmanWorkspace(t)
	wantCode(t, "creator", w.create(), 0)
	wantContains(t, "creator image", w.podmanRun(t, w.appRef), "serving default-args")
}
