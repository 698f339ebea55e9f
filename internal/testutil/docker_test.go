package testutil_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// TestStartDockerPrivate makes StartDocker find no daemon, so that it
// starts a private dockerd; checks that the daemon loads and runs an image,
// and that Stop leaves no process and no directory behind.
func TestStartDockerPrivate(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("starting a private dockerd needs root")
	}
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "nobody.sock"))
	start := time.Now()
	d, err := testutil.StartDocker()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("private dockerd answered after %s", time.Since(start).Round(time.Millisecond))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = d.Stop()
		}
	})
	if !d.Started() || d.PID() == 0 {
		t.Fatalf("StartDocker() with no daemon answering: Started() = %v, PID() = %d, want a private daemon", d.Started(), d.PID())
	}
	sock, ok := strings.CutPrefix(d.Host(), "unix://")
	if !ok || len(sock) >= 104 {
		t.Errorf("Host() = %q, want a short unix socket", d.Host())
	}
	dir := filepath.Dir(sock)

	tag := "cnb-lifecycle-test/testutil-private:1"
	id := testutil.LoadImage(t, d, testutil.BusyboxImage(t), tag)
	if !strings.HasPrefix(id, "sha256:") {
		t.Errorf("LoadImage() = %q, want an image ID", id)
	}
	out, err := d.Command("run", "--rm", "--network", "none", tag, "/bin/busybox", "echo", "hi").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hi" {
		t.Errorf("docker run on the private daemon = %q, %v", out, err)
	}

	pid := d.PID()
	containerd := processesUnder(t, dir)
	if len(containerd) == 0 {
		t.Errorf("no process runs with %s in its command line: where is the managed containerd?", dir)
	}
	if err := d.Stop(); err != nil {
		t.Fatalf("Stop() = %v\n%s", err, d.Log())
	}
	stopped = true
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("dockerd (pid %d) still runs after Stop", pid)
	}
	if left := processesUnder(t, dir); len(left) > 0 {
		t.Errorf("processes %v still run after Stop", left)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Stat(%s) after Stop = %v, want it removed", dir, err)
	}
	if err := d.Stop(); err != nil {
		t.Errorf("second Stop() = %v", err)
	}
}

// TestStartDockerRunning: with a daemon answering, StartDocker uses it
// and Stop leaves it alone.
func TestStartDockerRunning(t *testing.T) {
	d, err := testutil.StartDocker()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	if d.Started() {
		t.Skip("no daemon was running: TestStartDockerPrivate covers this case")
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	again, err := testutil.StartDocker()
	if err != nil {
		t.Fatalf("the running daemon stopped answering after Stop: %v", err)
	}
	if again.Started() || again.Host() != d.Host() {
		t.Errorf("StartDocker() after Stop = %s (started %v), want the running %s", again.Host(), again.Started(), d.Host())
	}
}

// processesUnder lists the pids whose command line names dir.
func processesUnder(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), dir) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err == nil && strings.Contains(string(stat), ") Z ") {
			continue // exited, not yet reaped
		}
		pids = append(pids, e.Name())
	}
	return pids
}
