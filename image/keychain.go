package image

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/pkg/errors"
)

// EnvRegistryAuth is the platform's registry credentials variable (AUTH-1).
const EnvRegistryAuth = "CNB_REGISTRY_AUTH"

// NewKeychain returns the lifecycle's keychain: CNB_REGISTRY_AUTH first, then
// the docker config ($DOCKER_CONFIG or ~/.docker/config.json, with
// credential helpers), else anonymous (CONFORMANCE AUTH-1..3). Invalid
// CNB_REGISTRY_AUTH is an error.
func NewKeychain(lookup func(string) (string, bool)) (authn.Keychain, error) {
	env, err := parseRegistryAuth(lookup)
	if err != nil {
		return nil, err
	}
	return authn.NewMultiKeychain(env, authn.DefaultKeychain), nil
}

// envKeychain serves the Authorization headers of CNB_REGISTRY_AUTH, by
// registry host.
type envKeychain map[string]authn.Authenticator

var _ authn.Keychain = envKeychain(nil)

// Resolve implements authn.Keychain; an unknown registry is anonymous so
// that the next keychain is asked.
func (k envKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if a, ok := k[r.RegistryStr()]; ok {
		return a, nil
	}
	return authn.Anonymous, nil
}

func parseRegistryAuth(lookup func(string) (string, bool)) (envKeychain, error) {
	raw, ok := lookup(EnvRegistryAuth)
	if !ok || strings.TrimSpace(raw) == "" {
		return envKeychain{}, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, errors.Wrapf(err, "%s is not a JSON object of registry to Authorization header", EnvRegistryAuth)
	}
	k := envKeychain{}
	for reg, header := range m {
		host := registryHost(reg)
		a, err := authenticator(header)
		if err != nil {
			return nil, errors.Wrapf(err, "%s: registry %s", EnvRegistryAuth, reg)
		}
		k[host] = a
	}
	return k, nil
}

// registryHost strips a scheme and a path: "https://r.io/v2/" is "r.io".
func registryHost(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	host, _, _ := strings.Cut(s, "/")
	if reg, err := name.NewRegistry(host); err == nil {
		return reg.RegistryStr()
	}
	return host
}

// authenticator reads an Authorization header value: Basic, Bearer or
// X-Identity (AUTH-1), case-insensitive scheme.
func authenticator(header string) (authn.Authenticator, error) {
	scheme, value, ok := strings.Cut(strings.TrimSpace(header), " ")
	value = strings.TrimSpace(value)
	if !ok || value == "" {
		return nil, errors.Errorf("authorization %q: want \"Basic <base64>\", \"Bearer <token>\" or \"X-Identity <token>\"", redact(header))
	}
	switch strings.ToLower(scheme) {
	case "basic":
		return authn.FromConfig(authn.AuthConfig{Auth: value}), nil
	case "bearer":
		return authn.FromConfig(authn.AuthConfig{RegistryToken: value}), nil
	case "x-identity":
		return authn.FromConfig(authn.AuthConfig{IdentityToken: value}), nil
	}
	return nil, errors.Errorf("authorization %q: unknown scheme, want Basic, Bearer or X-Identity", redact(header))
}

// redact shows no more of a header than its scheme, and that only when it
// is one of the known words: a header without a scheme may be nothing but
// the secret (issue 8 §6).
func redact(header string) string {
	scheme, _, _ := strings.Cut(strings.TrimSpace(header), " ")
	switch strings.ToLower(scheme) {
	case "basic", "bearer", "x-identity":
		return scheme + " ..."
	}
	return "<redacted>"
}

// Resolved answers from credentials looked up once, for the registries of
// refs, through kc: the files behind kc may be readable only before
// privileges are dropped (CONFORMANCE AUTH-4). Other registries are
// anonymous.
func Resolved(ctx context.Context, kc authn.Keychain, refs ...name.Reference) (authn.Keychain, error) {
	r := &resolved{byRegistry: map[string]authn.Authenticator{}}
	for _, ref := range refs {
		reg := ref.Context().Registry
		if _, done := r.byRegistry[reg.RegistryStr()]; done {
			continue
		}
		a, err := authn.Resolve(ctx, kc, ref.Context())
		if err != nil {
			return nil, errors.Wrapf(err, "resolving credentials for %s", reg.RegistryStr())
		}
		cfg, err := authn.Authorization(ctx, a)
		if err != nil {
			return nil, errors.Wrapf(err, "resolving credentials for %s", reg.RegistryStr())
		}
		r.byRegistry[reg.RegistryStr()] = authn.FromConfig(*cfg)
	}
	return r, nil
}

type resolved struct {
	mu         sync.Mutex
	byRegistry map[string]authn.Authenticator
}

var _ authn.Keychain = (*resolved)(nil)

// Resolve implements authn.Keychain.
func (r *resolved) Resolve(res authn.Resource) (authn.Authenticator, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.byRegistry[res.RegistryStr()]; ok {
		return a, nil
	}
	return authn.Anonymous, nil
}
