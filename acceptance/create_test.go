package acceptance

import (
	"os"
	"path/filepath"
	"strings"
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

// TestCRE2_SkipRestoreKeepsStoreTOML: from Platform API 0.10 a creator
// with -skip-restore restores store.toml and nothing else to the
// buildpack's layers directory; before 0.10 the whole restore step is
// skipped (platform.md "creator"; CONFORMANCE CRE-2).
func TestCRE2_SkipRestoreKeepsStoreTOML(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		platform  string
		wantStore bool
	}{{"0.9", false}, {"0.10", true}, {"0.15", true}} {
		tc := tc
		t.Run("P"+tc.platform, func(t *testing.T) {
			t.Parallel()
			w := newExportWorkspace(t)
			cacheDir := filepath.Join(w.Root, "cache")
			w.mkdir(cacheDir)
			w.addBuild(bbp{id: "example/deps", api: "0.10", script: `
if [ -f "$L/store.toml" ]; then cat "$L/store.toml" > "$rec.store"; else echo no-store > "$rec.store"; fi
ls -A "$L" > "$rec.ls"
rm -rf "$L/deps" "$L/runtime"
layer deps cache build
put deps/marker 'deps'
layer runtime cache launch
put runtime/marker 'runtime'
printf '[metadata]\nbuilt = "before"\n' > "$L/store.toml"
`})
			w.setOrder([]ref{r("example/deps"), r("example/web")})
			create := func(skip bool) {
				t.Helper()
				args := []string{"-app", w.App, "-buildpacks", w.Buildpacks, "-layers", w.Layers, "-order", w.Order,
					"-platform", w.Platform, "-cache-dir", cacheDir, "-run-image", w.runRef,
					"-launcher", filepath.Join(binDir, "launcher")}
				if skip {
					args = append(args, "-skip-restore")
				}
				res := w.run("creator", runOpts{args: append(args, w.appRef),
					env: []string{"CNB_PLATFORM_API=" + tc.platform, "CNB_USER_ID=1000", "CNB_GROUP_ID=1000"}, privileged: true})
				wantCode(t, "creator", res, 0)
				if skip && strings.Contains(res.stdout, "===> RESTORING") {
					t.Errorf("creator -skip-restore printed the RESTORING banner:\n%s", res.stdout)
				}
			}
			create(false)
			w.freshLayers(t)
			create(true)
			rec := w.buildRecord("example/deps")
			store := w.readFile(rec + ".store")
			if got := strings.Contains(store, `built = "before"`); got != tc.wantStore {
				t.Errorf("P%s creator -skip-restore: buildpack saw store.toml %q, want restored = %v (CRE-2)", tc.platform, store, tc.wantStore)
			}
			listed := strings.Fields(w.readFile(rec + ".ls"))
			for _, f := range listed {
				if f != "store.toml" {
					t.Errorf("P%s creator -skip-restore restored %s to the buildpack's layers dir, want only store.toml (CRE-2): %q", tc.platform, f, listed)
				}
			}
		})
	}
}
