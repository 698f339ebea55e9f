package docker

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pkg/errors"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseHost(t *testing.T) {
	for _, tc := range []struct {
		name, host string
		env        map[string]string
		want       endpoint
		wantErr    string
	}{
		{name: "default", want: endpoint{"unix:///var/run/docker.sock", "unix", "/var/run/docker.sock"}},
		{name: "DOCKER_HOST", env: map[string]string{EnvHost: "unix:///tmp/d.sock"}, want: endpoint{"unix:///tmp/d.sock", "unix", "/tmp/d.sock"}},
		{name: "argument over DOCKER_HOST", host: "tcp://127.0.0.1:2375", env: map[string]string{EnvHost: "unix:///tmp/d.sock"}, want: endpoint{"tcp://127.0.0.1:2375", "tcp", "127.0.0.1:2375"}},
		{name: "tcp default port", host: "tcp://docker.example", want: endpoint{"tcp://docker.example:2375", "tcp", "docker.example:2375"}},
		{name: "tcp ipv6", host: "tcp://[::1]:2376", want: endpoint{"tcp://[::1]:2376", "tcp", "[::1]:2376"}},
		{name: "tls verify", host: "tcp://127.0.0.1:2376", env: map[string]string{EnvTLSVerify: "1"}, wantErr: "DOCKER_TLS_VERIFY is set"},
		{name: "tls ignored for unix", host: "unix:///d.sock", env: map[string]string{EnvTLSVerify: "1"}, want: endpoint{"unix:///d.sock", "unix", "/d.sock"}},
		{name: "ssh", host: "ssh://me@host", wantErr: `scheme "ssh" is not supported`},
		{name: "npipe", host: "npipe:////./pipe/docker_engine", wantErr: `scheme "npipe"`},
		{name: "no socket path", host: "unix://", wantErr: "no socket path"},
		{name: "tcp path", host: "tcp://h:1/prefix", wantErr: "path prefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseHost(tc.host, env(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseHost(%q) = %v, %v, want error containing %q", tc.host, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseHost(%q) = %+v, %v, want %+v", tc.host, got, err, tc.want)
			}
		})
	}
}

// TestNewNegotiates checks TGT-3's API version negotiation against the
// real daemon: the version used is at most the daemon's.
func TestNewNegotiates(t *testing.T) {
	ctx := testContext(t)
	c := newClient(t)
	if c.Host() != daemon.Host() {
		t.Errorf("Host() = %q, want %q", c.Host(), daemon.Host())
	}
	resp, err := c.send(ctx, http.MethodGet, "/_ping", nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	server := resp.Header.Get("Api-Version")
	drain(resp)
	sv, err := parseVersion(server)
	if err != nil {
		t.Fatalf("daemon's Api-Version %q: %v", server, err)
	}
	got, err := parseVersion(c.APIVersion())
	if err != nil {
		t.Fatal(err)
	}
	maxV, _ := parseVersion(maxAPIVersion)
	minV, _ := parseVersion(minAPIVersion)
	if sv.less(got) || maxV.less(got) || got.less(minV) {
		t.Errorf("APIVersion() = %s, want min(daemon's %s, %s) and at least %s", got, sv, maxV, minV)
	}
	want := sv
	if maxV.less(sv) {
		want = maxV
	}
	if got != want {
		t.Errorf("APIVersion() = %s, want %s", got, want)
	}
	// A versioned request works at that version.
	var v struct {
		APIVersion string `json:"ApiVersion"`
	}
	if err := c.getJSON(ctx, "/version", &v); err != nil {
		t.Fatal(err)
	}
}

// fakeDaemon serves handler on a unix socket, for daemons that are not
// installed here (too old, too new, without Api-Version).
func fakeDaemon(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(handler)
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return "unix://" + sock
}

func TestNewNegotiatesWithOtherVersions(t *testing.T) {
	for _, tc := range []struct {
		name        string
		ping        string // Api-Version of /_ping, "" for none
		version     string // ApiVersion of /version
		want        string
		wantErr     string
		wantVersion bool // GET /version was asked
	}{
		{name: "newer daemon", ping: "1.52", want: maxAPIVersion},
		{name: "older daemon", ping: "1.30", want: "1.30"},
		{name: "too old", ping: "1.23", wantErr: "older than 1.24"},
		{name: "no header", version: "1.40", want: "1.40", wantVersion: true},
		{name: "garbage", ping: "x", wantErr: `invalid Engine API version "x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var paths []string
			host := fakeDaemon(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				paths = append(paths, r.URL.Path)
				mu.Unlock()
				switch r.URL.Path {
				case "/_ping":
					if tc.ping != "" {
						w.Header().Set("Api-Version", tc.ping)
					}
					_, _ = w.Write([]byte("OK"))
				case "/version":
					_, _ = w.Write([]byte(`{"ApiVersion":"` + tc.version + `"}`))
				default:
					http.NotFound(w, r)
				}
			})
			c, err := New(testContext(t), host)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), host) {
					t.Fatalf("New(%s) = %v, want an error naming the host and containing %q", host, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.APIVersion() != tc.want {
				t.Errorf("APIVersion() = %s, want %s", c.APIVersion(), tc.want)
			}
			asked := strings.Contains(strings.Join(paths, " "), "/version")
			if asked != tc.wantVersion {
				t.Errorf("requests %v: GET /version asked = %v, want %v", paths, asked, tc.wantVersion)
			}
		})
	}
}

func TestNewUnreachable(t *testing.T) {
	host := "unix://" + filepath.Join(t.TempDir(), "nobody.sock")
	_, err := New(testContext(t), host)
	if err == nil || !strings.Contains(err.Error(), host) {
		t.Fatalf("New(%s) = %v, want an error naming the host", host, err)
	}
}

func TestNewReadsDockerHost(t *testing.T) {
	c, err := New(testContext(t), "", WithLookupEnv(env(map[string]string{EnvHost: daemon.Host()})))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Host() != daemon.Host() {
		t.Errorf("Host() = %q, want DOCKER_HOST %q", c.Host(), daemon.Host())
	}
}

// TestPredial checks TGT-4: connections opened by Predial serve later
// requests when no new connection can be made.
func TestPredial(t *testing.T) {
	ctx := testContext(t)
	c := newClient(t)
	// Forget the negotiation's connection: only pre-dialled ones remain.
	c.transport.CloseIdleConnections()
	if err := c.Predial(ctx, 2); err != nil {
		t.Fatal(err)
	}
	errDenied := errors.New("permission denied (test)")
	c.dialer.setDial(func(context.Context) (net.Conn, error) { return nil, errDenied })

	for i := 0; i < 5; i++ { // sequential requests reuse one connection
		if _, _, err := c.Image(ctx, "sha256:0000000000000000000000000000000000000000000000000000000000000000"); err == nil || strings.Contains(err.Error(), "permission denied") {
			t.Fatalf("request %d after Predial: %v, want a not-found answer", i, err)
		}
	}
	// A stream of events holds one connection while /info takes the other.
	events, err := c.do(ctx, http.MethodGet, "/events", nil, nil, "")
	if err != nil {
		t.Fatalf("GET /events after Predial(2): %v", err)
	}
	defer events.Body.Close()
	var info struct{ ID string }
	if err := c.getJSON(ctx, "/info", &info); err != nil {
		t.Errorf("GET /info while GET /events runs, after Predial(2): %v", err)
	}
	// Both busy: a third request must dial, and cannot.
	events2, err := c.do(ctx, http.MethodGet, "/events", nil, nil, "")
	if err != nil {
		t.Fatalf("second GET /events after Predial(2): %v", err)
	}
	defer events2.Body.Close()
	if err := c.getJSON(ctx, "/info", &info); !errors.Is(err, errDenied) {
		t.Errorf("a third concurrent request = %v, want the dial error", err)
	}
	events.Body.Close()
	events2.Body.Close()
	// Without pooled connections the client must dial, and cannot.
	c.transport.CloseIdleConnections()
	if _, _, err := c.Image(ctx, "busybox"); !errors.Is(err, errDenied) {
		t.Errorf("request with no connection left = %v, want the dial error", err)
	}
}
