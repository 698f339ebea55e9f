package phase

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/cache"
	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
)

// flow is a build's directories after a builder ran: one buildpack with a
// launch+cache layer, an app, a launcher, against go-containerregistry's
// in-process registry. The phases run in this process, without root,
// dockerd or docker-registry.
type flow struct {
	t                       *testing.T
	dir, layers, app        string
	launcher, analyzed      string
	group, report, cacheDir string
	cacheImage              string
	reg                     image.Registry
	host, appRef, runRef    string
	v                       api.Version
}

func newFlow(t *testing.T) *flow {
	t.Helper()
	dir := t.TempDir()
	host := testutil.InProcessRegistry(t)
	f := &flow{t: t, dir: dir, layers: filepath.Join(dir, "layers"), app: filepath.Join(dir, "app"),
		launcher: filepath.Join(dir, "launcher"), analyzed: filepath.Join(dir, "layers", "analyzed.toml"),
		group: filepath.Join(dir, "layers", "group.toml"), report: filepath.Join(dir, "layers", "report.toml"),
		cacheDir: filepath.Join(dir, "cache"),
		reg:      image.Registry{Keychain: authn.DefaultKeychain, Insecure: []string{host}},
		host:     host, appRef: host + "/app:latest", runRef: host + "/run:latest", v: api.MustParse("0.14")}
	f.write("app/index.txt", "hello\n")
	f.write("launcher", "#!/bin/sh\n")
	f.write("layers/example_bp/runtime.toml", "[types]\nlaunch = true\ncache = true\n")
	f.write("layers/example_bp/runtime/bin/serve", "#!/bin/sh\necho serving\n")
	f.write("layers/example_bp/store.toml", "[metadata]\nbuilt = 1\n")
	if err := os.MkdirAll(f.cacheDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := buildpack.WriteGroup(f.group, buildpack.GroupFile{Group: []buildpack.GroupElement{{ID: "example/bp", Version: "1", API: "0.10"}}}); err != nil {
		t.Fatal(err)
	}
	md := launch.Metadata{Buildpacks: []launch.Buildpack{{ID: "example/bp", Version: "1", API: "0.10"}},
		Processes: []launch.Process{{Type: "web", Command: launch.Command{"serve"}, Direct: true, Default: true, BuildpackID: "example/bp"}}}
	if err := launch.WriteMetadata(launch.MetadataPath(f.layers), md, false); err != nil {
		t.Fatal(err)
	}
	testutil.Push(t, runImage(t, 2), f.runRef)
	return f
}

func (f *flow) write(rel, content string) {
	f.t.Helper()
	p := filepath.Join(f.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		f.t.Fatal(err)
	}
}

func (f *flow) analyze(st ImageStore) files.Analyzed {
	f.t.Helper()
	a, err := Analyze(context.Background(), AnalyzeConfig{PlatformAPI: f.v, Registry: f.reg, Store: st, Logger: log.Discard(),
		Inputs: platform.AnalyzeInputs{Image: f.appRef, PreviousImage: f.appRef, RunImage: f.runRef, LayersDir: f.layers,
			AnalyzedPath: f.analyzed, RunPath: filepath.Join(f.dir, "run.toml")}})
	if err != nil {
		f.t.Fatalf("Analyze() = %v", err)
	}
	return a
}

// withCacheImage makes the exports and restores use cache image ref
// instead of the volume cache.
func (f *flow) withCacheImage(ref string) { f.cacheImage, f.cacheDir = ref, "" }

func (f *flow) export(st ImageStore, images ...string) ExportResult {
	f.t.Helper()
	res, _ := f.exportLogged(st, images...)
	return res
}

// exportLogged is export, with what the exporter printed.
func (f *flow) exportLogged(st ImageStore, images ...string) (ExportResult, string) {
	f.t.Helper()
	var out strings.Builder
	if len(images) == 0 {
		images = []string{f.appRef}
	}
	res, err := Export(context.Background(), ExportConfig{PlatformAPI: f.v, Registry: f.reg, Store: st, Logger: log.New(&out, &out, log.InfoLevel, false),
		LifecycleVersion: "0.0.1", Inputs: platform.ExportInputs{Images: images, AnalyzedPath: f.analyzed, AppDir: f.app,
			CacheDir: f.cacheDir, CacheImage: f.cacheImage, GroupPath: f.group, LauncherPath: f.launcher, LayersDir: f.layers, ReportPath: f.report,
			RunPath: filepath.Join(f.dir, "run.toml"), UID: os.Getuid(), GID: os.Getgid()}})
	if err != nil {
		f.t.Fatalf("Export() = %v\n%s", err, out.String())
	}
	return res, out.String()
}

// TestFlowRegistry: analyze, export, analyze again, restore and re-export
// in-process: the second export reuses every layer and writes the same
// image; report.toml and analyzed.toml say what the registry holds; the
// restorer brings back store.toml and the cached layer (ANA-4, ANA-6,
// EXP-8, EXP-13, EXP-15, RPR-4, RES-1).
func TestFlowRegistry(t *testing.T) {
	f := newFlow(t)
	a := f.analyze(nil)
	if a.Image != nil {
		t.Errorf("first analyze found a previous image %+v", a.Image)
	}
	if !strings.HasPrefix(a.RunImage.Reference, f.host+"/run@sha256:") {
		t.Errorf("run-image.reference = %q, want a digest reference", a.RunImage.Reference)
	}
	first := f.export(nil)
	firstImg := testutil.Pull(t, f.appRef)
	if err := validate.Image(firstImg); err != nil {
		t.Errorf("validate.Image(exported) = %v", err)
	}
	digest := testutil.Digest(t, f.appRef)
	if first.Report.Image.Digest != digest.String() {
		t.Errorf("report digest %s, registry has %s", first.Report.Image.Digest, digest)
	}
	var onDisk files.Report
	if _, err := toml.DecodeFile(f.report, &onDisk); err != nil || onDisk.Image.Digest != digest.String() {
		t.Errorf("report.toml = %+v (%v), want digest %s", onDisk.Image, err, digest)
	}

	// The next build: the layers directory starts empty but for the
	// platform's files.
	for _, p := range []string{"example_bp"} {
		if err := os.RemoveAll(filepath.Join(f.layers, p)); err != nil {
			t.Fatal(err)
		}
	}
	a = f.analyze(nil)
	if a.Image == nil || a.Image.Reference != f.host+"/app@"+digest.String() {
		t.Fatalf("second analyze previous image = %+v, want %s@%s", a.Image, f.appRef, digest)
	}
	f.restore()
	for _, p := range []string{"example_bp/store.toml", "example_bp/runtime.toml", "example_bp/runtime/bin/serve"} {
		if _, err := os.Stat(filepath.Join(f.layers, p)); err != nil {
			t.Errorf("after Restore: %v", err)
		}
	}
	// The buildpack keeps its layer: from Buildpack API 0.6 it declares
	// the layer's types again (the restored ones are all false).
	f.write("layers/example_bp/runtime.toml", "[types]\nlaunch = true\ncache = true\n")
	second, out := f.exportLogged(nil)
	for _, l := range []string{"Reusing layer 'example/bp:runtime'", "Reusing layer 'app'", "*** Images (" + digest.Hex[:12] + "):", "*** Digest: " + digest.String()} {
		if !strings.Contains(out, l) {
			t.Errorf("re-export printed no %q:\n%s", l, out)
		}
	}
	if second.Report.Image.Digest != first.Report.Image.Digest {
		t.Errorf("re-export digest %s, want the first %s (nothing changed)", second.Report.Image.Digest, first.Report.Image.Digest)
	}
}

// restore runs the restorer with the flow's cache.
func (f *flow) restore() {
	f.t.Helper()
	if err := Restore(context.Background(), RestoreConfig{PlatformAPI: f.v, Registry: f.reg, Logger: log.Discard(),
		Inputs: platform.RestoreInputs{AnalyzedPath: f.analyzed, CacheDir: f.cacheDir, CacheImage: f.cacheImage, GroupPath: f.group,
			LayersDir: f.layers, UID: os.Getuid(), GID: os.Getgid()}}); err != nil {
		f.t.Fatalf("Restore() = %v", err)
	}
}

// TestFlowCacheImage: the cache in a registry image: the exporter writes
// it beside the app image, the restorer brings the cached layer back from
// it into an empty layers directory (CCH-2, RES-1).
func TestFlowCacheImage(t *testing.T) {
	f := newFlow(t)
	cacheRef := f.host + "/cache:latest"
	f.withCacheImage(cacheRef)
	f.analyze(nil)
	f.export(nil)
	cached := testutil.Pull(t, cacheRef)
	if err := validate.Image(cached); err != nil {
		t.Errorf("validate.Image(cache image) = %v", err)
	}
	if _, ok := mustConfig(t, cached).Config.Labels[cache.LabelMetadata]; !ok {
		t.Errorf("the cache image has no cache metadata label: %v", mustConfig(t, cached).Config.Labels)
	}
	if err := os.RemoveAll(filepath.Join(f.layers, "example_bp")); err != nil {
		t.Fatal(err)
	}
	f.analyze(nil)
	f.restore()
	data, err := os.ReadFile(filepath.Join(f.layers, "example_bp", "runtime", "bin", "serve"))
	if err != nil || string(data) != "#!/bin/sh\necho serving\n" {
		t.Errorf("restored layer file = %q, %v", data, err)
	}
}

func mustConfig(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

// TestFlowLayoutAndRebase: the same build into an OCI layout, then a
// rebase in the registry onto a new run image keeps the app layers
// (TGT-5, REB-4, REB-8).
func TestFlowLayoutAndRebase(t *testing.T) {
	f := newFlow(t)
	layoutDir := filepath.Join(f.dir, "layout")
	st, err := NewLayoutStore(layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	// The run image in the layout directory.
	runImg := testutil.Pull(t, f.runRef)
	if _, err := st.Write(context.Background(), runImg, []string{f.runRef}, nil); err != nil {
		t.Fatal(err)
	}
	a := f.analyze(st)
	if !strings.HasPrefix(a.RunImage.Reference, layoutDir+"/") {
		t.Errorf("layout run-image.reference = %q, want a path below %s", a.RunImage.Reference, layoutDir)
	}
	res := f.export(st)
	if res.Report.Image.Digest == "" {
		t.Errorf("layout export report = %+v, want a digest", res.Report.Image)
	}
	written, _, err := st.Read(context.Background(), f.appRef)
	if err != nil {
		t.Fatalf("reading the exported layout image: %v", err)
	}
	if err := validate.Image(written); err != nil {
		t.Errorf("validate.Image(layout image) = %v", err)
	}

	// Registry build, then a new run image under the same tag.
	f.analyze(nil)
	f.export(nil)
	app := testutil.Pull(t, f.appRef)
	testutil.Push(t, runImage(t, 1), f.runRef)
	report, err := Rebase(context.Background(), RebaseConfig{PlatformAPI: f.v, Store: NewRegistryStore(f.reg), Logger: log.Discard(),
		Inputs: platform.RebaseInputs{Images: []string{f.appRef}, PreviousImage: f.appRef, ReportPath: filepath.Join(f.dir, "rebase.toml")}})
	if err != nil {
		t.Fatalf("Rebase() = %v", err)
	}
	rebased := testutil.Pull(t, f.appRef)
	if err := validate.Image(rebased); err != nil {
		t.Errorf("validate.Image(rebased) = %v", err)
	}
	if d := testutil.Digest(t, f.appRef); report.Image.Digest != d.String() {
		t.Errorf("rebase report digest %s, registry has %s", report.Image.Digest, d)
	}
	appLayers, rebasedLayers := diffIDsOf(t, app), diffIDsOf(t, rebased)
	if len(rebasedLayers) != len(appLayers)-1 { // run image: 2 layers before, 1 now
		t.Fatalf("rebased image has %d layers, want %d", len(rebasedLayers), len(appLayers)-1)
	}
	for i := 2; i < len(appLayers); i++ {
		if rebasedLayers[i-1] != appLayers[i] {
			t.Errorf("app layer %d changed in the rebase: %s, was %s", i, rebasedLayers[i-1], appLayers[i])
		}
	}
}

func diffIDsOf(t *testing.T, img v1.Image) []v1.Hash {
	t.Helper()
	d, err := diffIDs(img)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// runImage is a random image of n layers for linux/amd64.
func runImage(t *testing.T, n int) v1.Image {
	t.Helper()
	img := testutil.RandomImage(t, n, 500)
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestFlowErrors: what the phases say, and with which exit code, when an
// input is wrong, in-process (ANA-3, EXP-1, REB-1; platform.md exit codes).
func TestFlowErrors(t *testing.T) {
	f := newFlow(t)
	ctx := context.Background()
	tests := []struct {
		name string
		run  func() error
		code int
		msg  string
	}{
		{"analyzer: run image missing", func() error {
			_, err := Analyze(ctx, AnalyzeConfig{PlatformAPI: f.v, Registry: f.reg, Logger: log.Discard(),
				Inputs: platform.AnalyzeInputs{Image: f.appRef, RunImage: f.host + "/nothing:latest", LayersDir: f.layers, AnalyzedPath: f.analyzed}})
			return err
		}, platform.CodeAnalyze, "nothing"},
		{"analyzer: bad image reference", func() error {
			_, err := Analyze(ctx, AnalyzeConfig{PlatformAPI: f.v, Registry: f.reg, Logger: log.Discard(),
				Inputs: platform.AnalyzeInputs{Image: "UPPER/Case::", RunImage: f.runRef, LayersDir: f.layers, AnalyzedPath: f.analyzed}})
			return err
		}, platform.CodeInvalidArgs, "UPPER/Case::"},
		{"exporter: no analyzed.toml", func() error {
			_, err := Export(ctx, ExportConfig{PlatformAPI: f.v, Registry: f.reg, Logger: log.Discard(),
				Inputs: platform.ExportInputs{Images: []string{f.appRef}, AnalyzedPath: filepath.Join(f.dir, "none.toml"), LayersDir: f.layers, GroupPath: f.group}})
			return err
		}, platform.CodeInvalidArgs, "run image not found"},
		{"exporter: images on two registries", func() error {
			_, err := Export(ctx, ExportConfig{PlatformAPI: f.v, Registry: f.reg, Logger: log.Discard(),
				Inputs: platform.ExportInputs{Images: []string{f.appRef, "other.example/app:1"}, AnalyzedPath: f.analyzed, LayersDir: f.layers}})
			return err
		}, platform.CodeInvalidArgs, "one registry"},
		{"rebaser: not a lifecycle image", func() error {
			_, err := Rebase(ctx, RebaseConfig{PlatformAPI: f.v, Store: NewRegistryStore(f.reg), Logger: log.Discard(),
				Inputs: platform.RebaseInputs{Images: []string{f.runRef}, PreviousImage: f.runRef, ReportPath: filepath.Join(f.dir, "r.toml")}})
			return err
		}, platform.CodeRebase, "not built by a buildpacks lifecycle"},
	}
	for _, tc := range tests {
		err := tc.run()
		if got := platform.CodeOf(err, -1); got != tc.code || err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v (exit %d), want exit %d and %q", tc.name, err, got, tc.code, tc.msg)
		}
	}
}
