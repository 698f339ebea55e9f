package acceptance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// cacheWorkspace adds a cache directory and a buildpack with a cache-only
// layer and a launch+cache layer whose build scripts note whether the
// restorer brought them back.
func newCacheWorkspace(t *testing.T) (*exportWorkspace, string) {
	t.Helper()
	w := newExportWorkspace(t)
	cacheDir := filepath.Join(w.Root, "cache")
	w.mkdir(cacheDir)
	w.addBuild(bbp{id: "example/deps", api: "0.10", script: `
for l in deps runtime; do
  if [ -f "$L/$l/marker" ]; then echo "restored-$l" >> "$rec.restored"; fi
  if [ -f "$L/$l.toml" ]; then cat "$L/$l.toml" >> "$rec.restored-toml"; fi
done
rm -rf "$L/deps" "$L/runtime"
layer deps cache build
put deps/marker 'deps'
printf '[metadata]\nversion = "1.2.3"\n' >> "$L/deps.toml"
layer runtime cache launch
put runtime/marker 'runtime'
`})
	w.setOrder([]ref{r("example/deps"), r("example/web")})
	return w, cacheDir
}

// cycle runs one whole build with the cache: analyze, detect, restore,
// build, export.
func (w *exportWorkspace) cycle(t *testing.T, cacheDir string) (restore, export result) {
	t.Helper()
	env := []string{"CNB_PLATFORM_API=0.12"}
	wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env}), 0)
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	restore = w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-cache-dir", cacheDir}, env: env})
	wantCode(t, "restorer", restore, 0)
	wantCode(t, "builder", w.build("0.12", nil), 0)
	export = w.run("exporter", runOpts{args: []string{"-layers", w.Layers, "-app", w.App, "-cache-dir", cacheDir,
		"-launcher", filepath.Join(binDir, "launcher"), w.appRef}, env: env})
	wantCode(t, "exporter", export, 0)
	return restore, export
}

// freshLayers empties the layers directory as a new build pod would have it.
func (w *exportWorkspace) freshLayers(t *testing.T) {
	t.Helper()
	if err := os.RemoveAll(w.Layers); err != nil {
		t.Fatal(err)
	}
	w.mkdir(w.Layers)
	for _, f := range []string{"restored", "restored-toml"} {
		os.Remove(w.buildRecord("example/deps") + "." + f)
	}
}

// TestRES_CacheRoundTrip: the second build gets its cached layers back from
// the volume cache, metadata without [types], and reuses cache entries
// (CONFORMANCE RES-4, RES-5, LAY-2, CCH-1, CCH-3, CCH-6).
func TestRES_CacheRoundTrip(t *testing.T) {
	t.Parallel()
	w, cacheDir := newCacheWorkspace(t)
	_, first := w.cycle(t, cacheDir)
	wantContains(t, "first export", first.stdout, "Adding layer 'example/deps:runtime'")
	if _, err := os.Stat(filepath.Join(cacheDir, "metadata.json")); err != nil {
		t.Fatalf("no cache metadata after the first export: %v", err)
	}
	w.freshLayers(t)
	restore, second := w.cycle(t, cacheDir)
	wantContains(t, "restorer stdout", restore.stdout, "Restoring data for 'example/deps:deps' from cache")
	restored := w.readFile(w.buildRecord("example/deps") + ".restored")
	for _, l := range []string{"restored-deps", "restored-runtime"} {
		wantContains(t, "layers found by the build", restored, l)
	}
	tomls := w.readFile(w.buildRecord("example/deps") + ".restored-toml")
	wantContains(t, "restored deps.toml", tomls, `version = "1.2.3"`)
	if strings.Contains(tomls, "types") {
		t.Errorf("restored layer toml has [types] (LAY-2):\n%s", tomls)
	}
	wantContains(t, "second export", second.stdout, "Reusing layer 'example/deps:runtime'")
}

// TestRES6_CorruptCacheSkipped: a cached blob that does not hash to its name
// is skipped with a warning; the build goes on (CONFORMANCE RES-6, CCH-4).
func TestRES6_CorruptCacheSkipped(t *testing.T) {
	t.Parallel()
	w, cacheDir := newCacheWorkspace(t)
	w.cycle(t, cacheDir)
	blobs, _ := filepath.Glob(filepath.Join(cacheDir, "blobs", "*"))
	if len(blobs) == 0 {
		t.Fatal("no cached blobs")
	}
	for _, b := range blobs {
		if err := os.WriteFile(b, []byte("not a layer"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w.freshLayers(t)
	restore, _ := w.cycle(t, cacheDir)
	wantContains(t, "restorer stderr", restore.stderr, "Skipping restore for layer")
	if data, _ := os.ReadFile(w.buildRecord("example/deps") + ".restored"); len(data) > 0 {
		t.Errorf("corrupt layers were restored: %s", data)
	}
	// The corrupt cache is replaced by good entries.
	w.freshLayers(t)
	restore, _ = w.cycle(t, cacheDir)
	wantContains(t, "restorer stdout after repair", restore.stdout, "Restoring data for 'example/deps:deps' from cache")
}

// TestRES2_NoCache: without a cache the restorer warns and succeeds.
func TestRES2_NoCache(t *testing.T) {
	t.Parallel()
	w, _ := newCacheWorkspace(t)
	env := []string{"CNB_PLATFORM_API=0.12"}
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	res := w.run("restorer", runOpts{args: []string{"-layers", w.Layers}, env: env})
	wantCode(t, "restorer", res, 0)
	wantContains(t, "restorer stderr", res.stderr, "No cached data will be used, no cache specified.")
	wantContains(t, "restorer stderr", res.stderr, "No analyzed metadata found")
	res = w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-group", filepath.Join(w.Root, "missing.toml")}, env: env})
	wantCode(t, "restorer with a missing group", res, 1)
}

// TestCCH2_CacheImageRoundTrip: the exporter writes the cache as an image
// in the registry, labelled with its metadata; the next build restores from
// it (CONFORMANCE CCH-2, RES-4, RES-5).
func TestCCH2_CacheImageRoundTrip(t *testing.T) {
	t.Parallel()
	w, _ := newCacheWorkspace(t)
	cacheRef := sharedRegistry(t).Ref(registryRepo(t, "cache") + ":latest")
	env := []string{"CNB_PLATFORM_API=0.13"}
	cycle := func() (restore, export result) {
		t.Helper()
		wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, "-cache-image", cacheRef, w.appRef}, env: env}), 0)
		wantCode(t, "detector", w.detect("0.13", nil), 0)
		restore = w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-cache-image", cacheRef}, env: env})
		wantCode(t, "restorer", restore, 0)
		wantCode(t, "builder", w.build("0.13", nil), 0)
		export = w.run("exporter", runOpts{args: []string{"-layers", w.Layers, "-app", w.App, "-cache-image", cacheRef,
			"-launcher", filepath.Join(binDir, "launcher"), w.appRef}, env: env})
		wantCode(t, "exporter", export, 0)
		return restore, export
	}
	cycle()
	img := testutil.Pull(t, cacheRef)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, "cache image label", cf.Config.Labels["io.buildpacks.lifecycle.cache.metadata"], `"key":"example/deps"`)
	if ls, _ := img.Layers(); len(ls) != 2 {
		t.Errorf("cache image has %d layers, want 2 (deps, runtime)", len(ls))
	}
	w.freshLayers(t)
	restore, export := cycle()
	wantContains(t, "restorer stdout", restore.stdout, "Restoring data for 'example/deps:deps' from cache")
	wantContains(t, "second export", export.stdout, "Reusing cache layer 'example/deps:deps'")
	restored := w.readFile(w.buildRecord("example/deps") + ".restored")
	wantContains(t, "layers found by the build", restored, "restored-deps")
}

// TestEXP17_ParallelCacheExport: with -parallel the cache is written beside
// the image, with the same result (CONFORMANCE EXP-17).
func TestEXP17_ParallelCacheExport(t *testing.T) {
	t.Parallel()
	w, cacheDir := newCacheWorkspace(t)
	env := []string{"CNB_PLATFORM_API=0.13"}
	wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env}), 0)
	wantCode(t, "detector", w.detect("0.13", nil), 0)
	wantCode(t, "builder", w.build("0.13", nil), 0)
	res := w.run("exporter", runOpts{args: []string{"-layers", w.Layers, "-app", w.App, "-cache-dir", cacheDir, "-parallel",
		"-launcher", filepath.Join(binDir, "launcher"), w.appRef}, env: env})
	wantCode(t, "exporter -parallel", res, 0)
	wantContains(t, "cache metadata", w.readFile(filepath.Join(cacheDir, "metadata.json")), `"key":"example/deps"`)
}

// TestRES7_SBOMsComeBack: per-layer SBOMs of a launch layer come back from
// the previous image (analyzer, ANA-9) and of a cache layer from the cache
// (RES-7), next to the restored layer metadata; <layers>/sbom is gone after
// the restorer.
func TestRES7_SBOMsComeBack(t *testing.T) {
	t.Parallel()
	w, cacheDir := newCacheWorkspace(t)
	w.addBuild(bbp{id: "example/deps", api: "0.10", info: `  sbom-formats = ["application/vnd.cyclonedx+json"]`, script: `
for l in deps runtime; do
  if [ -f "$L/$l.sbom.cdx.json" ]; then echo "sbom-$l" >> "$rec.restored"; fi
done
rm -rf "$L/deps" "$L/runtime"
layer deps cache build
put deps/marker 'deps'
put deps.sbom.cdx.json '{"deps":true}'
layer runtime cache launch
put runtime/marker 'runtime'
put runtime.sbom.cdx.json '{"runtime":true}'
`})
	w.cycle(t, cacheDir)
	w.freshLayers(t)
	env := []string{"CNB_PLATFORM_API=0.12"}
	wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env}), 0)
	if !exists(filepath.Join(w.Layers, "sbom", "launch", "example_deps", "runtime", "sbom.cdx.json")) {
		t.Error("the analyzer did not restore the previous image's SBOM layer (ANA-9)")
	}
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	wantCode(t, "restorer", w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-cache-dir", cacheDir}, env: env}), 0)
	for _, f := range []string{"deps.sbom.cdx.json", "runtime.sbom.cdx.json"} {
		if !exists(filepath.Join(w.Layers, "example_deps", f)) {
			t.Errorf("%s not restored next to its layer (RES-7)", f)
		}
	}
	if exists(filepath.Join(w.Layers, "sbom")) {
		t.Error("<layers>/sbom still exists after the restorer (RES-7)")
	}
}

// TestRES8_RunImageCompleted: at Platform API 0.14 the restorer resolves a
// run image named by tag in analyzed.toml to a digest reference with its
// target, and fails with 42 when the run image is gone (CONFORMANCE RES-8).
func TestRES8_RunImageCompleted(t *testing.T) {
	t.Parallel()
	w, _ := newCacheWorkspace(t)
	env := []string{"CNB_PLATFORM_API=0.14"}
	wantCode(t, "detector", w.detect("0.14", nil), 0)
	analyzed := filepath.Join(w.Layers, "analyzed.toml")
	w.write(analyzed, "[run-image]\n  reference = \""+w.runRef+"\"\n")
	wantCode(t, "restorer", w.run("restorer", runOpts{args: []string{"-layers", w.Layers}, env: env}), 0)
	got := w.readFile(analyzed)
	wantContains(t, "analyzed.toml", got, "@sha256:")
	wantContains(t, "analyzed.toml", got, "[run-image.target]")
	wantContains(t, "analyzed.toml", got, `os = "linux"`)
	w.write(analyzed, "[run-image]\n  reference = \""+sharedRegistry(t).Ref(registryRepo(t, "gone"))+":latest\"\n")
	res := w.run("restorer", runOpts{args: []string{"-layers", w.Layers}, env: env})
	wantCode(t, "restorer with a missing run image", res, 42)
}

// TestRES8_ResolvedRunImageNeedsNoStore: at Platform API 0.14 and 0.15, a
// run image the analyzer resolved in the daemon (an image ID) or in a layout
// (a "<path>@sha256:" identifier), with its target, is complete: a
// restorer started without -daemon or -layout restores without reading it
// and leaves analyzed.toml as it was. One that lacks its target must be
// read: the error names the missing flag (CONFORMANCE RES-8, RES-9).
func TestRES8_ResolvedRunImageNeedsNoStore(t *testing.T) {
	t.Parallel()
	for _, platformAPI := range []string{"0.14", "0.15"} {
		platformAPI := platformAPI
		t.Run("P"+platformAPI+"/daemon", func(t *testing.T) {
			t.Parallel()
			w := newDaemonWorkspace(t)
			env := w.daemonEnv("CNB_PLATFORM_API=" + platformAPI)
			res := w.run("analyzer", runOpts{privileged: true, env: env,
				args: []string{"-daemon", "-layers", w.Layers, "-run-image", w.runName, w.appRef}})
			wantCode(t, "analyzer -daemon", res, 0)
			wantCode(t, "detector", w.detect(platformAPI, nil), 0)
			analyzed := filepath.Join(w.Layers, "analyzed.toml")
			before := w.readFile(analyzed)
			wantContains(t, "analyzed.toml", before, `reference = "sha256:`)
			res = w.run("restorer", runOpts{privileged: true, env: append(env, "DOCKER_HOST=unix:///nonexistent.sock"),
				args: []string{"-layers", w.Layers, "-cache-dir", filepath.Join(w.Root, "cache")}})
			wantCode(t, "restorer without -daemon", res, 0)
			if after := w.readFile(analyzed); after != before {
				t.Errorf("restorer changed analyzed.toml:\n%s\nwant\n%s", after, before)
			}
			// Without its target the image ID must be read, from the daemon.
			id := strings.SplitN(strings.SplitN(before, `reference = "`, 2)[1], `"`, 2)[0]
			w.write(analyzed, "[run-image]\n  reference = \""+id+"\"\n")
			res = w.run("restorer", runOpts{privileged: true, env: env, args: []string{"-layers", w.Layers}})
			wantOneErrorLine(t, "restorer without -daemon, no target", res, 42, "pass -daemon")
			res = w.run("restorer", runOpts{privileged: true, env: env, args: []string{"-daemon", "-layers", w.Layers}})
			wantCode(t, "restorer -daemon, no target", res, 0)
			wantContains(t, "analyzed.toml after restorer -daemon", w.readFile(analyzed), `os = "linux"`)
		})
		t.Run("P"+platformAPI+"/layout", func(t *testing.T) {
			t.Parallel()
			w := newLayoutWorkspace(t)
			env := []string{"CNB_PLATFORM_API=" + platformAPI, "CNB_EXPERIMENTAL_MODE=warn"}
			res := w.run("analyzer", runOpts{env: env,
				args: []string{"-layers", w.Layers, "-layout", "-layout-dir", w.layoutDir, "-run-image", w.runName, w.appName}})
			wantCode(t, "analyzer -layout", res, 0)
			wantCode(t, "detector", w.detect(platformAPI, nil), 0)
			analyzed := filepath.Join(w.Layers, "analyzed.toml")
			before := w.readFile(analyzed)
			wantContains(t, "analyzed.toml", before, "@sha256:")
			res = w.run("restorer", runOpts{env: env, args: []string{"-layers", w.Layers, "-cache-dir", filepath.Join(w.Root, "cache")}})
			wantCode(t, "restorer without -layout", res, 0)
			if after := w.readFile(analyzed); after != before {
				t.Errorf("restorer changed analyzed.toml:\n%s\nwant\n%s", after, before)
			}
			// Without its target the identifier names its own layout.
			id := strings.SplitN(strings.SplitN(before, `reference = "`, 2)[1], `"`, 2)[0]
			w.write(analyzed, "[run-image]\n  reference = \""+id+"\"\n")
			res = w.run("restorer", runOpts{env: env, args: []string{"-layers", w.Layers}})
			wantCode(t, "restorer without -layout, no target", res, 0)
			got := w.readFile(analyzed)
			wantContains(t, "analyzed.toml after the restorer", got, `reference = "`+id+`"`)
			wantContains(t, "analyzed.toml after the restorer", got, `os = "linux"`)
		})
	}
}
