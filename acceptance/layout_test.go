package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	ggcrlayout "github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// layoutWorkspace builds the export workspace's app into an OCI layout
// directory: no registry at all. The image names carry a registry with a
// port that nothing listens on, so any registry access would fail, and the
// layout paths contain a ':' (CONFORMANCE TGT-5, TGT-6).
type layoutWorkspace struct {
	*exportWorkspace
	layoutDir, runName, appName string
}

const layoutRegistry = "127.0.0.1:1"

func newLayoutWorkspace(t *testing.T) *layoutWorkspace {
	t.Helper()
	w := &layoutWorkspace{exportWorkspace: newExportWorkspace(t)}
	w.layoutDir = filepath.Join(w.Root, "layout")
	w.runName = layoutRegistry + "/run:latest"
	w.appName = layoutRegistry + "/app:latest"
	writeLayoutImage(t, filepath.Join(w.layoutDir, layoutRegistry, "run", "latest"),
		testutil.BusyboxImage(t, testutil.WithOCIMediaTypes()), "latest")
	w.mkdir(filepath.Join(w.Root, "cache"))
	return w
}

// writeLayoutImage writes img as the one image of an OCI layout at path,
// with go-containerregistry's own layout writer.
func writeLayoutImage(t *testing.T, path string, img v1.Image, ref string) {
	t.Helper()
	p, err := ggcrlayout.Write(path, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, ggcrlayout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
		t.Fatal(err)
	}
}

func (w *layoutWorkspace) env() []string {
	return []string{"CNB_PLATFORM_API=0.12", "CNB_EXPERIMENTAL_MODE=warn"}
}

// buildAndExport runs analyzer, detector, restorer, builder and exporter
// with -layout and returns the analyzer's analyzed.toml and the exporter's
// result.
func (w *layoutWorkspace) buildAndExport(t *testing.T) (map[string]any, result) {
	t.Helper()
	lay := []string{"-layout", "-layout-dir", w.layoutDir}
	res := w.run("analyzer", runOpts{args: append(append([]string{"-layers", w.Layers}, lay...), "-run-image", w.runName, w.appName), env: w.env()})
	wantCode(t, "analyzer", res, 0)
	wantContains(t, "analyzer stderr", strings.ToLower(res.stderr), "experimental")
	var analyzed map[string]any
	if _, err := toml.DecodeFile(filepath.Join(w.Layers, "analyzed.toml"), &analyzed); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	cache := filepath.Join(w.Root, "cache")
	wantCode(t, "restorer", w.run("restorer", runOpts{args: append([]string{"-layers", w.Layers, "-cache-dir", cache}, lay...), env: w.env()}), 0)
	wantCode(t, "builder", w.build("0.12", nil), 0)
	args := append([]string{"-layers", w.Layers, "-app", w.App, "-cache-dir", cache, "-launcher", filepath.Join(binDir, "launcher")}, lay...)
	return analyzed, w.run("exporter", runOpts{args: append(args, w.appName), env: w.env()})
}

// TestTGT5_LayoutExport builds an app image into an OCI layout, checks it
// with skopeo and umoci, then rebuilds from it: the second analyzer finds
// the previous image in the layout and the exporter reuses its layers
// (CONFORMANCE TGT-5, TGT-6, TGT-7, TGT-9, ANA-6, ANA-12, EXP-13).
func TestTGT5_LayoutExport(t *testing.T) {
	t.Parallel()
	w := newLayoutWorkspace(t)
	analyzed, res := w.buildAndExport(t)
	wantCode(t, "exporter", res, 0)

	runPath := filepath.Join(w.layoutDir, layoutRegistry, "run", "latest")
	ri, _ := analyzed["run-image"].(map[string]any)
	if ref, _ := ri["reference"].(string); !strings.HasPrefix(ref, runPath+"@sha256:") {
		t.Errorf("analyzed run-image.reference = %q, want %s@sha256:... (TGT-7)", ref, runPath)
	}
	if _, ok := analyzed["image"]; ok {
		if img, _ := analyzed["image"].(map[string]any); img["reference"] != nil && img["reference"] != "" {
			t.Errorf("first build found a previous image: %v", analyzed["image"])
		}
	}

	appPath := filepath.Join(w.layoutDir, layoutRegistry, "app", "latest")
	_, digest := w.report(t)
	// skopeo's and umoci's oci: references end the path at its first ':',
	// which the registry's port puts in it: reach the layout by a symlink.
	toolPath := filepath.Join(w.Root, "app-layout")
	if err := os.Symlink(appPath, toolPath); err != nil {
		t.Fatal(err)
	}
	out, err := testutil.Isolate(exec.Command("skopeo", "inspect", "--format", "{{.Digest}}", "oci:"+toolPath+":latest")).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect oci:%s:latest: %v\n%s", toolPath, err, out)
	}
	if got := strings.TrimSpace(string(out)); got != digest {
		t.Errorf("skopeo sees digest %s, report.toml says %s", got, digest)
	}
	copied := filepath.Join(w.Root, "copied")
	if out, err := testutil.Isolate(exec.Command("skopeo", "copy", "oci:"+toolPath+":latest", "oci:"+copied+":x")).CombinedOutput(); err != nil {
		t.Errorf("skopeo copy: %v\n%s", err, out)
	}
	p, err := ggcrlayout.FromPath(appPath)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := v1.NewHash(digest)
	img, err := p.Image(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("validate.Image(layout image) = %v", err)
	}
	if os.Geteuid() == 0 {
		bundle := filepath.Join(w.Root, "bundle")
		if out, err := exec.Command("umoci", "unpack", "--image", toolPath+":latest", bundle).CombinedOutput(); err != nil {
			t.Fatalf("umoci unpack: %v\n%s", err, out)
		}
		for _, f := range []string{"cnb/lifecycle/launcher", "cnb/process/web", strings.TrimPrefix(filepath.Join(w.App, "index.txt"), "/")} {
			if _, err := os.Lstat(filepath.Join(bundle, "rootfs", f)); err != nil {
				t.Errorf("unpacked image lacks /%s: %v", f, err)
			}
		}
	}

	// Second build: previous image from the layout, every layer reused.
	analyzed, res = w.buildAndExport(t)
	wantCode(t, "second exporter", res, 0)
	prev, _ := analyzed["image"].(map[string]any)
	if ref, _ := prev["reference"].(string); ref != appPath+"@"+digest {
		t.Errorf("second analyzed image.reference = %q, want %s@%s (TGT-7)", ref, appPath, digest)
	}
	for _, l := range []string{"Reusing layer 'example/web:runtime'", "Reusing layer 'app'", "Reusing layer 'launcher'"} {
		wantContains(t, "second exporter stdout", res.stdout, l)
	}
	if _, again := w.report(t); again != digest {
		t.Errorf("second digest = %s, want %s (RPR-4)", again, digest)
	}
}

// TestTGT5_LayoutInputs: -layout without -layout-dir, and a run image
// missing from the layout, fail clearly without touching any registry
// (CONFORMANCE ANA-12, TGT-5).
func TestTGT5_LayoutInputs(t *testing.T) {
	t.Parallel()
	w := newLayoutWorkspace(t)
	res := w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-layout", "-run-image", w.runName, w.appName}, env: w.env()})
	wantCode(t, "analyzer without -layout-dir", res, 3)
	wantContains(t, "stderr", res.stderr, "-layout-dir")
	res = w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-layout", "-layout-dir", w.layoutDir, "-run-image", layoutRegistry + "/missing:latest", w.appName}, env: w.env()})
	wantCode(t, "analyzer with a missing run image", res, 32)
	wantContains(t, "stderr", res.stderr, "missing")
}
