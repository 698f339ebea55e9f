package docker

import (
	"context"
	"net"
	"net/url"
	"strings"

	"github.com/pkg/errors"
)

// DefaultHost is the daemon address New uses when neither its host argument
// nor DOCKER_HOST names one (CONFORMANCE TGT-3).
const DefaultHost = "unix:///var/run/docker.sock"

// The environment variables New reads, through its lookup function.
const (
	// EnvHost is the daemon address, as for the docker CLI.
	EnvHost = "DOCKER_HOST"
	// EnvTLSVerify and EnvTLS ask the docker CLI for TLS to a tcp:// host;
	// this client speaks plain HTTP only and refuses such a host.
	EnvTLSVerify = "DOCKER_TLS_VERIFY"
	EnvTLS       = "DOCKER_TLS"
)

// defaultTCPPort is the daemon's plain-HTTP port, used when a tcp:// host
// has none.
const defaultTCPPort = "2375"

// endpoint is where a daemon listens: network "unix" or "tcp", and the
// address to dial.
type endpoint struct {
	host    string // as given, normalised: unix:///path or tcp://host:port
	network string
	address string
}

// dial opens one connection to the endpoint.
func (e endpoint) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, e.network, e.address)
}

// parseHost resolves host ("" for $DOCKER_HOST, else DefaultHost) to an
// endpoint. Only unix:// and plain tcp:// are supported.
func parseHost(host string, lookup func(string) (string, bool)) (endpoint, error) {
	if host == "" {
		if v, ok := lookup(EnvHost); ok && v != "" {
			host = v
		} else {
			host = DefaultHost
		}
	}
	u, err := url.Parse(host)
	if err != nil {
		return endpoint{}, errors.Wrapf(err, "parsing docker host %q", host)
	}
	switch u.Scheme {
	case "unix":
		p := u.Path
		if u.Host != "" { // unix://relative/path
			p = u.Host + u.Path
		}
		if p == "" {
			return endpoint{}, errors.Errorf("docker host %q: no socket path", host)
		}
		return endpoint{host: "unix://" + p, network: "unix", address: p}, nil
	case "tcp":
		if u.Path != "" && u.Path != "/" {
			return endpoint{}, errors.Errorf("docker host %q: a path prefix is not supported", host)
		}
		for _, k := range []string{EnvTLSVerify, EnvTLS} {
			if v, ok := lookup(k); ok && v != "" {
				return endpoint{}, errors.Errorf("docker host %q: %s is set, but TLS connections to the daemon are not supported; use a unix socket or a plain tcp:// daemon", host, k)
			}
		}
		h, port := u.Hostname(), u.Port()
		if h == "" {
			return endpoint{}, errors.Errorf("docker host %q: no host name", host)
		}
		if port == "" {
			port = defaultTCPPort
		}
		addr := net.JoinHostPort(h, port)
		return endpoint{host: "tcp://" + addr, network: "tcp", address: addr}, nil
	default:
		scheme := u.Scheme
		if scheme == "" {
			scheme, _, _ = strings.Cut(host, ":")
		}
		return endpoint{}, errors.Errorf("docker host %q: scheme %q is not supported (only unix:// and tcp://)", host, scheme)
	}
}
