package testutil_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// scratchNetnsEnv marks the copy of the test binary that
// TestPrivateDockerKeepsBridge runs in a network namespace of its own.
const scratchNetnsEnv = "CNBTEST_SCRATCH_NETNS"

// TestPrivateDockerKeepsBridge: a private dockerd must leave the docker0
// bridge of the machine's own Docker alone (issue 13, item 6: a dockerd
// with --bridge=none deletes the docker0 of its network namespace). The
// test plays the machine in a scratch namespace, never the host's: it runs
// itself again there, makes a docker0 bridge, starts and uses a private
// daemon, stops it, and checks that every interface is as it was.
func TestPrivateDockerKeepsBridge(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("starting a private dockerd needs root")
	}
	if os.Getenv(scratchNetnsEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPrivateDockerKeepsBridge$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), scratchNetnsEnv+"=1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestPrivateDockerKeepsBridge") {
			t.Fatalf("in a scratch network namespace: %v\n%s", err, out)
		}
		return
	}
	if out, err := exec.Command("ip", "link", "add", "docker0", "type", "bridge").CombinedOutput(); err != nil {
		t.Fatalf("ip link add docker0 type bridge: %v\n%s", err, out)
	}
	before := hostNetwork(t)
	d, err := testutil.LaunchDocker()
	if err != nil {
		t.Fatal(err)
	}
	tag := "cnb-lifecycle-test/testutil-bridge:1"
	testutil.LoadImage(t, d, testutil.BusyboxImage(t), tag)
	if out, err := d.Command("run", "--rm", "--network", "none", tag, "/bin/busybox", "true").CombinedOutput(); err != nil {
		t.Errorf("docker run: %v\n%s", err, out)
	}
	if err := d.Stop(); err != nil {
		t.Fatalf("Stop() = %v\n%s", err, d.Log())
	}
	if after := hostNetwork(t); after != before {
		t.Errorf("the network changed under a private dockerd:\nbefore:\n%safter:\n%s", before, after)
	}
}

// TestDockerExpose: a private daemon has a network of its own, yet its
// containers on the "host" network, and the daemon itself, reach a test
// server of the host's loopback once it is exposed.
func TestDockerExpose(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("starting a private dockerd needs root")
	}
	before := hostNetwork(t)
	d, err := testutil.LaunchDocker()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	// thread-self: this goroutine's thread, never one that moved to the
	// daemon's namespace (the runtime keeps those to their goroutines).
	self, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if theirs, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", d.PID())); err != nil || theirs == self {
		t.Errorf("dockerd's network namespace = %q (%v), want one other than the test's %q", theirs, err, self)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "from the host")
	})}
	go srv.Serve(l)
	defer srv.Close()
	addr := l.Addr().String()

	tag := "cnb-lifecycle-test/testutil-expose:1"
	testutil.LoadImage(t, d, testutil.BusyboxImage(t), tag)
	// (busybox's wget crashes in this image; its nc speaks HTTP well enough)
	_, port, _ := net.SplitHostPort(addr)
	get := func() (string, error) {
		out, err := d.Command("run", "--rm", "--network", "host", tag, "/bin/busybox", "sh", "-c",
			`printf 'GET / HTTP/1.0\r\n\r\n' | /bin/busybox nc -w 5 127.0.0.1 `+port).CombinedOutput()
		return string(out), err
	}
	if out, err := get(); err == nil || !strings.Contains(out, "refused") {
		t.Errorf("a host-network container reached %s before Expose: %q, %v", addr, out, err)
	}
	if err := d.Expose(addr); err != nil {
		t.Fatal(err)
	}
	if err := d.Expose(addr); err != nil {
		t.Errorf("second Expose(%s) = %v", addr, err)
	}
	for i := 0; i < 2; i++ {
		if out, err := get(); err != nil || !strings.HasSuffix(out, "\r\n\r\nfrom the host") {
			t.Errorf("GET %s in a host-network container after Expose = %q, %v", addr, out, err)
		}
	}
	if err := d.Stop(); err != nil {
		t.Fatalf("Stop() = %v\n%s", err, d.Log())
	}
	if after := hostNetwork(t); after != before {
		t.Errorf("the host's network changed:\nbefore:\n%safter:\n%s", before, after)
	}
}

func hostNetwork(t *testing.T) string {
	t.Helper()
	s, err := testutil.HostNetwork()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
