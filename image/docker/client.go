package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/errors"
)

// The Engine API versions this client speaks. It uses min(daemon's version,
// maxAPIVersion). Every endpoint it calls (_ping, images/{name}/json, /get,
// /tag, DELETE images, images/load, info) has the shape it reads since 1.24;
// the changes up to 1.45 (VirtualSize, Container and ContainerConfig left
// out of image inspect) touch no field it reads. 1.45 is above the minimum
// of Docker 29 (1.44), which refuses 1.41.
const (
	minAPIVersion = "1.24"
	maxAPIVersion = "1.45"
)

// maxErrorBody bounds how much of an error answer is read for its message.
const maxErrorBody = 64 << 10

// Client talks to one Docker daemon over its HTTP API. It is safe for
// concurrent use. Close frees its connections and the temporary files of
// the images it saved.
type Client struct {
	endpoint  endpoint
	version   string // negotiated API version, "1.41"
	dialer    *dialer
	transport *http.Transport
	http      *http.Client

	storeMu    sync.Mutex
	storeKnown bool // fullLoads is known
	fullLoads  bool // the daemon's load needs every layer (see reusesLayers)

	saves *saveSet

	onEntry func(name string) // tests: called for each archive member Write sends
}

// Option changes how New connects.
type Option func(*options)

type options struct {
	lookup func(string) (string, bool)
}

// WithLookupEnv sets where New reads DOCKER_HOST, DOCKER_TLS_VERIFY and
// DOCKER_TLS; the default is os.LookupEnv.
func WithLookupEnv(lookup func(string) (string, bool)) Option {
	return func(o *options) { o.lookup = lookup }
}

// New connects to host: "" means $DOCKER_HOST if set, else DefaultHost.
// It supports unix:// and plain-HTTP tcp:// hosts, and refuses a tcp://
// host when DOCKER_TLS_VERIFY or DOCKER_TLS asks for TLS. It negotiates the
// API version (CONFORMANCE TGT-3): it asks the daemon (GET /_ping, else
// GET /version) and uses the lower of the daemon's version and the highest
// this client is written for; a daemon below 1.24 is refused. An
// unreachable daemon is an error naming the host.
func New(ctx context.Context, host string, opts ...Option) (*Client, error) {
	o := options{lookup: os.LookupEnv}
	for _, opt := range opts {
		opt(&o)
	}
	ep, err := parseHost(host, o.lookup)
	if err != nil {
		return nil, err
	}
	d := &dialer{dial: ep.dial}
	t := &http.Transport{
		Proxy:              nil, // the daemon is never reached through an HTTP proxy
		DialContext:        d.DialContext,
		DisableCompression: true,
		// Keep every idle connection: after a privilege drop they may be
		// the only ones the client can get (TGT-4).
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 1 << 10,
		IdleConnTimeout:     0,
	}
	c := &Client{
		endpoint:  ep,
		dialer:    d,
		transport: t,
		http:      &http.Client{Transport: t},
		saves:     newSaveSet(),
	}
	if err := c.negotiate(ctx); err != nil {
		t.CloseIdleConnections()
		return nil, err
	}
	return c, nil
}

// Host is the daemon address in use, unix:///path or tcp://host:port.
func (c *Client) Host() string { return c.endpoint.host }

// APIVersion is the negotiated Engine API version, such as "1.41".
func (c *Client) APIVersion() string { return c.version }

// Predial opens n connections now and keeps them for later requests: the
// lifecycle calls it as root before dropping privileges, when a socket
// owned by root:docker 0660 would no longer accept a new connection
// (CONFORMANCE TGT-4). Requests take pre-dialled connections before they
// dial; a connection a request has used goes back to the client's idle pool
// and is reused. Once they are used up or closed by the daemon, the client
// dials normally. If a dial fails, the connections opened so far are kept.
func (c *Client) Predial(ctx context.Context, n int) error {
	for i := 0; i < n; i++ {
		conn, err := c.dialer.dialNew(ctx)
		if err != nil {
			return errors.Wrapf(err, "connecting to docker daemon at %s", c.endpoint.host)
		}
		c.dialer.keep(conn)
	}
	return nil
}

// Close closes the client's idle and pre-dialled connections and the
// temporary files holding images it saved: the layers of images read from
// this client cannot be read after Close. Requests under way are not
// interrupted.
func (c *Client) Close() error {
	c.dialer.closeAll()
	c.transport.CloseIdleConnections()
	return c.saves.closeAll()
}

// dialer hands out pre-dialled connections before it dials new ones.
type dialer struct {
	mu    sync.Mutex
	ready []net.Conn
	dial  func(ctx context.Context) (net.Conn, error)
}

// DialContext is the transport's dial function; network and address are
// the transport's idea of the URL's host and are ignored.
func (d *dialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	d.mu.Lock()
	if len(d.ready) > 0 {
		conn := d.ready[0]
		d.ready = d.ready[1:]
		d.mu.Unlock()
		return conn, nil
	}
	d.mu.Unlock()
	return d.dialNew(ctx)
}

func (d *dialer) dialNew(ctx context.Context) (net.Conn, error) {
	d.mu.Lock()
	dial := d.dial
	d.mu.Unlock()
	return dial(ctx)
}

func (d *dialer) keep(conn net.Conn) {
	d.mu.Lock()
	d.ready = append(d.ready, conn)
	d.mu.Unlock()
}

func (d *dialer) setDial(dial func(ctx context.Context) (net.Conn, error)) {
	d.mu.Lock()
	d.dial = dial
	d.mu.Unlock()
}

func (d *dialer) closeAll() {
	d.mu.Lock()
	ready := d.ready
	d.ready = nil
	d.mu.Unlock()
	for _, conn := range ready {
		_ = conn.Close()
	}
}

// negotiate sets c.version from the daemon's API version (TGT-3).
func (c *Client) negotiate(ctx context.Context) error {
	server, err := c.serverVersion(ctx)
	if err != nil {
		return errors.Wrapf(err, "connecting to docker daemon at %s", c.endpoint.host)
	}
	sv, err := parseVersion(server)
	if err != nil {
		return errors.Wrapf(err, "docker daemon at %s", c.endpoint.host)
	}
	minV, _ := parseVersion(minAPIVersion)
	maxV, _ := parseVersion(maxAPIVersion)
	switch {
	case sv.less(minV):
		return errors.Errorf("docker daemon at %s speaks Engine API %s, older than %s, the oldest this lifecycle supports", c.endpoint.host, server, minAPIVersion)
	case maxV.less(sv):
		c.version = maxAPIVersion
	default:
		c.version = sv.String()
	}
	return nil
}

// serverVersion asks the daemon for its API version: the Api-Version header
// of GET /_ping, else ApiVersion of GET /version.
func (c *Client) serverVersion(ctx context.Context) (string, error) {
	resp, err := c.send(ctx, http.MethodGet, "/_ping", nil, nil, "")
	if err == nil {
		v := resp.Header.Get("Api-Version")
		drain(resp)
		if v != "" {
			return v, nil
		}
	} else if !isStatus(err) {
		return "", err
	}
	resp, err = c.send(ctx, http.MethodGet, "/version", nil, nil, "")
	if err != nil {
		return "", err
	}
	defer drain(resp)
	var v struct {
		APIVersion string `json:"ApiVersion"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return "", errors.Wrap(err, "decoding GET /version")
	}
	if v.APIVersion == "" {
		return "", errors.New("the daemon reports no API version")
	}
	return v.APIVersion, nil
}

// apiVersion is a major.minor Engine API version.
type apiVersion struct{ major, minor int }

func parseVersion(s string) (apiVersion, error) {
	maj, min, ok := strings.Cut(s, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 {
		return apiVersion{}, errors.Errorf("invalid Engine API version %q", s)
	}
	return apiVersion{a, b}, nil
}

func (v apiVersion) less(w apiVersion) bool {
	return v.major < w.major || v.major == w.major && v.minor < w.minor
}

func (v apiVersion) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

// statusError is a daemon's answer with an error status.
type statusError struct {
	Method, Path string
	Code         int
	Message      string // the body's "message", or its text
}

func (e *statusError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Code)
	}
	return fmt.Sprintf("%s %s: %d: %s", e.Method, e.Path, e.Code, msg)
}

func isStatus(err error) bool {
	var se *statusError
	return errors.As(err, &se)
}

func isNotFound(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.Code == http.StatusNotFound
}

// do sends a request to the versioned API path (/v<version><path>) and
// returns the response of a 2xx status; other statuses are *statusError.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string) (*http.Response, error) {
	return c.send(ctx, method, "/v"+c.version+path, query, body, contentType)
}

func (c *Client) send(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string) (*http.Response, error) {
	u := &url.URL{Scheme: "http", Host: "docker", Path: path, RawQuery: query.Encode()}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, errors.Wrapf(err, "%s %s", method, path)
	}
	req.Header.Set("User-Agent", "cnb-lifecycle")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer drain(resp)
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	se := &statusError{Method: method, Path: path, Code: resp.StatusCode}
	var m struct{ Message string }
	if json.Unmarshal(data, &m) == nil && m.Message != "" {
		se.Message = m.Message
	} else {
		se.Message = strings.TrimSpace(string(data))
	}
	return nil, se
}

// drain reads what is left of a response (so its connection can be
// reused) and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
}

// getJSON decodes the answer of GET path into v.
func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	resp, err := c.do(ctx, http.MethodGet, path, nil, nil, "")
	if err != nil {
		return err
	}
	defer drain(resp)
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return errors.Wrapf(err, "decoding GET %s", path)
	}
	return nil
}

// reusesLayers says whether the daemon's docker load skips a layer whose
// chain it already has. The Docker engine's classic image store does (it
// only opens a layer file when the chain ID is missing from its layer
// store); its containerd image store (driver-type
// io.containerd.snapshotter.v1, the default of fresh Docker 29 installs)
// imports every blob the manifest names, and podman's Docker-compatible
// API refuses an archive without every layer ("Some layer tarfiles are
// missing in the tarball"): Write sends all layers to those. The engine is
// known from GET /version (a component named "Podman Engine"), the store
// from GET /info; the answer is kept once known. If either request fails,
// this write sends all layers.
func (c *Client) reusesLayers(ctx context.Context) bool {
	c.storeMu.Lock()
	defer c.storeMu.Unlock()
	if !c.storeKnown {
		var version struct{ Components []struct{ Name string } }
		if err := c.getJSON(ctx, "/version", &version); err != nil {
			return false
		}
		var info struct{ DriverStatus [][2]string }
		if err := c.getJSON(ctx, "/info", &info); err != nil {
			return false
		}
		c.storeKnown = true
		for _, comp := range version.Components {
			if strings.Contains(strings.ToLower(comp.Name), "podman") {
				c.fullLoads = true
			}
		}
		for _, kv := range info.DriverStatus {
			if kv[0] == "driver-type" && strings.HasPrefix(kv[1], "io.containerd.snapshotter") {
				c.fullLoads = true
			}
		}
	}
	return !c.fullLoads
}

// refusedPartialLoad records that the daemon refused an archive without
// the layers it has, so that later writes send every layer.
func (c *Client) refusedPartialLoad() {
	c.storeMu.Lock()
	c.storeKnown, c.fullLoads = true, true
	c.storeMu.Unlock()
}
