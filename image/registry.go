package image

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/pkg/errors"
)

// Registry reaches images in registries with one keychain and one set of
// insecure registries.
type Registry struct {
	Keychain authn.Keychain
	// Insecure lists registries (host[:port]) reached over plain HTTP or
	// without TLS verification (P0.13+, CONFORMANCE TGT-2).
	Insecure []string
	// Retry bounds the retries of transient failures; the zero value tries
	// each request once.
	Retry Retry

	// shared holds the transports of a Registry made by NewRegistry, which
	// its copies share; without, every request gets a new connection.
	shared *transports
}

// NewRegistry is a Registry whose requests (and those of its copies) share
// connections.
func NewRegistry(kc authn.Keychain, insecure []string, retry Retry) Registry {
	return Registry{Keychain: kc, Insecure: insecure, Retry: retry, shared: &transports{}}
}

// ErrNotFound is returned (wrapped) when an image does not exist.
var ErrNotFound = errors.New("image: not found")

// Parse reads an image reference, marking it insecure when its registry is
// in r.Insecure.
func (r Registry) Parse(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s, name.WeakValidation)
	if err != nil {
		return nil, errors.Wrapf(err, "parsing image reference %q", s)
	}
	if r.isInsecure(ref.Context().RegistryStr()) {
		return name.ParseReference(s, name.WeakValidation, name.Insecure)
	}
	return ref, nil
}

func (r Registry) isInsecure(host string) bool {
	for _, h := range r.Insecure {
		if strings.EqualFold(strings.TrimSpace(h), host) {
			return true
		}
	}
	return false
}

// Options are the remote options for ref: credentials, context, and a
// transport that skips TLS verification for insecure registries.
func (r Registry) Options(ctx context.Context, ref name.Reference) []remote.Option {
	kc := r.Keychain
	if kc == nil {
		kc = authn.NewMultiKeychain()
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc), remote.WithTransport(r.transport(ref.Context().RegistryStr()))}
	return append(opts, r.Retry.options()...)
}

// transport is the retrying transport for a registry host.
func (r Registry) transport(host string) http.RoundTripper {
	insecure := r.isInsecure(host)
	if r.shared == nil {
		return r.Retry.Transport(insecure)
	}
	return r.Retry.over(r.shared.get(insecure, r.Retry.Timeout))
}

// Image reads a registry image. A missing image gives an error wrapping
// ErrNotFound.
func (r Registry) Image(ctx context.Context, ref name.Reference) (v1.Image, error) {
	img, err := remote.Image(ref, r.Options(ctx, ref)...)
	if isNotFound(err) {
		return nil, errors.Wrapf(ErrNotFound, "%s", ref)
	}
	if err != nil {
		return nil, errors.Wrapf(err, "reading image %s", ref)
	}
	return img, nil
}

// Head returns the descriptor of ref, or an error wrapping ErrNotFound.
func (r Registry) Head(ctx context.Context, ref name.Reference) (*v1.Descriptor, error) {
	d, err := remote.Head(ref, r.Options(ctx, ref)...)
	if isNotFound(err) {
		return nil, errors.Wrapf(ErrNotFound, "%s", ref)
	}
	return d, errors.Wrapf(err, "reading image %s", ref)
}

// CheckRead verifies that ref can be read: a missing image is fine, a
// refusal is not (CONFORMANCE ANA-4, ANA-5).
func (r Registry) CheckRead(ctx context.Context, ref name.Reference) error {
	_, err := r.Head(ctx, ref)
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	return errors.Wrapf(err, "no read access to %s", ref)
}

// CheckWrite verifies that ref's repository accepts pushes by opening a blob
// upload and abandoning it (CONFORMANCE ANA-5).
func (r Registry) CheckWrite(ctx context.Context, ref name.Reference) error {
	kc := r.Keychain
	if kc == nil {
		kc = authn.NewMultiKeychain()
	}
	return errors.Wrapf(remote.CheckPushPermission(ref, kc, r.transport(ref.Context().RegistryStr())), "no write access to %s", ref)
}

func isNotFound(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range te.Errors {
		switch d.Code {
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode:
			return true
		}
	}
	return false
}
