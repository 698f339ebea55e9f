package testutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// A private dockerd runs in a network namespace of its own: a dockerd
// started with --bridge=none deletes any docker0 interface of its
// namespace, and a daemon in the host's would delete the bridge of the
// machine's own Docker (issue 13, item 6). The namespace has only a
// loopback interface, brought up; containers on its "host" network share
// it. Tests give the daemon and its host-network containers a test server
// of the host's 127.0.0.1 (a registry, say) with Expose.

// newNetns makes a network namespace with its loopback interface up and
// returns a descriptor that keeps it alive until closed. Nothing of the
// calling process changes: the work happens on an OS thread of its own,
// which the Go runtime discards afterwards (it exits locked).
func newNetns() (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread leaves the host's namespace
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("unshare(CLONE_NEWNET): %w", err)}
			return
		}
		if err := loopbackUp(); err != nil {
			ch <- result{err: err}
			return
		}
		f, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		ch <- result{f, err}
	}()
	r := <-ch
	return r.f, r.err
}

// loopbackUp sets the current thread's namespace's "lo" up.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("reading the flags of lo: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("setting lo up: %w", err)
	}
	return nil
}

// enterNetns moves the calling OS thread, which must be locked for good,
// into the namespace of ns.
func enterNetns(ns *os.File) error {
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns: %w", err)
	}
	return nil
}

// listenIn listens on addr inside the namespace of ns.
func listenIn(ns *os.File, addr string) (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread leaves the host's namespace
		if err := enterNetns(ns); err != nil {
			ch <- result{err: err}
			return
		}
		l, err := net.Listen("tcp", addr)
		ch <- result{l, err}
	}()
	r := <-ch
	return r.l, r.err
}

// forwards are the listeners Expose opened in a private daemon's
// namespace.
type forwards struct {
	mu sync.Mutex
	ls map[string]net.Listener
	wg sync.WaitGroup
}

// Expose makes the TCP server at addr of the host's network (such as a
// test registry's "127.0.0.1:PORT") reachable at the same address from a
// private daemon, for its pulls and pushes, and from its containers on the
// "host" network: a listener in the daemon's namespace forwards every
// connection to addr. A daemon found running shares the host's network and
// needs nothing. Exposing an address again does nothing.
func (d *Docker) Expose(addr string) error {
	if d.netns == nil {
		return nil
	}
	d.fwd.mu.Lock()
	defer d.fwd.mu.Unlock()
	if _, ok := d.fwd.ls[addr]; ok {
		return nil
	}
	l, err := listenIn(d.netns, addr)
	if err != nil {
		return fmt.Errorf("exposing %s to the private dockerd on %s: %w", addr, d.host, err)
	}
	if d.fwd.ls == nil {
		d.fwd.ls = map[string]net.Listener{}
	}
	d.fwd.ls[addr] = l
	d.fwd.wg.Add(1)
	go func() {
		defer d.fwd.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return // closed by closeForwards
			}
			go forward(c, addr)
		}
	}()
	return nil
}

// forward copies between c and a new connection to addr (dialled from a
// thread of the host's namespace) until both directions end.
func forward(c net.Conn, addr string) {
	defer c.Close()
	up, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

// closeForwards closes every listener Expose opened, then the namespace's
// descriptor.
func (d *Docker) closeForwards() error {
	d.fwd.mu.Lock()
	for _, l := range d.fwd.ls {
		_ = l.Close()
	}
	d.fwd.ls = nil
	d.fwd.mu.Unlock()
	d.fwd.wg.Wait()
	if d.netns == nil {
		return nil
	}
	err := d.netns.Close()
	if errors.Is(err, os.ErrClosed) {
		err = nil
	}
	return err
}

// HostNetwork describes the network of the calling process's namespace as
// text, one line per interface (name, flags, MTU, hardware and IP
// addresses), followed, when a Docker daemon answers at
// unix:///var/run/docker.sock, by one line per network of that daemon's.
// Tests compare it before and after to prove they changed neither.
func HostNetwork() (string, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, ifc := range ifaces {
		addrs, err := ifc.Addrs()
		if err != nil {
			return "", fmt.Errorf("addresses of %s: %w", ifc.Name, err)
		}
		fmt.Fprintf(&b, "interface %s flags=%s mtu=%d hw=%s addrs=%v\n", ifc.Name, ifc.Flags, ifc.MTU, ifc.HardwareAddr, addrs)
	}
	if _, err := pingDocker(defaultDockerHost, 2*time.Second); err == nil {
		nets, err := dockerNetworks(defaultDockerHost)
		if err != nil {
			return "", fmt.Errorf("networks of the daemon at %s: %w", defaultDockerHost, err)
		}
		for _, n := range nets {
			fmt.Fprintf(&b, "docker network %s\n", n)
		}
	}
	return b.String(), nil
}

// dockerNetworks lists the networks of the daemon at host as
// "ID name driver", sorted.
func dockerNetworks(host string) ([]string, error) {
	resp, err := (&Docker{host: host}).api(http.MethodGet, "/networks", "", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /networks: %s", resp.Status)
	}
	var nets []struct{ ID, Name, Driver string }
	if err := json.NewDecoder(resp.Body).Decode(&nets); err != nil {
		return nil, fmt.Errorf("GET /networks: %w", err)
	}
	var out []string
	for _, n := range nets {
		out = append(out, n.ID+" "+n.Name+" "+n.Driver)
	}
	sort.Strings(out)
	return out, nil
}
