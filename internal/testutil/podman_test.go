package testutil_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// TestLaunchPodman: a private podman service loads an image over the
// Docker API and runs it, and leaves nothing behind once stopped: no
// process, no directory, nothing in /var/lib/containers or /var/tmp, no
// change to the host's network.
func TestLaunchPodman(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("starting a private podman needs root")
	}
	beforeNet := hostNetwork(t)
	beforeDirs := listing(t, "/var/lib/containers", "/var/tmp")
	d, err := testutil.LaunchPodman()
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = d.Stop()
		}
	})
	dir := filepath.Dir(strings.TrimPrefix(d.Host(), "unix://"))

	id := testutil.LoadImage(t, d, testutil.BusyboxImage(t), "cnb-lifecycle-test/testutil-podman:1")
	if !strings.HasPrefix(id, "sha256:") {
		t.Errorf("LoadImage() = %q, want an image ID", id)
	}
	// podman qualifies a short name with localhost/.
	out, err := d.Podman("run", "--rm", "--network", "none", "localhost/cnb-lifecycle-test/testutil-podman:1", "/bin/busybox", "echo", "hi").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hi" {
		t.Errorf("podman run = %q, %v\n%s", out, err, d.Log())
	}

	pid := d.PID()
	if err := d.Stop(); err != nil {
		t.Fatalf("Stop() = %v\n%s", err, d.Log())
	}
	stopped = true
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("podman (pid %d) still runs after Stop", pid)
	}
	if left := processesUnder(t, dir); len(left) > 0 {
		t.Errorf("processes %v still run after Stop", left)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Stat(%s) after Stop = %v, want it removed", dir, err)
	}
	if after := listing(t, "/var/lib/containers", "/var/tmp"); after != beforeDirs {
		t.Errorf("podman changed machine directories:\nbefore:\n%safter:\n%s", beforeDirs, after)
	}
	if after := hostNetwork(t); after != beforeNet {
		t.Errorf("the host's network changed:\nbefore:\n%safter:\n%s", beforeNet, after)
	}
}

// TestIsolate: a command run through Isolate sees empty /var/lib and
// /var/tmp, and what it writes there is gone afterwards.
func TestIsolate(t *testing.T) {
	marker := "/var/lib/cnbtest-isolate-" + filepath.Base(t.TempDir())
	cmd := testutil.Isolate(exec.Command("sh", "-c", `ls -A /var/lib; touch "$0" /var/tmp/cnbtest-x && echo made`, marker))
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "made" {
		t.Fatalf("isolated command = %q, %v; want only \"made\" (an empty /var/lib)", out, err)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		os.Remove(marker)
		t.Errorf("Stat(%s) = %v: the isolated command wrote into the machine's /var/lib", marker, err)
	}
}

// listing lists the paths under dirs (missing dirs list as missing).
func listing(t *testing.T, dirs ...string) string {
	t.Helper()
	var b strings.Builder
	for _, dir := range dirs {
		err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
			if err != nil {
				if os.IsNotExist(err) && path == dir {
					b.WriteString(dir + " missing\n")
					return nil
				}
				return err
			}
			b.WriteString(path + "\n")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}
