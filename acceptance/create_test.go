package acceptance

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// TestCRE1_CreatorEndToEnd runs the five phases in one creator process, as
// pack's trusted flow does (root, CNB_USER_ID in the env), twice: the second
// build restores from the cache and gives the same digest (CONFORMANCE
// CRE-1, CRE-4, GEN-11, RPR-4).
func TestCRE1_CreatorEndToEnd(t *testing.T) {
	t.Parallel()
	w, cacheDir := newCacheWorkspace(t)
	extra := registryRepo(t, "app") + ":extra"
	create := func() result {
		t.Helper()
		res := w.run("creator", runOpts{
			args: []string{"-app", w.App, "-buildpacks", w.Buildpacks, "-layers", w.Layers, "-order", w.Order,
				"-platform", w.Platform, "-cache-dir", cacheDir, "-run-image", w.runRef,
				"-launcher", filepath.Join(binDir, "launcher"), "-tag", sharedRegistry(t).Ref(extra), w.appRef},
			env:        []string{"CNB_PLATFORM_API=0.12", "CNB_USER_ID=1000", "CNB_GROUP_ID=1000"},
			privileged: true,
		})
		wantCode(t, "creator", res, 0)
		return res
	}
	first := create()
	for _, banner := range []string{"===> ANALYZING", "===> DETECTING", "===> RESTORING", "===> BUILDING", "===> EXPORTING"} {
		wantContains(t, "creator stdout", first.stdout, banner)
	}
	_, digest := w.report(t)
	if got := testutil.Digest(t, sharedRegistry(t).Ref(extra)).String(); got != digest {
		t.Errorf("-tag digest = %s, want %s (CRE-1)", got, digest)
	}
	if err := validate.Image(testutil.Pull(t, w.appRef)); err != nil {
		t.Errorf("validate.Image() = %v", err)
	}
	if asRoot {
		fi, err := os.Stat(filepath.Join(w.Layers, "example_deps", "deps"))
		if err != nil {
			t.Fatal(err)
		}
		if uid := fileUID(fi); uid != 1000 {
			t.Errorf("layer owned by uid %d, want 1000: buildpacks must run as the build user (CRE-4)", uid)
		}
	}
	w.freshLayers(t)
	second := create()
	wantContains(t, "second creator stdout", second.stdout, "Restoring data for 'example/deps:deps' from cache")
	if _, again := w.report(t); again != digest {
		t.Errorf("second digest = %s, want %s (RPR-4)", again, digest)
	}
}

// TestCRE4_CreatorRefusesRootBuild: without a build user the creator does
// not run buildpacks as root.
func TestCRE4_CreatorRefusesRootBuild(t *testing.T) {
	if !asRoot {
		t.Skip("needs root to start the creator as root")
	}
	t.Parallel()
	w := newExportWorkspace(t)
	res := w.run("creator", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef},
		env: []string{"CNB_PLATFORM_API=0.12"}, privileged: true})
	wantCode(t, "creator as root without a build user", res, 1)
	wantContains(t, "creator stderr", res.stderr, "refusing to run buildpacks as root")
}
