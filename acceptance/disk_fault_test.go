package acceptance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	ggcrlayout "github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// Disk faults (issue 8 §2): a full filesystem, unwritable directories and
// report paths. A phase that cannot go on fails with its exit code and one
// error line naming what failed; whatever it had not finished leaves the
// previous image and the previous cache as they were, and the next build
// restores from that cache.

// mountTmpfs mounts a tmpfs of size (as mount's size= option) at dir, made
// if missing, and returns its unmount, which the test's cleanup calls too.
func mountTmpfs(t *testing.T, dir, size string) (unmount func()) {
	t.Helper()
	if !asRoot {
		t.Skip("mounting a tmpfs needs root")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0755", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mounting a tmpfs at %s: %v\n%s", dir, err, out)
	}
	var once sync.Once
	unmount = func() {
		once.Do(func() {
			if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
				t.Logf("umount %s: %v\n%s; detaching it", dir, err, out)
				_ = exec.Command("umount", "-l", dir).Run()
			}
		})
	}
	t.Cleanup(unmount)
	return unmount
}

// fillUp writes path until its filesystem is full and returns a function
// that removes it.
func fillUp(t *testing.T, path string) (free func()) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	for {
		if _, err = f.Write(buf); err != nil {
			break
		}
	}
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling %s: %v, want ENOSPC", path, err)
	}
	return func() {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// ansi matches the colour codes of the log.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// wantOneErrorLine checks a failed run: exit code want, one final error
// line ("ERROR: failed to ..."), every stderr line a log line of its own
// (no message spread over several lines), the ERROR lines together holding
// every one of subs, and no panic. A per-tag line before the final one is
// part of the contract (EXP-14).
func wantOneErrorLine(t *testing.T, what string, res result, want int, subs ...string) {
	t.Helper()
	wantCode(t, what, res, want)
	var errLines []string
	finals := 0
	for _, l := range strings.Split(strings.TrimSuffix(ansi.ReplaceAllString(res.stderr, ""), "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "ERROR: "):
			errLines = append(errLines, l)
			if strings.HasPrefix(l, "ERROR: failed to ") {
				finals++
			}
		case strings.HasPrefix(l, "Warning: "):
		default:
			t.Errorf("%s: stderr line %q is not a log line of its own:\n%s", what, l, res.stderr)
		}
	}
	if finals != 1 || len(errLines) == 0 || !strings.HasPrefix(errLines[len(errLines)-1], "ERROR: failed to ") {
		t.Errorf("%s: want one final \"ERROR: failed to\" line:\n%s", what, res.stderr)
	}
	all := strings.Join(errLines, "\n")
	t.Logf("%s: %s", what, all)
	for _, s := range subs {
		wantContains(t, what+" error lines", all, s)
	}
	if strings.Contains(res.output(), "panic") || strings.Contains(res.output(), "goroutine ") {
		t.Errorf("%s panicked:\n%s", what, res.output())
	}
}

// newBulkWorkspace is an export workspace whose first buildpack makes one
// layer "bulk" (of types, e.g. cache build) holding $BULK_KB KiB of random
// data and its checksum, new at every build. Each build appends to the
// record <bp>.bulk what it found of the previous one: "ok" (restored and
// intact), "bad" (restored with wrong content) or "none".
func newBulkWorkspace(t *testing.T, kb string, types ...string) *exportWorkspace {
	t.Helper()
	w := newExportWorkspace(t)
	w.addBuild(bbp{id: "example/bulk", api: "0.10", script: `
if [ -f "$L/bulk/data" ]; then
  if (cd "$L/bulk" && sha256sum -c data.sha256 >/dev/null 2>&1); then echo ok >> "$rec.bulk"; else echo bad >> "$rec.bulk"; fi
else
  echo none >> "$rec.bulk"
fi
rm -rf "$L/bulk"
layer bulk ` + strings.Join(types, " ") + `
head -c $(( ${BULK_KB:-64} * 1024 )) /dev/urandom > "$L/bulk/data"
(cd "$L/bulk" && sha256sum data > data.sha256)
`})
	w.setOrder([]ref{r("example/bulk"), r("example/web")})
	w.setBulk(kb)
	return w
}

func (w *exportWorkspace) setBulk(kb string) {
	w.write(filepath.Join(w.Platform, "env", "BULK_KB"), kb)
}

// bulkFound is what the last build found of the bulk layer.
func (w *exportWorkspace) bulkFound(t *testing.T) string {
	t.Helper()
	lines := strings.Fields(w.readFile(w.buildRecord("example/bulk") + ".bulk"))
	if len(lines) == 0 {
		t.Fatal("the bulk buildpack recorded nothing")
	}
	return lines[len(lines)-1]
}

// wantRestored runs a whole build from fresh layers with the cache and
// checks the bulk layer came back intact.
func (w *exportWorkspace) wantRestored(t *testing.T, cacheDir string) {
	t.Helper()
	w.freshLayers(t)
	restore, _ := w.cycle(t, cacheDir)
	wantContains(t, "restorer stdout", restore.stdout, "Restoring data for 'example/bulk:bulk' from cache")
	if got := w.bulkFound(t); got != "ok" {
		t.Errorf("the build after the fault found the cached layer %q, want ok", got)
	}
}

// snapshot is the cache directory's committed state: metadata.json and the
// names and sizes of its blobs.
func snapshot(t *testing.T, cacheDir string) string {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(cacheDir, "metadata.json"))
	if err != nil {
		t.Fatalf("reading the cache metadata: %v", err)
	}
	var b bytes.Buffer
	b.Write(md)
	entries, _ := os.ReadDir(filepath.Join(cacheDir, "blobs"))
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			fmt.Fprintf(&b, "\n%s %d", e.Name(), fi.Size())
		}
	}
	return b.String()
}

// TestDisk_FullCacheDirDuringExport: the cache directory's filesystem is
// full when the exporter writes the cache. The image is still exported
// (the layers are written outside the cache), the cache write is a
// warning naming the fault (EXP-17 D), the committed cache is unchanged,
// and the next build restores from it (CCH-1, CCH-3, RES-5).
func TestDisk_FullCacheDirDuringExport(t *testing.T) {
	t.Parallel()
	w := newBulkWorkspace(t, "1024", "cache", "build")
	cacheDir := filepath.Join(w.Root, "cache")
	mountTmpfs(t, cacheDir, "8m")
	w.cycle(t, cacheDir)
	before := snapshot(t, cacheDir)
	imageBefore := testutil.Digest(t, w.appRef)

	free := fillUp(t, filepath.Join(cacheDir, "filler"))
	w.freshLayers(t)
	w.write(filepath.Join(w.App, "index.txt"), "a new app layer\n")
	restore, export := w.cycle(t, cacheDir) // every phase exits 0
	wantContains(t, "restorer stdout", restore.stdout, "Restoring data for 'example/bulk:bulk' from cache")
	wantContains(t, "exporter stderr", export.stderr, "Failed to export cache")
	wantContains(t, "exporter stderr", export.stderr, "no space left on device")
	if testutil.Digest(t, w.appRef) == imageBefore {
		t.Error("the export with a full cache directory did not update the image")
	}
	if after := snapshot(t, cacheDir); after != before {
		t.Errorf("the failed cache write changed the committed cache:\n%s\nwas\n%s", after, before)
	}
	free()
	w.wantRestored(t, cacheDir)
}

// TestDisk_FullLayersDirDuringRestore: the layers directory fills up while
// the restorer extracts a cached layer: exit 42 (RES-9) with one line
// naming the layer and the fault; the cache keeps the blob (it is not
// corrupt, RES-6 must not drop it) and the next build restores it.
func TestDisk_FullLayersDirDuringRestore(t *testing.T) {
	t.Parallel()
	w := newBulkWorkspace(t, "2048", "cache", "build")
	cacheDir := filepath.Join(w.Root, "cache")
	w.mkdir(cacheDir)
	w.cycle(t, cacheDir)
	before := snapshot(t, cacheDir)

	w.freshLayers(t)
	unmount := mountTmpfs(t, w.Layers, "1m")
	env := []string{"CNB_PLATFORM_API=0.12"}
	wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env}), 0)
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	res := w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-cache-dir", cacheDir}, env: env})
	wantOneErrorLine(t, "restorer on a full layers directory", res, 42, "example/bulk:bulk", "no space left on device")
	if after := snapshot(t, cacheDir); after != before {
		t.Errorf("the failed restore changed the cache:\n%s\nwas\n%s", after, before)
	}
	unmount()
	w.wantRestored(t, cacheDir)
}

// TestDisk_FullLayoutDirDuringExport: the OCI layout's filesystem fills up
// while the exporter writes the app image into it: exit 62 with one line
// naming the fault, the previous image in the layout (index.json and every
// blob it names) intact, the cache untouched; the next build exports
// (TGT-5, EXP-14, CCH-1).
func TestDisk_FullLayoutDirDuringExport(t *testing.T) {
	t.Parallel()
	lw := newLayoutWorkspace(t)
	w := lw.exportWorkspace
	w.addBuild(bbp{id: "example/bulk", api: "0.10", script: `
rm -rf "$L/bulk"
layer bulk launch cache
head -c $(( ${BULK_KB:-64} * 1024 )) /dev/urandom > "$L/bulk/data"
`})
	w.setOrder([]ref{r("example/bulk"), r("example/web")})
	w.setBulk("512")
	appDir := filepath.Join(lw.layoutDir, layoutRegistry, "app")
	mountTmpfs(t, appDir, "32m")
	_, res := lw.buildAndExport(t)
	wantCode(t, "first exporter", res, 0)
	appPath := filepath.Join(appDir, "latest")
	indexBefore, err := os.ReadFile(filepath.Join(appPath, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	cacheBefore := snapshot(t, filepath.Join(w.Root, "cache"))

	free := fillUp(t, filepath.Join(appDir, "filler"))
	_, res = lw.buildAndExport(t)
	wantOneErrorLine(t, "exporter on a full layout", res, 62, "no space left on device")
	indexAfter, err := os.ReadFile(filepath.Join(appPath, "index.json"))
	if err != nil || !bytes.Equal(indexAfter, indexBefore) {
		t.Errorf("the failed export changed index.json (%v):\n%s\nwas\n%s", err, indexAfter, indexBefore)
	}
	wantLayoutComplete(t, appPath)
	if after := snapshot(t, filepath.Join(w.Root, "cache")); after != cacheBefore {
		t.Error("the failed export changed the cache")
	}
	free()
	_, res = lw.buildAndExport(t)
	wantCode(t, "exporter after the fault", res, 0)
	wantLayoutComplete(t, appPath)
}

// wantLayoutComplete checks that every blob of every image of the layout
// at path is there and hashes to its name.
func wantLayoutComplete(t *testing.T, path string) {
	t.Helper()
	idx, err := ggcrlayout.ImageIndexFromPath(path)
	if err != nil {
		t.Errorf("reading the layout %s: %v", path, err)
		return
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) == 0 {
		t.Errorf("the layout's index.json: %v", err)
		return
	}
	for _, m := range im.Manifests {
		img, err := idx.Image(m.Digest)
		if err == nil {
			err = validate.Image(img)
		}
		if err != nil {
			t.Errorf("the layout's image %s: %v", m.Digest, err)
		}
	}
}

// TestDisk_UnwritableLayersDir: the layers directory is read-only to the
// build user: the analyzer cannot write analyzed.toml (32), the restorer cannot
// restore a cached layer (42, RES-9), the exporter cannot write its report
// (62, EXP-15); each says so in one line naming the path. The cache stays
// restorable.
func TestDisk_UnwritableLayersDir(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root to run the phases as the build user")
	}
	w := newBulkWorkspace(t, "64", "cache", "build")
	cacheDir := filepath.Join(w.Root, "cache")
	w.mkdir(cacheDir)
	w.cycle(t, cacheDir)
	before := snapshot(t, cacheDir)
	env := []string{"CNB_PLATFORM_API=0.12"}

	w.freshLayers(t)
	readOnly(t, w.Layers)
	res := w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env})
	wantOneErrorLine(t, "analyzer on a read-only layers directory", res, 32, filepath.Join(w.Layers, "analyzed.toml"), "permission denied")

	writable(t, w.Layers)
	wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env}), 0)
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	readOnly(t, w.Layers)
	res = w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-cache-dir", cacheDir}, env: env})
	wantOneErrorLine(t, "restorer on a read-only layers directory", res, 42, filepath.Join(w.Layers, "example_bulk"), "permission denied")
	if after := snapshot(t, cacheDir); after != before {
		t.Errorf("the failed restore changed the cache:\n%s\nwas\n%s", after, before)
	}

	writable(t, w.Layers)
	wantCode(t, "restorer", w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-cache-dir", cacheDir}, env: env}), 0)
	wantCode(t, "builder", w.build("0.12", nil), 0)
	readOnly(t, w.Layers)
	res = w.run("exporter", runOpts{args: []string{"-layers", w.Layers, "-app", w.App, "-cache-dir", cacheDir,
		"-launcher", filepath.Join(binDir, "launcher"), w.appRef}, env: env})
	wantOneErrorLine(t, "exporter on a read-only layers directory", res, 62, filepath.Join(w.Layers, "report.toml"))
	if after := snapshot(t, cacheDir); after != before {
		t.Error("the failed export changed the cache")
	}
	writable(t, w.Layers)
	w.wantRestored(t, cacheDir)
}

// readOnly makes dir and everything in it read-only to the build user
// (the harness hands the workspace over to it before each run, which
// keeps modes).
func readOnly(t *testing.T, dir string) {
	t.Helper()
	if out, err := exec.Command("chmod", "-R", "a-w", dir).CombinedOutput(); err != nil {
		t.Fatalf("chmod -R a-w %s: %v\n%s", dir, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("chmod", "-R", "u+w", dir).Run() })
}

func writable(t *testing.T, dir string) {
	t.Helper()
	if out, err := exec.Command("chmod", "-R", "u+w", dir).CombinedOutput(); err != nil {
		t.Fatalf("chmod -R u+w %s: %v\n%s", dir, err, out)
	}
}

// TestDisk_UnwritableCacheDir: a read-only cache directory (a cache volume
// mounted read-only) restores as usual; the exporter exports the image and
// warns that it could not write the cache, naming the path (EXP-17 D,
// CCH-1); the cache is unchanged.
func TestDisk_UnwritableCacheDir(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root to run the phases as the build user")
	}
	w := newBulkWorkspace(t, "64", "cache", "build")
	cacheDir := filepath.Join(w.Root, "cache")
	w.mkdir(cacheDir)
	w.cycle(t, cacheDir)
	before := snapshot(t, cacheDir)
	imageBefore := testutil.Digest(t, w.appRef)

	readOnly(t, cacheDir)
	w.freshLayers(t)
	w.write(filepath.Join(w.App, "index.txt"), "a new app layer\n")
	restore, export := w.cycle(t, cacheDir)
	wantContains(t, "restorer stdout", restore.stdout, "Restoring data for 'example/bulk:bulk' from cache")
	if got := w.bulkFound(t); got != "ok" {
		t.Errorf("the build found the layer restored from a read-only cache %q, want ok", got)
	}
	wantContains(t, "exporter stderr", export.stderr, "Failed to export cache")
	wantContains(t, "exporter stderr", export.stderr, cacheDir)
	if testutil.Digest(t, w.appRef) == imageBefore {
		t.Error("the export with a read-only cache did not update the image")
	}
	if after := snapshot(t, cacheDir); after != before {
		t.Errorf("the cache changed:\n%s\nwas\n%s", after, before)
	}
	writable(t, cacheDir)
	w.wantRestored(t, cacheDir)
}

// TestDisk_UnwritableReportPath: -report (and the analyzer's -analyzed)
// in a read-only directory: exporter 62 (EXP-15), rebaser 72 (REB-8),
// analyzer 32 (30-39 are its own codes), each with one line naming the path.
func TestDisk_UnwritableReportPath(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root to run the phases as the build user")
	}
	w := newExportWorkspace(t)
	wantCode(t, "first export", w.buildAndExport(t), 0)
	ro := filepath.Join(w.Root, "ro")
	w.mkdir(ro)
	readOnly(t, ro)
	env := []string{"CNB_PLATFORM_API=0.12"}

	report := filepath.Join(ro, "report.toml")
	res := w.buildAndExport(t, "-report", report)
	wantOneErrorLine(t, "exporter with a read-only report path", res, 62, report, "permission denied")

	res = w.run("rebaser", runOpts{args: []string{"-report", report, "-run-image", w.runRef, w.appRef}, env: env})
	wantOneErrorLine(t, "rebaser with a read-only report path", res, 72, report, "permission denied")

	analyzed := filepath.Join(ro, "analyzed.toml")
	res = w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-analyzed", analyzed, "-run-image", w.runRef, w.appRef}, env: env})
	wantOneErrorLine(t, "analyzer with a read-only analyzed path", res, 32, analyzed, "permission denied")
}
