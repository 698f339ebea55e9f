package acceptance

import (
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// anaLabel is a lifecycle metadata label as an exporter writes it
// (platform.md "io.buildpacks.lifecycle.metadata"), with sbomSHA as the
// diffID of the image's SBOM layer.
func anaLabel(sbomSHA string) string {
	return `{
  "app": [{"sha": "sha256:1111111111111111111111111111111111111111111111111111111111111111"},
          {"sha": "sha256:2222222222222222222222222222222222222222222222222222222222222222"}],
  "sbom": {"sha": "` + sbomSHA + `"},
  "config": {"sha": "sha256:3333333333333333333333333333333333333333333333333333333333333333"},
  "launcher": {"sha": "sha256:4444444444444444444444444444444444444444444444444444444444444444"},
  "processTypes": {"sha": "sha256:5555555555555555555555555555555555555555555555555555555555555555"},
  "buildpacks": [
    {
      "key": "example/node",
      "version": "1.2.3",
      "layers": {
        "modules": {
          "sha": "sha256:6666666666666666666666666666666666666666666666666666666666666666",
          "data": {"version": "18.0.0", "camelKey": "kept as is", "count": 3, "list": ["a", "b"], "nested": {"deep-key": true}},
          "build": false,
          "launch": true,
          "cache": true
        },
        "runtime": {
          "sha": "sha256:7777777777777777777777777777777777777777777777777777777777777777",
          "build": true,
          "launch": true,
          "cache": false
        }
      },
      "store": {"metadata": {"lastBuild": "2024-01-01", "runs": 7}}
    },
    {"key": "example/empty", "version": "0.1.0", "layers": {}}
  ],
  "runImage": {
    "topLayer": "sha256:8888888888888888888888888888888888888888888888888888888888888888",
    "reference": "registry.example.com/run@sha256:9999999999999999999999999999999999999999999999999999999999999999",
    "image": "registry.example.com/run",
    "mirrors": ["mirror.example.com/run", "other.example.com/run"]
  },
  "stack": {"runImage": {"image": "registry.example.com/run", "mirrors": ["mirror.example.com/run"]}}
}`
}

// anaLabelTOML is anaLabel as analyzed.toml's [metadata] table: the same
// values under the TOML (kebab-case) keys; arbitrary data keeps its keys.
func anaLabelTOML(sbomSHA string) string {
	return `
app = [{sha = "sha256:1111111111111111111111111111111111111111111111111111111111111111"},
       {sha = "sha256:2222222222222222222222222222222222222222222222222222222222222222"}]
sbom = {sha = "` + sbomSHA + `"}
config = {sha = "sha256:3333333333333333333333333333333333333333333333333333333333333333"}
launcher = {sha = "sha256:4444444444444444444444444444444444444444444444444444444444444444"}
process-types = {sha = "sha256:5555555555555555555555555555555555555555555555555555555555555555"}

[[buildpacks]]
key = "example/node"
version = "1.2.3"
[buildpacks.layers.modules]
sha = "sha256:6666666666666666666666666666666666666666666666666666666666666666"
build = false
launch = true
cache = true
[buildpacks.layers.modules.data]
version = "18.0.0"
camelKey = "kept as is"
count = 3
list = ["a", "b"]
nested = {deep-key = true}
[buildpacks.layers.runtime]
sha = "sha256:7777777777777777777777777777777777777777777777777777777777777777"
build = true
launch = true
cache = false
[buildpacks.store.metadata]
lastBuild = "2024-01-01"
runs = 7

[[buildpacks]]
key = "example/empty"
version = "0.1.0"

[run-image]
top-layer = "sha256:8888888888888888888888888888888888888888888888888888888888888888"
reference = "registry.example.com/run@sha256:9999999999999999999999999999999999999999999999999999999999999999"
image = "registry.example.com/run"
mirrors = ["mirror.example.com/run", "other.example.com/run"]

[stack.run-image]
image = "registry.example.com/run"
mirrors = ["mirror.example.com/run"]
`
}

// TestANA6_FIL1_AnalyzedContents checks the whole analyzed.toml for a
// previous image carrying a full lifecycle metadata label: [image]
// reference is the previous image's digest reference, [metadata] the label
// in TOML, [run-image] reference the run image's digest reference and,
// from Platform API 0.12, image (the name as given) and the target taken
// from the run image's config and io.buildpacks.base.* labels.
func TestANA6_FIL1_AnalyzedContents(t *testing.T) {
	t.Parallel()
	for _, api := range anaAPIs {
		t.Run("P"+api, func(t *testing.T) {
			t.Parallel()
			f := newAnaFixture(t)
			// The previous image has a real SBOM layer (the last one), as
			// an exporter makes it, holding <layers>/sbom/launch/....
			sbomFiles := testutil.WithFiles(map[string]string{
				filepath.Join(f.w.Layers, "sbom", "launch", "example_node", "modules", "sbom.cdx.json"): `{"bomFormat":"CycloneDX"}`,
			})
			layers, err := testutil.BusyboxImage(t, sbomFiles).Layers()
			if err != nil {
				t.Fatal(err)
			}
			sbomSHA, err := layers[len(layers)-1].DiffID()
			if err != nil {
				t.Fatal(err)
			}
			prev := f.push("app", testutil.BusyboxImage(t, sbomFiles, testutil.WithLabels(map[string]string{
				"io.buildpacks.lifecycle.metadata": anaLabel(sbomSHA.String()),
			})))
			run := f.runImage("run",
				testutil.WithPlatform("linux", "arm", "v7"),
				testutil.WithDistro("ubuntu", "22.04"),
				testutil.WithBaseID("io.buildpacks.stacks.jammy"),
				testutil.WithOCIMediaTypes())

			res := f.analyze(api, nil, "-layers", f.w.Layers, "-run-image", run, prev)
			wantCode(t, "analyzer", res, 0)
			got := readTOMLMap(t, f.analyzedPath())

			runImage := fmt.Sprintf("reference = %q\n", f.digestRef(run))
			if apiAtLeast(api, "0.12") {
				runImage += fmt.Sprintf("image = %q\n", run) + `
[run-image.target]
id = "io.buildpacks.stacks.jammy"
os = "linux"
arch = "arm"
arch-variant = "v7"
[run-image.target.distro]
name = "ubuntu"
version = "22.04"
`
			}
			want := decodeTOMLMap(t, fmt.Sprintf("[image]\nreference = %q\n\n[run-image]\n%s", f.digestRef(prev), runImage))
			want["metadata"] = decodeTOMLMap(t, anaLabelTOML(sbomSHA.String()))
			if g, w := anaNormalizeAnalyzed(got), anaNormalizeAnalyzed(want); !reflect.DeepEqual(g, w) {
				t.Errorf("analyzed.toml =\n%s\nwant (up to empty tables and integer types)\n%s", anaDump(got), anaDump(want))
				for _, k := range []string{"image", "metadata", "run-image"} {
					if !reflect.DeepEqual(g[k], w[k]) {
						t.Errorf("[%s] differs:\n got %#v\nwant %#v", k, g[k], w[k])
					}
				}
			}
		})
	}
}

// TestANA6_TargetFromRunImage: from Platform API 0.12 the target comes
// from the run image's config and labels (no variant when the config has
// none), and image is the run image name exactly as given.
func TestANA6_TargetFromRunImage(t *testing.T) {
	t.Parallel()
	forEachAPI(t, []string{"0.12", "0.13", "0.15"}, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run", testutil.WithPlatform("linux", "amd64", ""),
			testutil.WithBaseID("io.example.base"), testutil.WithDistro("alpine", "3.19"))
		m := f.analyzeOK(api, nil, "-run-image", run, f.repo("app"))
		anaWant(t, m, run, "run-image", "image")
		anaWant(t, m, "io.example.base", "run-image", "target", "id")
		anaWant(t, m, "linux", "run-image", "target", "os")
		anaWant(t, m, "amd64", "run-image", "target", "arch")
		if v, ok := anaGet(m, "run-image", "target", "arch-variant"); ok && v != "" {
			t.Errorf("run-image.target.arch-variant = %#v, want none", v)
		}
		anaWant(t, m, "alpine", "run-image", "target", "distro", "name")
		anaWant(t, m, "3.19", "run-image", "target", "distro", "version")

		// The name as given: with a tag, and unchanged.
		tagged := run + ":latest"
		m = f.analyzeOK(api, nil, "-run-image", tagged, f.repo("app"))
		anaWant(t, m, tagged, "run-image", "image")
		anaWant(t, m, f.digestRef(run), "run-image", "reference")
	})
}

// TestANA6_PreviousImageWithoutLabel: a previous image without the
// lifecycle label is still the previous image, with no metadata.
func TestANA6_PreviousImageWithoutLabel(t *testing.T) {
	t.Parallel()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run")
		prev := f.push("app", testutil.BusyboxImage(t))
		m := f.analyzeOK(api, nil, "-run-image", run, prev)
		anaWant(t, m, f.digestRef(prev), "image", "reference")
		if md, ok := anaGet(m, "metadata"); ok && len(anaNormalize(md).(map[string]any)) != 0 {
			t.Errorf("analyzed.toml [metadata] = %#v, want none or empty", md)
		}
	})
}

// TestANA6_NoTargetBeforeP012: before Platform API 0.12 [run-image] has
// only the reference, whatever the run image says.
func TestANA6_NoTargetBeforeP012(t *testing.T) {
	t.Parallel()
	forEachAPI(t, []string{"0.7", "0.9", "0.11"}, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run", testutil.WithPlatform("linux", "arm", "v7"))
		m := f.analyzeOK(api, nil, "-run-image", run, f.repo("app"))
		want := map[string]any{"reference": f.digestRef(run)}
		if got, _ := anaGet(anaNormalizeAnalyzed(m), "run-image"); !reflect.DeepEqual(got, want) {
			t.Errorf("analyzed.toml [run-image] = %#v, want %#v", got, want)
		}
	})
}

// TestANA7_RunImageWithoutOS_Exit32: from Platform API 0.12 a run image
// whose config has no os is exit 32; before, no target is read.
func TestANA7_RunImageWithoutOS_Exit32(t *testing.T) {
	t.Parallel()
	img := testutil.BusyboxImage(t)
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS = ""
	noOS, err := mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	run := sharedRegistry(t).Ref(registryRepo(t, "run-without-os"))
	testutil.Push(t, noOS, run+":latest")
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		res := f.analyze(api, nil, "-layers", f.w.Layers, "-run-image", run, f.repo("app"))
		if !apiAtLeast(api, "0.12") {
			wantCode(t, "analyzer(run image without os)", res, 0)
			anaWant(t, readTOMLMap(t, f.analyzedPath()), f.digestRef(run), "run-image", "reference")
			return
		}
		wantCode(t, "analyzer(run image without os)", res, 32)
		wantContains(t, "analyzer stderr", res.stderr, "failed to find OS in run image config")
	})
}

// TestANA8_UnreadablePreviousImage: a previous image whose metadata label
// is not JSON, or whose config cannot be read, counts as no previous
// image (exit 0, no [image]), with an info line.
func TestANA8_UnreadablePreviousImage(t *testing.T) {
	t.Parallel()
	shared := sharedRegistry(t)
	// A registry that loses the blobs of repositories named "corrupt":
	// their manifests read, their configs do not.
	proxy := anaProxy(t, shared.Host(), func(r *http.Request) (int, string) {
		read := r.Method == http.MethodGet || r.Method == http.MethodHead
		if read && strings.Contains(r.URL.Path, "/corrupt/") && strings.Contains(r.URL.Path, "/blobs/") {
			return http.StatusNotFound, "BLOB_UNKNOWN"
		}
		return 0, ""
	})
	run := anaSharedRunImage(t)
	notJSON := shared.Ref(registryRepo(t, "not-json"))
	testutil.Push(t, testutil.BusyboxImage(t, testutil.WithLabels(map[string]string{
		"io.buildpacks.lifecycle.metadata": "not json",
	})), notJSON+":latest")
	corrupt := shared.Ref(registryRepo(t, "corrupt/app"))
	testutil.Push(t, testutil.BusyboxImage(t, testutil.WithLabels(map[string]string{
		"io.buildpacks.lifecycle.metadata": `{"config":{"sha":"sha256:abc"}}`,
	})), corrupt+":latest")
	corruptViaProxy := proxy + "/" + registryRepo(t, "corrupt/app")

	cases := []struct{ name, prev, app string }{
		{"label not json", notJSON, notJSON},
		{"label not json, -previous-image", notJSON, shared.Ref(registryRepo(t, "app"))},
		{"config unreadable", corruptViaProxy, corruptViaProxy},
	}
	for _, api := range anaAPIs {
		for _, tc := range cases {
			t.Run("P"+api+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				args := []string{"-layers", f.w.Layers, "-run-image", run, "-previous-image", tc.prev, tc.app}
				if apiAtLeast(api, "0.13") {
					args = append([]string{"-insecure-registry", proxy}, args...)
				}
				res := f.analyze(api, nil, args...)
				wantCode(t, "analyzer("+tc.name+")", res, 0)
				wantContains(t, "analyzer stdout", res.stdout, strings.TrimPrefix(tc.prev, proxy+"/"))
				m := readTOMLMap(t, f.analyzedPath())
				anaWantNoPrevious(t, m)
				anaWant(t, m, f.digestRef(run), "run-image", "reference")
			})
		}
	}
}
