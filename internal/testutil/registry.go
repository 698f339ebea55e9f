package testutil

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// registryBinary is the CNCF distribution server of Debian's docker-registry
// package.
const registryBinary = "docker-registry"

// missingHint tells how to get the programs the fixtures run.
const missingHint = "run scripts/test-setup.sh (make setup) to install it"

// How long a registry may take to answer, and to exit once told to.
const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
)

// Registry is a docker-registry process serving plain HTTP on a free port
// of 127.0.0.1, without authentication, storing into a directory of its own
// and accepting deletes.
type Registry struct {
	host    string
	dir     string
	tempDir bool // dir was made by LaunchRegistry and goes with Stop
	logPath string

	proc *process

	stopOnce sync.Once
	stopErr  error
}

// StartRegistry starts a registry for the test and stops it when the test
// ends. It fails the test if docker-registry is not installed.
func StartRegistry(t testing.TB) *Registry {
	t.Helper()
	if _, err := exec.LookPath(registryBinary); err != nil {
		t.Fatalf("testutil: %s is not on PATH: %s (Debian package docker-registry)", registryBinary, missingHint)
	}
	r, err := LaunchRegistry(t.TempDir())
	if err != nil {
		t.Fatalf("testutil: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("testutil: %v", err)
		}
	})
	return r
}

// LaunchRegistry starts a registry keeping its configuration, storage and
// log in dir ("" for a new temporary directory, removed by Stop), and waits
// until it answers GET /v2/. The caller must call Stop; it is meant for
// TestMain, tests use StartRegistry.
func LaunchRegistry(dir string) (*Registry, error) {
	return launchRegistry(dir, "")
}

// LaunchRegistryAt is LaunchRegistry listening on the given host:port, for
// tests that need a registry name without a port (host "127.0.0.1:80" gives
// image names "127.0.0.1/..."): pack cannot export a layout for a name with
// a port.
func LaunchRegistryAt(dir, host string) (*Registry, error) {
	return launchRegistry(dir, host)
}

func launchRegistry(dir, fixedHost string) (*Registry, error) {
	bin, err := exec.LookPath(registryBinary)
	if err != nil {
		return nil, fmt.Errorf("%s is not on PATH: %s (Debian package docker-registry)", registryBinary, missingHint)
	}
	temp := false
	if dir == "" {
		if dir, err = os.MkdirTemp("", "cnb-registry-"); err != nil {
			return nil, err
		}
		temp = true
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// Another process may take the free port between our look and the
	// registry's listen: try a few ports.
	for attempt := 1; ; attempt++ {
		r, err := launch(bin, dir, attempt, fixedHost)
		if err == nil {
			r.tempDir = temp
			return r, nil
		}
		if attempt == 3 || fixedHost != "" || !errors.Is(err, errPortTaken) {
			if temp {
				os.RemoveAll(dir)
			}
			return nil, err
		}
	}
}

var errPortTaken = errors.New("port taken")

func launch(bin, dir string, attempt int, host string) (*Registry, error) {
	if host == "" {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}
	storage := filepath.Join(dir, "storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return nil, err
	}
	config := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(config, []byte(registryConfig(host, storage)), 0o644); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, fmt.Sprintf("registry-%d.log", attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor

	cmd := exec.Command(bin, "serve", config)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = registryEnv()
	// Should the test binary die without stopping it, the registry goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	proc, err := startProcess(registryBinary, host, cmd, nil)
	if err != nil {
		return nil, err
	}
	r := &Registry{host: host, dir: dir, logPath: logPath, proc: proc}
	if err := r.waitReady(); err != nil {
		_ = r.Stop()
		if strings.Contains(r.Log(), "address already in use") {
			return nil, fmt.Errorf("%w: %v", errPortTaken, err)
		}
		return nil, err
	}
	return r, nil
}

// registryConfig is the registry's configuration: plain HTTP on host, a
// filesystem store at storage, deletes enabled, no authentication.
func registryConfig(host, storage string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %q
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %q
  secret: cnb-lifecycle-tests
`, storage, host)
}

// registryEnv is the test's environment less the REGISTRY_* variables,
// which would override the configuration file.
func registryEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") {
			env = append(env, kv)
		}
	}
	return env
}

// freePort is a TCP port of 127.0.0.1 nobody listened on a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady waits until the registry answers GET /v2/.
func (r *Registry) waitReady() error {
	client := &http.Client{Timeout: 2 * time.Second}
	return r.proc.waitReady(readyTimeout, func() error {
		resp, err := client.Get("http://" + r.host + "/v2/")
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("GET /v2/: %s", resp.Status)
		}
		return nil
	}, r.Log)
}

// Host is the registry's "127.0.0.1:PORT".
func (r *Registry) Host() string { return r.host }

// Ref is the reference of repo in the registry, "127.0.0.1:PORT/repo"; repo
// may carry a ":tag" or "@digest".
func (r *Registry) Ref(repo string) string { return r.host + "/" + strings.TrimPrefix(repo, "/") }

// Dir is the directory holding the registry's configuration, storage and
// log.
func (r *Registry) Dir() string { return r.dir }

// PID is the registry's process id.
func (r *Registry) PID() int { return r.proc.pid() }

// Log is what the registry has printed so far.
func (r *Registry) Log() string {
	data, err := os.ReadFile(r.logPath)
	if err != nil {
		return fmt.Sprintf("(reading the registry log: %v)", err)
	}
	return string(data)
}

// Stop terminates the registry (SIGTERM, SIGKILL after a while), waits for
// it to exit and removes the directory LaunchRegistry made. Calling it again
// does nothing and returns the same error. It reports a registry that had
// died on its own.
func (r *Registry) Stop() error {
	r.stopOnce.Do(func() { r.stopErr = r.stop() })
	return r.stopErr
}

func (r *Registry) stop() error {
	err := r.proc.terminate(stopTimeout, false, r.Log)
	if r.tempDir {
		if rmErr := os.RemoveAll(r.dir); err == nil {
			err = rmErr
		}
	}
	return err
}

// InProcessRegistry serves an in-memory registry (go-containerregistry's
// pkg/registry) over plain HTTP on 127.0.0.1 until the test ends, and
// returns its "127.0.0.1:PORT". It is for unit tests; acceptance tests use
// StartRegistry.
func InProcessRegistry(t testing.TB) (host string) {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}
