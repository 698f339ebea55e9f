package acceptance

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// runSignalled starts bin like run, sends sig once ready reports true
// (polled for up to 60 s), and returns the result.
func (w *workspace) runSignalled(bin string, o runOpts, ready func() bool, sig syscall.Signal) result {
	w.t.Helper()
	cmd, stdout, stderr := w.command(bin, o)
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !ready() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			w.t.Fatalf("%s never got ready to be signalled\n%s%s", bin, stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(sig)
	return w.outcome(bin, cmd.Wait(), stdout, stderr)
}

// TestSignals_BuilderStopsItsBuildpack: SIGTERM to the builder while a
// buildpack's /bin/build waits on a child: the builder stops the buildpack
// and its child, says it was interrupted, and exits with its failure code
// (issue 8 §7).
func TestSignals_BuilderStopsItsBuildpack(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	pidFile := filepath.Join(w.Out, "sleep.pid")
	w.addBuild(bbp{id: "example/slow", api: "0.10", script: `
sleep 300 &
echo $! > ` + pidFile + `
wait
`})
	w.setOrder([]ref{r("example/slow")})
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	res := w.runSignalled("builder", runOpts{args: w.buildFlags(), env: []string{"CNB_PLATFORM_API=0.12"}},
		func() bool { _, err := os.Stat(pidFile); return err == nil }, syscall.SIGTERM)
	wantCode(t, "interrupted builder", res, 52)
	wantContains(t, "builder stderr", res.stderr, "interrupted")
	data, _ := os.ReadFile(pidFile)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("sleep pid %q: %v", data, err)
	}
	for i := 0; syscall.Kill(pid, 0) == nil; i++ {
		if i > 100 {
			t.Fatalf("the buildpack's child %d still runs after the builder was interrupted", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSignals_ExporterCleansUp: SIGINT to the exporter in the middle of a
// push (the registry is held up on blob uploads): it exits 62 saying it was
// interrupted, leaves no temporary files or cache staging directory, and
// the tag keeps its previous image (issue 8 §7).
func TestSignals_ExporterCleansUp(t *testing.T) {
	t.Parallel()
	w := newExportWorkspace(t)
	wantCode(t, "first export", w.buildAndExport(t), 0)
	before := testutil.Digest(t, w.appRef)

	reg := sharedRegistry(t)
	held := make(chan struct{}, 1)
	release := make(chan struct{})
	proxy := anaProxy(t, reg.Host(), func(r *http.Request) (int, string) {
		if r.Method == http.MethodPatch || r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			select {
			case held <- struct{}{}:
			default:
			}
			<-release
		}
		return 0, ""
	})
	// After the proxy's own cleanup is registered, so that it runs first:
	// the held requests end before the proxy's server is closed.
	t.Cleanup(func() { close(release) })
	appRef := strings.Replace(w.appRef, reg.Host(), proxy, 1)
	w.write(filepath.Join(w.App, "index.txt"), "changed\n") // a new app layer to upload
	cache := filepath.Join(w.Root, "cache")
	w.mkdir(cache)
	env := []string{"CNB_PLATFORM_API=0.12"}
	wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, appRef}, env: env}), 0)
	wantCode(t, "builder", w.build("0.12", nil), 0)
	res := w.runSignalled("exporter", runOpts{env: env, args: []string{"-layers", w.Layers, "-app", w.App, "-cache-dir", cache,
		"-launcher", filepath.Join(binDir, "launcher"), appRef}},
		func() bool { return len(held) > 0 }, syscall.SIGINT)
	wantCode(t, "interrupted exporter", res, 62)
	wantContains(t, "exporter stderr", res.stderr, "interrupted")
	if left, _ := filepath.Glob(filepath.Join(w.Tmp, "cnb-export-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, "staging-*")); len(left) > 0 {
		t.Errorf("cache staging directories left: %v", left)
	}
	if after := testutil.Digest(t, w.appRef); after != before {
		t.Errorf("interrupted export moved the tag from %s to %s", before, after)
	}
}
