package acceptance

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// The registry the acceptance tests share: a real docker-registry on a free
// port of 127.0.0.1, plain HTTP, no authentication, started by the first
// test that asks for it and stopped by TestMain after the last test.
var (
	sharedRegOnce sync.Once
	sharedReg     *testutil.Registry
	sharedRegErr  error
)

// sharedRegistry is the package's registry, started on first use. Tests
// push to repositories named after themselves (registryRepo) so that they
// do not see each other's images.
func sharedRegistry(t *testing.T) *testutil.Registry {
	t.Helper()
	sharedRegOnce.Do(func() {
		var dir string
		if dir, sharedRegErr = os.MkdirTemp("", "cnb-acceptance-registry-"); sharedRegErr != nil {
			return
		}
		if sharedReg, sharedRegErr = testutil.LaunchRegistry(dir); sharedRegErr != nil {
			os.RemoveAll(dir)
		}
	})
	if sharedRegErr != nil {
		t.Fatalf("starting the shared registry: %v", sharedRegErr)
	}
	return sharedReg
}

// stopSharedRegistry stops the shared registry if a test started it, and
// removes its storage. TestMain calls it after m.Run.
func stopSharedRegistry() {
	if sharedReg == nil {
		return
	}
	if err := sharedReg.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "acceptance: stopping the shared registry:", err)
	}
	os.RemoveAll(sharedReg.Dir())
}

// registryRepo is a repository name of the shared registry private to the
// test, e.g. "tests/testregistryharness/run" for name "run": the test's
// name lowercased, other characters than letters and digits made dashes.
func registryRepo(t *testing.T, name string) string {
	slug := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(t.Name()))
	return "tests/" + strings.Trim(slug, "-") + "/" + name
}

// TestRegistryHarness proves the harness: an image pushed to the shared
// registry reads back the same.
func TestRegistryHarness(t *testing.T) {
	reg := sharedRegistry(t)
	if again := sharedRegistry(t); again != reg {
		t.Fatal("sharedRegistry started a second registry")
	}
	img := testutil.BusyboxImage(t)
	ref := reg.Ref(registryRepo(t, "run") + ":latest")
	testutil.Push(t, img, ref)

	want, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.Digest(t, ref); got != want {
		t.Fatalf("digest of %s = %s, want %s", ref, got, want)
	}
	pulled := testutil.Pull(t, ref)
	if err := validate.Image(pulled); err != nil {
		t.Fatalf("validate.Image(%s): %v", ref, err)
	}
	cfg, err := pulled.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Config.Labels[testutil.LabelBaseID]; got != testutil.DefaultBaseID {
		t.Errorf("label %s = %q, want %q", testutil.LabelBaseID, got, testutil.DefaultBaseID)
	}
}
