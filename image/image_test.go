package image

import (
	"context"
	"encoding/base64"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/pkg/errors"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestNewKeychain(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("user:pass"))
	kc, err := NewKeychain(lookup(map[string]string{EnvRegistryAuth: `{"https://reg.example.com/v2/": "Basic ` + basic + `", "tok.example.com": "bearer abc", "id.example.com": "X-Identity xyz"}`}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ref  string
		want authn.AuthConfig
	}{
		{"reg.example.com/app", authn.AuthConfig{Auth: basic}},
		{"tok.example.com/app", authn.AuthConfig{RegistryToken: "abc"}},
		{"id.example.com/app", authn.AuthConfig{IdentityToken: "xyz"}},
	} {
		ref, _ := name.ParseReference(tc.ref)
		a, err := kc.Resolve(ref.Context())
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Authorization()
		if err != nil {
			t.Fatal(err)
		}
		if got.Auth != tc.want.Auth || got.RegistryToken != tc.want.RegistryToken || got.IdentityToken != tc.want.IdentityToken {
			t.Errorf("Resolve(%s) = %+v, want %+v (AUTH-1)", tc.ref, got, tc.want)
		}
	}
	for _, bad := range []string{`not json`, `{"r.io": "Digest x"}`, `{"r.io": "Basic"}`} {
		if _, err := NewKeychain(lookup(map[string]string{EnvRegistryAuth: bad})); err == nil {
			t.Errorf("NewKeychain(%s) succeeded, want an error", bad)
		} else if strings.Contains(err.Error(), "x\"") {
			t.Errorf("NewKeychain(%s) error %q leaks the credential", bad, err)
		}
	}
}

func TestRegistryAccess(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()
	r := Registry{Keychain: authn.NewMultiKeychain()}

	missing, err := r.Parse(host + "/app:missing")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Image(ctx, missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("Image(missing) = %v, want ErrNotFound", err)
	}
	if err := r.CheckRead(ctx, missing); err != nil {
		t.Errorf("CheckRead(missing) = %v, want nil (ANA-4)", err)
	}
	if err := r.CheckWrite(ctx, missing); err != nil {
		t.Errorf("CheckWrite() = %v, want nil", err)
	}
	img, _ := random.Image(64, 2)
	ref, _ := r.Parse(host + "/app:v1")
	if err := remote.Write(ref, img, r.Options(ctx, ref)...); err != nil {
		t.Fatal(err)
	}
	got, err := r.Image(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if d, _ := got.Digest(); d != want {
		t.Errorf("Image(v1) digest = %s, want %s", d, want)
	}
	insecure := Registry{Insecure: []string{"other.example:5000"}}
	ir, _ := insecure.Parse("other.example:5000/app")
	if ir.Context().Registry.Scheme() != "http" {
		t.Errorf("insecure registry scheme = %s, want http (TGT-2)", ir.Context().Registry.Scheme())
	}
}
