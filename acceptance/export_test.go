package acceptance

import (
	"archive/tar"
	"encoding/json"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// exportWorkspace is a workspace with one buildpack that makes a launch
// layer and a web process, a run image in the shared registry, and the
// reference of the app image to export.
type exportWorkspace struct {
	*workspace
	runRef, appRef string
}

func newExportWorkspace(t *testing.T) *exportWorkspace {
	t.Helper()
	reg := sharedRegistry(t)
	w := &exportWorkspace{workspace: newWorkspace(t)}
	w.runRef = reg.Ref(registryRepo(t, "run") + ":latest")
	w.appRef = reg.Ref(registryRepo(t, "app") + ":latest")
	testutil.Push(t, testutil.BusyboxImage(t), w.runRef)
	w.write(filepath.Join(w.App, "index.txt"), "hello from the app\n")
	w.addBuild(bbp{id: "example/web", api: "0.10", script: `
layer runtime launch
put runtime/bin/serve '#!/bin/sh
echo serving'
chmod +x "$L/runtime/bin/serve"
cat > "$L/launch.toml" <<'T'
[[processes]]
type = "web"
command = ["serve"]
default = true
T
`})
	w.setOrder([]ref{r("example/web")})
	return w
}

// build runs analyzer, detector, builder and exporter at Platform API 0.12
// and returns the exporter's result.
func (w *exportWorkspace) buildAndExport(t *testing.T, extra ...string) result {
	t.Helper()
	env := []string{"CNB_PLATFORM_API=0.12"}
	wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env}), 0)
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	wantCode(t, "builder", w.build("0.12", nil), 0)
	args := append([]string{"-layers", w.Layers, "-app", w.App, "-launcher", filepath.Join(binDir, "launcher")}, extra...)
	return w.run("exporter", runOpts{args: append(args, w.appRef), env: env})
}

func (w *exportWorkspace) report(t *testing.T) (tags []string, digest string) {
	t.Helper()
	var r struct {
		Image struct {
			Tags   []string `toml:"tags"`
			Digest string   `toml:"digest"`
		} `toml:"image"`
	}
	if _, err := toml.DecodeFile(filepath.Join(w.Layers, "report.toml"), &r); err != nil {
		t.Fatalf("reading report.toml: %v", err)
	}
	return r.Image.Tags, r.Image.Digest
}

// TestEXP_RegistryExport builds an app image into the real registry and
// checks its shape (CONFORMANCE EXP-4, EXP-6..11, EXP-15, LBL-2, LBL-3, TGT-1).
func TestEXP_RegistryExport(t *testing.T) {
	t.Parallel()
	w := newExportWorkspace(t)
	res := w.buildAndExport(t)
	wantCode(t, "exporter", res, 0)
	tags, digest := w.report(t)
	if len(tags) != 1 || tags[0] != w.appRef {
		t.Errorf("report.toml tags = %v, want [%s] (EXP-15)", tags, w.appRef)
	}
	if got := testutil.Digest(t, w.appRef).String(); got != digest {
		t.Errorf("report.toml digest = %s, registry has %s", digest, got)
	}
	img := testutil.Pull(t, w.appRef)
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate.Image(%s) = %v", w.appRef, err)
	}
	base := testutil.Pull(t, w.runRef)
	baseLayers, _ := base.Layers()
	layers, _ := img.Layers()
	// run image, the buildpack layer, app, launcher, config, process types.
	if got, want := len(layers), len(baseLayers)+5; got != want {
		t.Errorf("layers = %d, want %d (EXP-4)", got, want)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cf.Config.Entrypoint, " "); got != "/cnb/process/web" {
		t.Errorf("entrypoint = %q, want /cnb/process/web (EXP-8)", got)
	}
	if cf.Config.WorkingDir != w.App {
		t.Errorf("working dir = %q, want %s (EXP-10)", cf.Config.WorkingDir, w.App)
	}
	env := strings.Join(cf.Config.Env, "\n")
	for _, want := range []string{"CNB_LAYERS_DIR=" + w.Layers, "CNB_APP_DIR=" + w.App, "CNB_PLATFORM_API=0.12", "PATH=/cnb/process:/cnb/lifecycle:"} {
		wantContains(t, "image env", env, want)
	}
	if cf.Created.Year() != 1980 {
		t.Errorf("created = %s, want 1980-01-01T00:00:01Z (RPR-3)", cf.Created)
	}
	var lmd struct {
		Buildpacks []struct {
			Key    string                     `json:"key"`
			Layers map[string]json.RawMessage `json:"layers"`
		} `json:"buildpacks"`
		Launcher struct{ SHA string } `json:"launcher"`
		RunImage struct {
			TopLayer  string `json:"topLayer"`
			Reference string `json:"reference"`
		} `json:"runImage"`
	}
	if err := json.Unmarshal([]byte(cf.Config.Labels["io.buildpacks.lifecycle.metadata"]), &lmd); err != nil {
		t.Fatalf("lifecycle metadata label: %v", err)
	}
	if len(lmd.Buildpacks) != 1 || lmd.Buildpacks[0].Key != "example/web" || lmd.Buildpacks[0].Layers["runtime"] == nil {
		t.Errorf("lifecycle label buildpacks = %+v, want example/web with layer runtime (LBL-2)", lmd.Buildpacks)
	}
	if !strings.HasPrefix(lmd.Launcher.SHA, "sha256:") || !strings.Contains(lmd.RunImage.Reference, "@sha256:") || lmd.RunImage.TopLayer == "" {
		t.Errorf("lifecycle label = %+v, want launcher sha, run image digest reference and top layer", lmd)
	}
	wantContains(t, "build label", cf.Config.Labels["io.buildpacks.build.metadata"], `"type":"web"`)
	if cf.Config.Labels["io.buildpacks.project.metadata"] != "{}" {
		t.Errorf("project label = %q, want {} (LBL-4)", cf.Config.Labels["io.buildpacks.project.metadata"])
	}
}

// TestEXP13_RebuildReusesLayers exports twice: the second build finds the
// first image as its previous image and reuses every layer, giving the same
// digest (CONFORMANCE EXP-13, RPR-4).
func TestEXP13_RebuildReusesLayers(t *testing.T) {
	t.Parallel()
	w := newExportWorkspace(t)
	wantCode(t, "first export", w.buildAndExport(t), 0)
	_, first := w.report(t)
	second := w.buildAndExport(t)
	wantCode(t, "second export", second, 0)
	_, again := w.report(t)
	if again != first {
		t.Errorf("second digest = %s, want %s (RPR-4)", again, first)
	}
	for _, l := range []string{"Reusing layer 'example/web:runtime'", "Reusing layer 'launcher'", "Reusing layer 'app'"} {
		wantContains(t, "second export stdout", second.stdout, l)
	}
	// A changed app is a new app layer; the rest is reused.
	w.write(filepath.Join(w.App, "index.txt"), "changed\n")
	third := w.buildAndExport(t)
	wantCode(t, "third export", third, 0)
	wantContains(t, "third export stdout", third.stdout, "Adding layer 'app'")
	wantContains(t, "third export stdout", third.stdout, "Reusing layer 'example/web:runtime'")
	if _, d := w.report(t); d == first {
		t.Error("a changed app gave the same digest")
	}
}

// TestEXP2_ExporterInputs covers bad inputs (CONFORMANCE EXP-2).
func TestEXP2_ExporterInputs(t *testing.T) {
	t.Parallel()
	w := newExportWorkspace(t)
	env := []string{"CNB_PLATFORM_API=0.12"}
	res := w.run("exporter", runOpts{args: []string{"-layers", w.Layers}, env: env})
	wantCode(t, "exporter without image", res, 3)
	res = w.run("exporter", runOpts{args: []string{"-layers", w.Layers, w.appRef}, env: env})
	wantCode(t, "exporter without analyzed.toml", res, 3)
	wantContains(t, "stderr", res.stderr, "run image not found")
	res = w.run("exporter", runOpts{args: []string{"-layers", w.Layers, w.appRef, "other.example.com/app"}, env: env})
	wantCode(t, "exporter with two registries", res, 3)
	res = w.run("exporter", runOpts{args: []string{"-layers", w.Layers, "-run-image", "x", w.appRef}, env: env})
	wantCode(t, "exporter -run-image", res, 3)
}

// TestTGT8_LayerMediaTypesFollowTheBase: new layers on a Docker run image
// are Docker layers (CONFORMANCE TGT-8).
func TestTGT8_LayerMediaTypesFollowTheBase(t *testing.T) {
	t.Parallel()
	w := newExportWorkspace(t)
	wantCode(t, "exporter", w.buildAndExport(t), 0)
	img := testutil.Pull(t, w.appRef)
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Layers {
		if l.MediaType != m.Layers[0].MediaType {
			t.Errorf("layer %s has media type %s, base layers have %s", l.Digest, l.MediaType, m.Layers[0].MediaType)
		}
	}
}

// TestEXP5_AppSlices: each slice of launch.toml becomes its own layer, in
// order, files matched by an earlier slice excluded; an empty slice gets no
// layer; the rest of the app follows (CONFORMANCE EXP-5, LBL-2 app).
func TestEXP5_AppSlices(t *testing.T) {
	t.Parallel()
	w := newExportWorkspace(t)
	w.write(filepath.Join(w.App, "static", "a.css"), "css")
	w.write(filepath.Join(w.App, "static", "b.js"), "js")
	w.write(filepath.Join(w.App, "lib", "x.jar"), "jar")
	w.addBuild(bbp{id: "example/slicer", api: "0.10", script: `
cat > "$L/launch.toml" <<'T'
[[slices]]
paths = ["static/*.css"]
[[slices]]
paths = ["nothing/*"]
[[slices]]
paths = ["static", "lib/*.jar"]
T
`})
	w.setOrder([]ref{r("example/slicer"), r("example/web")})
	wantCode(t, "exporter", w.buildAndExport(t), 0)
	img := testutil.Pull(t, w.appRef)
	cf, _ := img.ConfigFile()
	var lmd struct {
		App []struct{ SHA string } `json:"app"`
	}
	if err := json.Unmarshal([]byte(cf.Config.Labels["io.buildpacks.lifecycle.metadata"]), &lmd); err != nil {
		t.Fatal(err)
	}
	if len(lmd.App) != 3 {
		t.Fatalf("app layers = %d, want 3 (css slice, static+jar slice, the rest; the empty slice has none)", len(lmd.App))
	}
	files := func(sha string) []string {
		var out []string
		for name := range layerFiles(t, img, sha) {
			out = append(out, strings.TrimPrefix(name, strings.TrimPrefix(w.App, "/")+"/"))
		}
		sort.Strings(out)
		return out
	}
	wantEqual(t, "slice 1 files", files(lmd.App[0].SHA), []string{"static/a.css"})
	wantEqual(t, "slice 3 files", files(lmd.App[1].SHA), []string{"lib/x.jar", "static/b.js"})
	wantEqual(t, "rest of the app", files(lmd.App[2].SHA), []string{"index.txt"})
}

// TestEXP16_LauncherSBOM: the launcher's SBOM from -launcher-sbom lands in
// the image's SBOM layer (P0.11+, CONFORMANCE EXP-16, SBOM-1).
func TestEXP16_LauncherSBOM(t *testing.T) {
	t.Parallel()
	w := newExportWorkspace(t)
	sbomDir := filepath.Join(w.Root, "lifecycle-sbom")
	w.write(filepath.Join(sbomDir, "launcher.sbom.cdx.json"), `{"launcher":true}`)
	w.write(filepath.Join(sbomDir, "lifecycle.sbom.cdx.json"), `{"lifecycle":true}`)
	wantCode(t, "exporter", w.buildAndExport(t, "-launcher-sbom", sbomDir), 0)
	got := w.readFile(filepath.Join(w.Layers, "sbom", "launch", "buildpacksio_lifecycle", "launcher", "sbom.cdx.json"))
	if got != `{"launcher":true}` {
		t.Errorf("launcher SBOM = %q", got)
	}
	if !exists(filepath.Join(w.Layers, "sbom", "build", "buildpacksio_lifecycle", "sbom.cdx.json")) {
		t.Error("lifecycle SBOM not copied to <layers>/sbom/build")
	}
	img := testutil.Pull(t, w.appRef)
	cf, _ := img.ConfigFile()
	var lmd struct {
		SBOM struct{ SHA string } `json:"sbom"`
	}
	json.Unmarshal([]byte(cf.Config.Labels["io.buildpacks.lifecycle.metadata"]), &lmd)
	if lmd.SBOM.SHA == "" {
		t.Error("no SBOM layer in the image's lifecycle metadata (SBOM-1)")
	}
}

// layerFiles reads the regular files of img's layer with diffID sha, by
// path in the tar.
func layerFiles(t *testing.T, img v1.Image, sha string) map[string][]byte {
	t.Helper()
	h, err := v1.NewHash(sha)
	if err != nil {
		t.Fatalf("layer %q: %v", sha, err)
	}
	l, err := img.LayerByDiffID(h)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		if hdr.Typeflag == tar.TypeReg {
			data, _ := io.ReadAll(tr)
			out[hdr.Name] = data
		}
	}
	return out
}
