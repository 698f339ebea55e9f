package acceptance

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// loadHolder is a unix-socket proxy in front of a docker daemon that holds
// the body of the first POST /images/load once 1 MiB of it has gone
// through, until released: the test kills the daemon while a phase is
// half-way through writing an image. When the daemon is gone the phase's
// connection is closed under it, as the daemon's would be.
type loadHolder struct {
	host    string        // DOCKER_HOST value of the proxy
	held    chan struct{} // closed when a load is held
	release chan struct{} // closed by the test to let it go on
	once    sync.Once
}

func newLoadHolder(t *testing.T, d *testutil.Docker) *loadHolder {
	t.Helper()
	dir, err := os.MkdirTemp("", "dpx") // short: a socket path is limited
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "p.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	upstream := strings.TrimPrefix(d.Host(), "unix://")
	h := &loadHolder{host: "unix://" + sock, held: make(chan struct{}), release: make(chan struct{})}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = "http", "docker"
		},
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", upstream)
		}},
		FlushInterval: -1,
		ErrorLog:      log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			// The daemon is gone: drop the phase's connection too.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/images/load") {
			r.Body = &holdingBody{ReadCloser: r.Body, h: h}
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		h.let()
		srv.Close()
		os.RemoveAll(dir)
	})
	return h
}

func (h *loadHolder) let() {
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

// holdingBody blocks the first load once 1 MiB has been read from it.
type holdingBody struct {
	io.ReadCloser
	h *loadHolder
	n int
}

func (b *holdingBody) Read(p []byte) (int, error) {
	if b.n >= 1<<20 {
		b.h.once.Do(func() { close(b.h.held) })
		<-b.h.release
	}
	n, err := b.ReadCloser.Read(p)
	b.n += n
	return n, err
}

// runAsync runs a phase in the background.
func (w *daemonWorkspace) runAsync(bin string, o runOpts) <-chan result {
	w.handOver()
	out := make(chan result, 1)
	go func() { out <- w.run(bin, o) }()
	return out
}

// waitHeld waits (generously) until the holder holds a load, failing the
// test if the phase ends first.
func waitHeld(t *testing.T, what string, h *loadHolder, done <-chan result) {
	t.Helper()
	select {
	case <-h.held:
	case res := <-done:
		t.Fatalf("%s ended (exit %d) before it loaded an image\n%s%s", what, res.code, res.stdout, res.stderr)
	case <-time.After(5 * time.Minute):
		t.Fatalf("%s never loaded an image", what)
	}
}

// TestDisk_DaemonStopped stops a private dockerd (SIGTERM) under the exporter (in
// the middle of POST /images/load), before a rebase and in the middle of a
// rebase's load: each phase fails with its code (62, EXP-14; 1 for a
// daemon that cannot be reached at all, as the reference; 72, REB-8) and
// one error line, without a panic; once the daemon is back, the tag still
// names the previous image, and a new build exports (issue 8 §2; TGT-3,
// CCH-1, CCH-5).
func TestDisk_DaemonStopped(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("a private dockerd needs root")
	}
	d, err := testutil.LaunchDocker()
	if err != nil {
		t.Fatalf("starting a private dockerd: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Logf("stopping the private dockerd: %v", err)
		}
	})
	w := newDaemonWorkspaceOn(t, d)
	w.addBuild(bbp{id: "example/bulk", api: "0.10", script: `
rm -rf "$L/bulk"
layer bulk launch cache
head -c $(( 8 * 1024 * 1024 )) /dev/urandom > "$L/bulk/data"
`})
	w.setOrder([]ref{r("example/bulk"), r("example/serve")})
	wantCode(t, "first export", w.buildAndExport(t, "1"), 0)
	before := w.imageID(t, w.appRef)

	// The exporter: the daemon dies half-way through the load.
	h := newLoadHolder(t, d)
	cache := filepath.Join(w.Root, "cache")
	wantCode(t, "analyzer", w.run("analyzer", runOpts{privileged: true, env: w.daemonEnv(),
		args: []string{"-daemon", "-layers", w.Layers, "-launch-cache", w.launchCache, "-run-image", w.runName, w.appRef}}), 0)
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	wantCode(t, "restorer", w.run("restorer", runOpts{privileged: true, env: w.daemonEnv(),
		args: []string{"-daemon", "-layers", w.Layers, "-cache-dir", cache}}), 0)
	w.write(filepath.Join(w.Platform, "env", "STAMP"), "2")
	wantCode(t, "builder", w.build("0.12", nil), 0)
	done := w.runAsync("exporter", runOpts{privileged: true, env: w.daemonEnv("DOCKER_HOST=" + h.host),
		args: []string{"-daemon", "-layers", w.Layers, "-app", w.App, "-cache-dir", cache, "-launch-cache", w.launchCache,
			"-launcher", filepath.Join(binDir, "launcher"), w.appRef}})
	waitHeld(t, "exporter", h, done)
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	h.let()
	wantOneErrorLine(t, "exporter whose daemon died", <-done, 62, w.appRef)
	if err := d.Restart(); err != nil {
		t.Fatalf("restarting dockerd: %v", err)
	}
	if after := w.imageID(t, w.appRef); after != before {
		t.Errorf("after a failed export the tag names %s, want the previous image %s", after, before)
	}

	// The rebaser, the daemon down before it starts.
	testutil.LoadImage(t, d, testutil.BusyboxImage(t, testutil.WithFiles(map[string]string{"etc/run-version": "2\n"})), w.runName)
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	res := w.run("rebaser", runOpts{privileged: true, env: w.daemonEnv(), args: []string{"-daemon", w.appRef}})
	wantOneErrorLine(t, "rebaser without a daemon", res, 1, "docker daemon")
	if err := d.Restart(); err != nil {
		t.Fatalf("restarting dockerd: %v", err)
	}
	if after := w.imageID(t, w.appRef); after != before {
		t.Errorf("after a failed rebase the tag names %s, want %s", after, before)
	}

	// The rebaser, the daemon dying half-way through its load.
	h = newLoadHolder(t, d)
	done = w.runAsync("rebaser", runOpts{privileged: true, env: w.daemonEnv("DOCKER_HOST=" + h.host), args: []string{"-daemon", w.appRef}})
	waitHeld(t, "rebaser", h, done)
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	h.let()
	wantOneErrorLine(t, "rebaser whose daemon died", <-done, 72, w.appRef)
	if err := d.Restart(); err != nil {
		t.Fatalf("restarting dockerd: %v", err)
	}
	if after := w.imageID(t, w.appRef); after != before {
		t.Errorf("after a failed rebase the tag names %s, want %s", after, before)
	}

	// The daemon and the caches still serve a whole build.
	wantCode(t, "export after the faults", w.buildAndExport(t, "3"), 0)
	if after := w.imageID(t, w.appRef); after == before {
		t.Error("the export after the faults did not change the image")
	}
}
