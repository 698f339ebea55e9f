package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// dockerdBinary is the Docker daemon of Debian's docker.io package.
const dockerdBinary = "dockerd"

// defaultDockerHost is where a system Docker daemon listens.
const defaultDockerHost = "unix:///var/run/docker.sock"

// How long a private dockerd may take to answer, and to exit once told to.
const (
	dockerReadyTimeout = 60 * time.Second
	dockerStopTimeout  = 20 * time.Second
)

// Docker is a Docker daemon for tests: one already running, or a private
// dockerd that StartDocker or LaunchDocker started.
type Docker struct {
	host string
	name string // of a private daemon's program, for messages: dockerd, podman

	// Set for a private daemon only.
	dir     string // holds data, exec root, pid file, socket and log
	logPath string
	proc    *process
	netns   *os.File // its network namespace (docker_netns.go)
	fwd     forwards // what Expose opened in it

	stopOnce sync.Once
	stopErr  error
}

// StartDocker returns a reachable daemon: the one at DOCKER_HOST (else
// unix:///var/run/docker.sock) if it answers GET /_ping, otherwise a
// private dockerd (LaunchDocker), which needs root. The caller calls Stop,
// which stops only a daemon StartDocker started; it is meant for TestMain.
func StartDocker() (*Docker, error) {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = defaultDockerHost
	}
	_, pingErr := pingDocker(host, 2*time.Second)
	if pingErr == nil {
		return &Docker{host: host}, nil
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("no docker daemon answers at %s (%v), and only root can start a private dockerd", host, pingErr)
	}
	d, err := LaunchDocker()
	if err != nil {
		return nil, fmt.Errorf("no docker daemon answers at %s (%v); starting a private one: %w", host, pingErr, err)
	}
	return d, nil
}

// LaunchDocker starts a private dockerd as root (Debian's docker.io,
// /usr/sbin/dockerd) with its own data root, exec root, pid file and unix
// socket under a new short temporary directory (a socket path is limited to
// 108 bytes), in a network namespace of its own (no interface of the
// host's changes; Expose lets it reach a server of the host's loopback),
// with no bridge, no iptables rules and no IP masquerading, and waits until
// it answers GET /_ping. Its managed containerd lives under the same
// directory and namespace. The caller must call Stop.
func LaunchDocker() (*Docker, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("starting %s needs root", dockerdBinary)
	}
	bin, err := exec.LookPath(dockerdBinary)
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/" + dockerdBinary); serr != nil {
			return nil, fmt.Errorf("%s is not installed: %s (Debian package docker.io)", dockerdBinary, missingHint)
		}
		bin = "/usr/sbin/" + dockerdBinary
	}
	return launchDaemon("dkr", dockerdBinary, func(dir, sock string) (*exec.Cmd, error) {
		return dockerdCommand(bin, dir, sock), nil
	})
}

// launchDaemon starts the daemon command makes for a new short temporary
// directory dir (prefix) and the socket sock in it, logging to a file
// there, in a network namespace of its own, and waits until it answers
// GET /_ping on sock. name is the daemon's name in messages.
func launchDaemon(prefix, name string, command func(dir, sock string) (*exec.Cmd, error)) (*Docker, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "d.sock")
	if len(sock) >= 104 {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("socket path %s is too long for a unix socket; set TMPDIR to a short directory", sock)
	}
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor

	cmd, err := command(dir, sock)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile

	netns, err := newNetns()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("making a network namespace for %s: %v", name, err)
	}
	d := &Docker{host: "unix://" + sock, name: name, dir: dir, logPath: logPath, netns: netns}
	if err := d.start(cmd); err != nil {
		netns.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %v", name, err)
	}
	if err := d.waitReady(); err != nil {
		_ = d.Stop()
		return nil, err
	}
	return d, nil
}

// start runs cmd as the daemon's process, in the daemon's network
// namespace.
func (d *Docker) start(cmd *exec.Cmd) error {
	p, err := startProcess(d.name, d.host, cmd, d.netns)
	if err != nil {
		return err
	}
	d.proc = p
	return nil
}

// dockerdCommand runs a private dockerd keeping everything under dir,
// listening on sock, changing nothing in the host's network.
func dockerdCommand(bin, dir, sock string) *exec.Cmd {
	ns := "cnbtest-" + filepath.Base(dir)
	cmd := exec.Command(bin,
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "x"),
		"--pidfile", filepath.Join(dir, "d.pid"),
		"-H", "unix://"+sock,
		"--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false",
		// Should dockerd find a system containerd, keep out of other
		// daemons' namespaces.
		"--containerd-namespace", ns, "--containerd-plugins-namespace", ns+"-plugins",
	)
	cmd.Dir = dir
	cmd.Env = dockerdEnv()
	// Its own process group, so Stop can kill whatever it left; it dies
	// with the test binary.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return cmd
}

// dockerdEnv is the test's environment less what would point the daemon
// elsewhere.
func dockerdEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCKER_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady waits until the private daemon answers GET /_ping.
func (d *Docker) waitReady() error {
	return d.proc.waitReady(dockerReadyTimeout, func() error {
		_, err := pingDocker(d.host, 2*time.Second)
		return err
	}, d.logTail)
}

// Host is the daemon's address as a DOCKER_HOST value, such as
// unix:///tmp/dkr123/d.sock.
func (d *Docker) Host() string { return d.host }

// Started says whether StartDocker or LaunchDocker started this daemon.
func (d *Docker) Started() bool { return d.proc != nil }

// PID is the process id of a daemon this package started, else 0.
func (d *Docker) PID() int {
	if d.proc == nil {
		return 0
	}
	return d.proc.pid()
}

// Log is what a daemon this package started has printed so far.
func (d *Docker) Log() string {
	if d.logPath == "" {
		return ""
	}
	data, err := os.ReadFile(d.logPath)
	if err != nil {
		return fmt.Sprintf("(reading the dockerd log: %v)", err)
	}
	return string(data)
}

// logTail is the end of the log, for error messages.
func (d *Docker) logTail() string {
	s := d.Log()
	if len(s) > 4096 {
		s = "...\n" + s[len(s)-4096:]
	}
	return s
}

// Command is the docker CLI (from PATH, /usr/local/bin or /usr/bin) with
// DOCKER_HOST set to the daemon.
func (d *Docker) Command(args ...string) *exec.Cmd {
	bin, err := exec.LookPath("docker")
	if err != nil {
		bin = "/usr/bin/docker"
		if _, err := os.Stat("/usr/local/bin/docker"); err == nil {
			bin = "/usr/local/bin/docker"
		}
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(dockerdEnv(), "DOCKER_HOST="+d.host)
	return cmd
}

// Stop stops the daemon if StartDocker or LaunchDocker started it: SIGTERM,
// then SIGKILL of its process group after a while, and of the containerd it
// managed if that outlived it; then it removes the daemon's directory.
// A daemon found running is left alone. Calling Stop again does nothing
// and returns the same error.
func (d *Docker) Stop() error {
	if d.proc == nil {
		return nil
	}
	d.stopOnce.Do(func() { d.stopErr = d.stop() })
	return d.stopErr
}

func (d *Docker) stop() error {
	pgid := d.proc.pid()
	containerd := d.containerdPID()
	err := d.proc.terminate(dockerStopTimeout, true, d.logTail)
	// Anything left in its group (it puts its managed containerd in a
	// session of its own, handled below).
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	if containerd > 0 && d.ownsProcess(containerd) {
		_ = syscall.Kill(containerd, syscall.SIGKILL)
		for i := 0; i < 100 && processAlive(containerd); i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if fwdErr := d.closeForwards(); err == nil && fwdErr != nil {
		err = fwdErr
	}
	unmountUnder(d.dir)
	if rmErr := os.RemoveAll(d.dir); err == nil && rmErr != nil {
		err = fmt.Errorf("removing %s: %v", d.dir, rmErr)
	}
	return err
}

// containerdPID is the pid of the containerd the private dockerd started,
// from the pid file it keeps in its exec root, else 0.
func (d *Docker) containerdPID() int {
	data, err := os.ReadFile(filepath.Join(d.dir, "x", "containerd", "containerd.pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return pid
}

// ownsProcess says whether process pid runs with the daemon's directory in
// its command line, so that a recycled pid is never killed.
func (d *Docker) ownsProcess(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && bytes.Contains(data, []byte(d.dir))
}

func processAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// A zombie (state Z) has exited.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// unmountUnder detaches what a killed dockerd left mounted under dir.
func unmountUnder(dir string) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			points = append(points, f[4])
		}
	}
	for i := len(points) - 1; i >= 0; i-- { // deepest last mounted first
		_ = syscall.Unmount(points[i], syscall.MNT_DETACH)
	}
}

// dockerClient is an HTTP client whose every request goes to the daemon
// at host (unix:// or tcp://).
func dockerClient(host string, timeout time.Duration) (*http.Client, error) {
	u, err := url.Parse(host)
	if err != nil {
		return nil, err
	}
	var network, addr string
	switch u.Scheme {
	case "unix":
		network, addr = "unix", u.Path
	case "tcp":
		network, addr = "tcp", u.Host
	default:
		return nil, fmt.Errorf("docker host %s: only unix:// and tcp:// are supported", host)
	}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}, nil
}

// pingDocker asks the daemon at host GET /_ping and returns its API
// version.
func pingDocker(host string, timeout time.Duration) (string, error) {
	c, err := dockerClient(host, timeout)
	if err != nil {
		return "", err
	}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://docker/_ping")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /_ping: %s", resp.Status)
	}
	return resp.Header.Get("Api-Version"), nil
}

// api sends a request to the daemon's API at the version it speaks.
func (d *Docker) api(method, path, contentType string, body io.Reader) (*http.Response, error) {
	version, err := pingDocker(d.host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c, err := dockerClient(d.host, 5*time.Minute)
	if err != nil {
		return nil, err
	}
	if version != "" {
		path = "/v" + version + path
	}
	req, err := http.NewRequest(method, "http://docker"+path, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		c.CloseIdleConnections()
		return nil, err
	}
	// Closing the body leaves the connection idle; nothing reuses it.
	resp.Body = closeIdle{resp.Body, c}
	return resp, nil
}

// closeIdle closes its client's idle connections with the body.
type closeIdle struct {
	io.ReadCloser
	c *http.Client
}

func (b closeIdle) Close() error {
	err := b.ReadCloser.Close()
	b.c.CloseIdleConnections()
	return err
}

// LoadImage loads img into the daemon under tag, for tests that need an
// image in the daemon, and returns its image ID. It goes through
// go-containerregistry's tarball writer (gzipped layers), independent of
// package image/docker, which it can check and which imports package
// image: that keeps image's own tests free to use testutil.
func LoadImage(t testing.TB, d *Docker, img v1.Image, tag string) string {
	t.Helper()
	id, err := d.load(img, tag)
	if err != nil {
		t.Fatalf("testutil: loading %s into docker at %s: %v", tag, d.host, err)
	}
	return id
}

func (d *Docker) load(img v1.Image, tag string) (string, error) {
	ref, err := name.NewTag(tag, name.WeakValidation)
	if err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarball.Write(ref, img, pw)) }()
	resp, err := d.api(http.MethodPost, "/images/load?quiet=1", "application/x-tar", pr)
	pr.Close()
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("POST /images/load: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		var msg struct{ Error string }
		if err := dec.Decode(&msg); err == io.EOF {
			break
		} else if err != nil {
			return "", fmt.Errorf("POST /images/load: %v: %s", err, body)
		}
		if msg.Error != "" {
			return "", fmt.Errorf("POST /images/load: %s", msg.Error)
		}
	}
	return d.ImageID(tag)
}

// ImageID is the image ID of ref in the daemon (GET /images/{ref}/json).
func (d *Docker) ImageID(ref string) (string, error) {
	resp, err := d.api(http.MethodGet, "/images/"+ref+"/json", "", nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var in struct {
		ID      string `json:"Id"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil {
		return "", fmt.Errorf("GET /images/%s/json: %s: %v", ref, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /images/%s/json: %s: %s", ref, resp.Status, in.Message)
	}
	return in.ID, nil
}
