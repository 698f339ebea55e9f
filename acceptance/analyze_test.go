package acceptance

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// TestANA1_FlagsAndEnvTwins gives each input by flag ("-f v" and "-f=v")
// and by environment variable and checks that the analyzer read it:
// analyzed.toml lands at <analyzed>, names <run-image> and describes
// <previous-image> rather than <image>.
func TestANA1_FlagsAndEnvTwins(t *testing.T) {
	t.Parallel()
	for _, api := range anaAPIs {
		for _, form := range []string{"flags", "flags with =", "env"} {
			t.Run("P"+api+"/"+form, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				run := f.runImage("run")
				prev := f.push("prev", testutil.BusyboxImage(t, testutil.WithLabels(map[string]string{
					"io.buildpacks.lifecycle.metadata": `{"launcher":{"sha":"sha256:from-prev"}}`,
				})))
				app := f.repo("app")
				layers := filepath.Join(f.w.Root, "other-layers")
				analyzed := filepath.Join(f.w.Root, "out", "my-analyzed.toml")
				f.w.mkdir(layers)

				inputs := [][2]string{
					{"analyzed", analyzed}, {"run-image", run}, {"previous-image", prev}, {"layers", layers},
				}
				envNames := map[string]string{
					"analyzed": "CNB_ANALYZED_PATH", "run-image": "CNB_RUN_IMAGE",
					"previous-image": "CNB_PREVIOUS_IMAGE", "layers": "CNB_LAYERS_DIR",
				}
				var args, env []string
				for _, in := range inputs {
					switch form {
					case "flags":
						args = append(args, "-"+in[0], in[1])
					case "flags with =":
						args = append(args, "-"+in[0]+"="+in[1])
					case "env":
						env = append(env, envNames[in[0]]+"="+in[1])
					}
				}
				res := f.analyze(api, env, append(args, app)...)
				wantCode(t, "analyzer("+form+")", res, 0)
				if exists(filepath.Join(layers, "analyzed.toml")) || exists(f.analyzedPath()) {
					t.Errorf("analyzed.toml written under a layers directory, want only %s", analyzed)
				}
				m := readTOMLMap(t, analyzed)
				anaWant(t, m, f.digestRef(run), "run-image", "reference")
				anaWant(t, m, f.digestRef(prev), "image", "reference")
				anaWant(t, m, "sha256:from-prev", "metadata", "launcher", "sha")
			})
		}
	}
}

// TestANA1_DefaultAnalyzedPath: without -analyzed the file is
// <layers>/analyzed.toml, <layers> coming from -layers or CNB_LAYERS_DIR.
func TestANA1_DefaultAnalyzedPath(t *testing.T) {
	t.Parallel()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run")
		app := f.repo("app")

		res := f.analyze(api, []string{"CNB_LAYERS_DIR=" + f.w.Layers}, "-run-image", run, app)
		wantCode(t, "analyzer(CNB_LAYERS_DIR)", res, 0)
		anaWant(t, readTOMLMap(t, f.analyzedPath()), f.digestRef(run), "run-image", "reference")

		other := filepath.Join(f.w.Root, "flag-layers")
		f.w.mkdir(other)
		res = f.analyze(api, []string{"CNB_LAYERS_DIR=" + f.w.Layers}, "-layers", other, "-run-image", run, app)
		wantCode(t, "analyzer(-layers beats CNB_LAYERS_DIR)", res, 0)
		anaWant(t, readTOMLMap(t, filepath.Join(other, "analyzed.toml")), f.digestRef(run), "run-image", "reference")
	})
}

// TestANA1_GEN3_FlagsBeatEnv: each flag wins over its environment twin,
// which here names something that does not exist.
func TestANA1_GEN3_FlagsBeatEnv(t *testing.T) {
	t.Parallel()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run")
		prev := f.push("prev", testutil.BusyboxImage(t))
		app := f.repo("app")
		analyzed := filepath.Join(f.w.Root, "flag-analyzed.toml")
		env := []string{
			"CNB_RUN_IMAGE=" + f.repo("no-such-run"),
			"CNB_PREVIOUS_IMAGE=" + f.repo("no-such-prev"),
			"CNB_ANALYZED_PATH=" + filepath.Join(f.w.Root, "env-analyzed.toml"),
		}
		res := f.analyze(api, env, "-layers", f.w.Layers, "-analyzed", analyzed, "-run-image", run, "-previous-image", prev, app)
		wantCode(t, "analyzer(flags and env)", res, 0)
		if exists(filepath.Join(f.w.Root, "env-analyzed.toml")) {
			t.Errorf("analyzed.toml written to CNB_ANALYZED_PATH, want -analyzed")
		}
		m := readTOMLMap(t, analyzed)
		anaWant(t, m, f.digestRef(run), "run-image", "reference")
		anaWant(t, m, f.digestRef(prev), "image", "reference")
	})
}

// TestANA1_GEN4_FlagsGatedByPlatformAPI: a flag the Platform API does not
// define is an unknown flag (exit 2); at the API that defines it, it is
// accepted.
func TestANA1_GEN4_FlagsGatedByPlatformAPI(t *testing.T) {
	t.Parallel()
	cases := []struct {
		api, name string
		args      func(f *anaFixture) []string
		want      int
	}{
		{"0.11", "run", func(f *anaFixture) []string { return []string{"-run", filepath.Join(f.w.Root, "run.toml")} }, 2},
		{"0.12", "stack", func(f *anaFixture) []string { return []string{"-stack", filepath.Join(f.w.Root, "stack.toml")} }, 2},
		{"0.7", "skip-layers", func(*anaFixture) []string { return []string{"-skip-layers"} }, 2},
		{"0.8", "skip-layers", func(*anaFixture) []string { return []string{"-skip-layers"} }, 2},
		{"0.8", "launch-cache", func(f *anaFixture) []string { return []string{"-launch-cache", f.w.Tmp} }, 2},
		{"0.11", "layout", func(*anaFixture) []string { return []string{"-layout"} }, 2},
		{"0.11", "layout-dir", func(f *anaFixture) []string { return []string{"-layout-dir", f.w.Tmp} }, 2},
		{"0.12", "insecure-registry", func(f *anaFixture) []string { return []string{"-insecure-registry", f.reg.Host()} }, 2},
		{"0.15", "no-such-flag", func(*anaFixture) []string { return []string{"-no-such-flag"} }, 2},
		// Defined: the run goes through.
		{"0.9", "skip-layers", func(*anaFixture) []string { return []string{"-skip-layers"} }, 0},
		{"0.15", "skip-layers", func(*anaFixture) []string { return []string{"-skip-layers=true"} }, 0},
		{"0.11", "stack", func(f *anaFixture) []string { return []string{"-stack", filepath.Join(f.w.Root, "stack.toml")} }, 0},
		{"0.12", "run", func(f *anaFixture) []string { return []string{"-run", filepath.Join(f.w.Root, "run.toml")} }, 0},
		{"0.13", "insecure-registry", func(f *anaFixture) []string { return []string{"-insecure-registry", f.reg.Host()} }, 0},
		{"0.7", "log-level", func(*anaFixture) []string { return []string{"-log-level", "debug", "-no-color"} }, 0},
	}
	runImg := anaSharedRunImage(t)
	for _, tc := range cases {
		t.Run("P"+tc.api+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newAnaFixture(t)
			args := append([]string{"-layers", f.w.Layers, "-run-image", runImg}, tc.args(f)...)
			res := f.analyze(tc.api, nil, append(args, f.repo("app"))...)
			wantCode(t, "analyzer "+strings.Join(tc.args(f), " "), res, tc.want)
		})
	}
}

// TestANA1_InsecureRegistry: from Platform API 0.13 -insecure-registry
// (repeatable) and CNB_INSECURE_REGISTRIES (comma list) name registries
// reached without TLS; the plain-HTTP test registry stays reachable.
func TestANA1_InsecureRegistry(t *testing.T) {
	t.Parallel()
	for _, api := range []string{"0.13", "0.15"} {
		for _, form := range []string{"flag", "repeated flag", "env"} {
			t.Run("P"+api+"/"+form, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				run := f.runImage("run")
				prev := f.push("app", testutil.BusyboxImage(t))
				var args, env []string
				switch form {
				case "flag":
					args = []string{"-insecure-registry", f.reg.Host()}
				case "repeated flag":
					args = []string{"-insecure-registry", "example.com", "-insecure-registry=" + f.reg.Host()}
				case "env":
					env = []string{"CNB_INSECURE_REGISTRIES=example.com," + f.reg.Host()}
				}
				m := f.analyzeOK(api, env, append(args, "-run-image", run, prev)...)
				anaWant(t, m, f.digestRef(run), "run-image", "reference")
				anaWant(t, m, f.digestRef(prev), "image", "reference")
			})
		}
	}
}

// TestANA1_RunAndStackPathEnv: CNB_RUN_PATH (P0.12+) and CNB_STACK_PATH
// (before 0.12) name the run image source; each is ignored at the Platform
// APIs that do not define it.
func TestANA1_RunAndStackPathEnv(t *testing.T) {
	t.Parallel()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run")
		app := f.repo("app")
		runTOML := filepath.Join(f.w.Platform, "run.toml")
		stackTOML := filepath.Join(f.w.Platform, "stack.toml")
		anaWriteFile(t, runTOML, anaRunTOML(run), 0o644)
		anaWriteFile(t, stackTOML, anaStackTOML(run), 0o644)
		missing := filepath.Join(f.w.Root, "missing.toml")

		own, other := "CNB_STACK_PATH", "CNB_RUN_PATH"
		ownFile, otherFile := stackTOML, runTOML
		if apiAtLeast(api, "0.12") {
			own, other = other, own
			ownFile, otherFile = otherFile, ownFile
		}
		m := f.analyzeOK(api, []string{own + "=" + ownFile}, app)
		anaWant(t, m, f.digestRef(run), "run-image", "reference")

		// The other API's file alone is no run image source.
		res := f.analyze(api, []string{own + "=" + missing, other + "=" + otherFile}, "-layers", f.w.Layers, app)
		wantCode(t, "analyzer("+other+" only)", res, 3)
	})
}

// TestANA1_LogLevel: -log-level and CNB_LOG_LEVEL set what is logged; at
// warn the info line about a missing previous image is not printed.
func TestANA1_LogLevel(t *testing.T) {
	t.Parallel()
	run := anaSharedRunImage(t)
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		app := f.repo("app")
		cases := []struct {
			name     string
			env      []string
			args     []string
			wantInfo bool
		}{
			{"default", nil, nil, true},
			{"CNB_LOG_LEVEL=warn", []string{"CNB_LOG_LEVEL=warn"}, nil, false},
			{"-log-level warn", nil, []string{"-log-level", "warn"}, false},
			{"-log-level beats CNB_LOG_LEVEL", []string{"CNB_LOG_LEVEL=warn"}, []string{"-log-level=info"}, true},
		}
		for _, tc := range cases {
			args := append(append([]string{"-layers", f.w.Layers}, tc.args...), "-run-image", run, app)
			res := f.analyze(api, tc.env, args...)
			wantCode(t, "analyzer("+tc.name+")", res, 0)
			if got := strings.Contains(res.stdout, registryRepo(t, "app")); got != tc.wantInfo {
				t.Errorf("analyzer(%s) printed the missing previous image: %v, want %v\n--- stdout:\n%s", tc.name, got, tc.wantInfo, res.stdout)
			}
		}
	})
}

// TestANA2_NoImage_Exit3: the positional <image> is required.
func TestANA2_NoImage_Exit3(t *testing.T) {
	t.Parallel()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run")
		res := f.analyze(api, nil, "-layers", f.w.Layers, "-run-image", run)
		wantCode(t, "analyzer(no image)", res, 3)
		if exists(f.analyzedPath()) {
			t.Errorf("analyzer without <image> wrote %s", f.analyzedPath())
		}
		res = f.analyze(api, nil, "-layers", f.w.Layers, "-run-image", run, f.repo("a"), f.repo("b"))
		wantCode(t, "analyzer(two images)", res, 3)
	})
}

// TestANA2_BadReferences_Exit3: <image>, tags and the other references
// must parse, and the tags must be on <image>'s registry.
func TestANA2_BadReferences_Exit3(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args func(f *anaFixture) []string
	}{
		{"tag on another registry", func(f *anaFixture) []string {
			return []string{"-tag", "example.com/app:v2", f.repo("app")}
		}},
		{"second tag on another registry", func(f *anaFixture) []string {
			return []string{"-tag", f.repo("app") + ":v2", "-tag", "registry.example.com/app:v3", f.repo("app")}
		}},
		{"tag on default registry", func(f *anaFixture) []string {
			return []string{"-tag", "library/app:v2", f.repo("app")}
		}},
		{"bad tag", func(f *anaFixture) []string { return []string{"-tag", f.repo("app") + ":bad:tag:", f.repo("app")} }},
		{"bad image", func(f *anaFixture) []string { return []string{f.repo("App") + "::bad"} }},
		{"bad previous image", func(f *anaFixture) []string {
			return []string{"-previous-image", "Not A Reference", f.repo("app")}
		}},
		{"bad run image", func(f *anaFixture) []string { return []string{"-run-image", "Not A Reference", f.repo("app")} }},
	}
	for _, api := range anaAPIs {
		for _, tc := range cases {
			t.Run("P"+api+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				args := tc.args(f)
				if !strings.Contains(tc.name, "run image") {
					args = append([]string{"-run-image", f.runImage("run")}, args...)
				}
				res := f.analyze(api, nil, append([]string{"-layers", f.w.Layers}, args...)...)
				wantCode(t, "analyzer("+tc.name+")", res, 3)
			})
		}
	}
}

// TestANA2_Tags: tags on <image>'s registry are accepted, and an empty
// -tag= (Tekton passes one when the list is empty) is ignored.
func TestANA2_Tags(t *testing.T) {
	t.Parallel()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run")
		app := f.repo("app")
		m := f.analyzeOK(api, nil, "-run-image", run, "-tag", app+":v1", "-tag="+f.repo("other")+":v2", "-tag=", app)
		anaWant(t, m, f.digestRef(run), "run-image", "reference")
		m = f.analyzeOK(api, nil, "-run-image", run, "-tag=", app)
		anaWant(t, m, f.digestRef(run), "run-image", "reference")
	})
}

// TestANA3_RunImageFlag: -run-image and CNB_RUN_IMAGE are used as given,
// ahead of run.toml or stack.toml.
func TestANA3_RunImageFlag(t *testing.T) {
	t.Parallel()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run")
		fromFile := f.runImage("from-file", testutil.WithBaseID("from-file"))
		app := f.repo("app")
		source := f.runSourceArgs(api, fromFile)

		m := f.analyzeOK(api, nil, append(source, "-run-image", run, app)...)
		anaWant(t, m, f.digestRef(run), "run-image", "reference")
		m = f.analyzeOK(api, []string{"CNB_RUN_IMAGE=" + run}, append(source, app)...)
		anaWant(t, m, f.digestRef(run), "run-image", "reference")
		m = f.analyzeOK(api, nil, append(source, app)...)
		anaWant(t, m, f.digestRef(fromFile), "run-image", "reference")
		if apiAtLeast(api, "0.12") {
			anaWant(t, m, fromFile, "run-image", "image")
		}
	})
}

// TestANA3_FIL12_RunImageMirrors: without -run-image the run image is the
// first of run.toml's (stack.toml's before 0.12) image and mirrors that is
// on <image>'s registry and exists, else the first that exists; none
// existing is exit 32.
func TestANA3_FIL12_RunImageMirrors(t *testing.T) {
	t.Parallel()
	shared := sharedRegistry(t)
	other := testutil.StartRegistry(t)
	sharedRun := shared.Ref(registryRepo(t, "run"))
	otherRun := other.Ref(registryRepo(t, "run"))
	testutil.Push(t, testutil.BusyboxImage(t, testutil.WithBaseID("shared")), sharedRun+":latest")
	testutil.Push(t, testutil.BusyboxImage(t, testutil.WithBaseID("other")), otherRun+":latest")
	// A third registry for an app image on neither registry of the run
	// images: a proxy to the shared registry under another host:port.
	third := anaProxy(t, shared.Host(), func(*http.Request) (int, string) { return 0, "" })
	refs := map[string]string{
		"shared/run":     sharedRun,
		"other/run":      otherRun,
		"shared/missing": shared.Ref(registryRepo(t, "missing")),
		"other/missing":  other.Ref(registryRepo(t, "missing")),
	}
	apps := map[string]string{
		"shared": shared.Ref(registryRepo(t, "app")),
		"other":  other.Ref(registryRepo(t, "app")),
		"third":  third + "/" + registryRepo(t, "app"),
	}
	cases := []struct {
		name    string
		image   string
		mirrors []string
		app     string
		want    string // key of refs; "" for exit 32
	}{
		{"mirror on app registry listed second", "other/run", []string{"shared/run"}, "shared", "shared/run"},
		{"image on app registry", "shared/run", []string{"other/run"}, "shared", "shared/run"},
		{"image on app registry other", "shared/run", []string{"other/run"}, "other", "other/run"},
		{"later mirror on app registry", "other/run", []string{"shared/missing", "shared/run"}, "shared", "shared/run"},
		{"missing on app registry", "shared/missing", []string{"other/run"}, "shared", "other/run"},
		{"none on app registry", "other/missing", []string{"shared/run", "other/run"}, "third", "shared/run"},
		{"no mirrors", "other/run", nil, "shared", "other/run"},
		{"none exists", "shared/missing", []string{"other/missing"}, "shared", ""},
	}
	for _, api := range anaAPIs {
		for _, tc := range cases {
			t.Run("P"+api+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				var mirrors []string
				for _, m := range tc.mirrors {
					mirrors = append(mirrors, refs[m])
				}
				args := append(f.runSourceArgs(api, refs[tc.image], mirrors...), "-layers", f.w.Layers, apps[tc.app])
				if api == "0.13" {
					args = append([]string{"-insecure-registry", other.Host(), "-insecure-registry", third}, args...)
				}
				res := f.analyze(api, nil, args...)
				if tc.want == "" {
					wantCode(t, "analyzer(no run image exists)", res, 32)
					wantContains(t, "analyzer output", res.output(), "failed to find accessible run image")
					return
				}
				wantCode(t, "analyzer", res, 0)
				m := readTOMLMap(t, f.analyzedPath())
				want := refs[tc.want]
				anaWant(t, m, want+"@"+testutil.Digest(t, want+":latest").String(), "run-image", "reference")
				if apiAtLeast(api, "0.12") {
					anaWant(t, m, want, "run-image", "image")
				} else {
					anaWantAbsent(t, m, "run-image", "image")
				}
			})
		}
	}
}

// TestANA3_FIL9_FirstRunTOMLEntry: with several [[images]] the first one
// holds the run image.
func TestANA3_FIL9_FirstRunTOMLEntry(t *testing.T) {
	t.Parallel()
	forEachAPI(t, []string{"0.12", "0.13", "0.15"}, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		first := f.runImage("first", testutil.WithBaseID("first"))
		second := f.runImage("second", testutil.WithBaseID("second"))
		p := filepath.Join(f.w.Platform, "run.toml")
		anaWriteFile(t, p, anaRunTOML(first)+"\n"+anaRunTOML(second), 0o644)
		m := f.analyzeOK(api, nil, "-run", p, f.repo("app"))
		anaWant(t, m, f.digestRef(first), "run-image", "reference")
		anaWant(t, m, first, "run-image", "image")
	})
}

// TestANA3_NoRunImageSource_Exit3: no -run-image and no run image in
// run.toml (P0.12+) or stack.toml is exit 3.
func TestANA3_NoRunImageSource_Exit3(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, content string }{
		{"missing file", ""},
		{"empty file", "\n"},
		{"no image", "[build-image]\nimage = \"example.com/build\"\n"},
	}
	for _, api := range anaAPIs {
		for _, tc := range cases {
			t.Run("P"+api+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				flag, path := "-stack", filepath.Join(f.w.Platform, "stack.toml")
				if apiAtLeast(api, "0.12") {
					flag, path = "-run", filepath.Join(f.w.Platform, "run.toml")
				}
				if tc.name != "missing file" {
					anaWriteFile(t, path, tc.content, 0o644)
				}
				res := f.analyze(api, nil, "-layers", f.w.Layers, flag, path, f.repo("app"))
				wantCode(t, "analyzer("+tc.name+")", res, 3)
				if exists(f.analyzedPath()) {
					t.Errorf("analyzer wrote %s without a run image", f.analyzedPath())
				}
			})
		}
		t.Run("P"+api+"/default path", func(t *testing.T) {
			t.Parallel()
			if exists("/cnb/run.toml") || exists("/cnb/stack.toml") {
				t.Skip("this machine has /cnb/run.toml or /cnb/stack.toml")
			}
			f := newAnaFixture(t)
			res := f.analyze(api, nil, "-layers", f.w.Layers, f.repo("app"))
			wantCode(t, "analyzer(no run image source)", res, 3)
		})
	}
}

// TestANA4_MissingImages: valid references to images that do not exist
// (<image>, <previous-image>, <cache-image>, tags) are no error; with no
// previous image analyzed.toml has no [image].
func TestANA4_MissingImages(t *testing.T) {
	t.Parallel()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run")
		app := f.repo("app")
		res := f.analyze(api, nil, "-layers", f.w.Layers, "-run-image", run,
			"-cache-image", f.repo("cache"), "-tag", f.repo("tag")+":v1", app)
		wantCode(t, "analyzer(nothing exists but the run image)", res, 0)
		wantContains(t, "analyzer output", res.output(), registryRepo(t, "app"))
		m := readTOMLMap(t, f.analyzedPath())
		anaWantNoPrevious(t, m)
		anaWant(t, m, f.digestRef(run), "run-image", "reference")

		res = f.analyze(api, nil, "-layers", f.w.Layers, "-run-image", run, "-previous-image", f.repo("prev"), app)
		wantCode(t, "analyzer(missing -previous-image)", res, 0)
		anaWantNoPrevious(t, readTOMLMap(t, f.analyzedPath()))
	})
}

// TestANA4_PreviousImageElsewhere: -previous-image (CNB_PREVIOUS_IMAGE) is
// read instead of <image>.
func TestANA4_PreviousImageElsewhere(t *testing.T) {
	t.Parallel()
	label := func(sha string) testutil.ImageOption {
		return testutil.WithLabels(map[string]string{
			"io.buildpacks.lifecycle.metadata": `{"config":{"sha":"` + sha + `"}}`,
		})
	}
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		run := f.runImage("run")
		app := f.push("app", testutil.BusyboxImage(t, label("sha256:app")))
		prev := f.push("prev", testutil.BusyboxImage(t, label("sha256:prev")))

		m := f.analyzeOK(api, nil, "-run-image", run, app)
		anaWant(t, m, f.digestRef(app), "image", "reference")
		anaWant(t, m, "sha256:app", "metadata", "config", "sha")

		for _, env := range [][]string{nil, {"CNB_PREVIOUS_IMAGE=" + prev}} {
			args := []string{"-run-image", run, app}
			if env == nil {
				args = append([]string{"-previous-image", prev}, args...)
			}
			m = f.analyzeOK(api, env, args...)
			anaWant(t, m, f.digestRef(prev), "image", "reference")
			anaWant(t, m, "sha256:prev", "metadata", "config", "sha")
		}

		// <image> need not exist when the previous image does.
		m = f.analyzeOK(api, nil, "-run-image", run, "-previous-image", prev, f.repo("new-app"))
		anaWant(t, m, f.digestRef(prev), "image", "reference")
	})
}

// TestANA5_RunImageMissing_Exit32: a -run-image that does not exist is
// exit 32 naming it.
func TestANA5_RunImageMissing_Exit32(t *testing.T) {
	t.Parallel()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		missing := f.repo("no-such-run")
		res := f.analyze(api, nil, "-layers", f.w.Layers, "-run-image", missing, f.repo("app"))
		wantCode(t, "analyzer(missing run image)", res, 32)
		wantContains(t, "analyzer output", res.output(), registryRepo(t, "no-such-run"))
		if exists(f.analyzedPath()) {
			t.Errorf("analyzer wrote %s without a run image", f.analyzedPath())
		}
	})
}

// TestANA5_AccessChecks: in the registry case the analyzer checks read
// access to the previous, run and cache images and write access to
// <image>, the tags and the cache image; a refusal is exit 32 naming the
// image. The registry is a proxy that refuses reads of repositories named
// "noread" and writes to repositories named "nowrite".
func TestANA5_AccessChecks(t *testing.T) {
	t.Parallel()
	shared := sharedRegistry(t)
	proxy := anaProxy(t, shared.Host(), func(r *http.Request) (int, string) {
		p := r.URL.Path
		switch {
		case strings.Contains(p, "/noread/") && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			return http.StatusForbidden, "DENIED"
		case strings.Contains(p, "/nowrite/") && r.Method != http.MethodGet && r.Method != http.MethodHead:
			return http.StatusForbidden, "DENIED"
		}
		return 0, ""
	})
	cases := []struct {
		name   string
		args   func(p func(string) string) []string
		denied string // the repository the failure names; "" for success
	}{
		{"control", func(p func(string) string) []string {
			return []string{"-run-image", p("run"), "-previous-image", p("prev"), "-cache-image", p("cache"), "-tag", p("tag") + ":v1", p("app")}
		}, ""},
		{"image not writable", func(p func(string) string) []string {
			return []string{"-run-image", p("run"), p("nowrite/app")}
		}, "nowrite/app"},
		{"tag not writable", func(p func(string) string) []string {
			return []string{"-run-image", p("run"), "-tag", p("tag") + ":v1", "-tag", p("nowrite/tag") + ":v2", p("app")}
		}, "nowrite/tag"},
		{"cache image not writable", func(p func(string) string) []string {
			return []string{"-run-image", p("run"), "-cache-image", p("nowrite/cache"), p("app")}
		}, "nowrite/cache"},
		{"cache image from CNB_CACHE_IMAGE not writable", func(p func(string) string) []string {
			return []string{"-run-image", p("run"), p("app")}
		}, "nowrite/env-cache"},
		{"cache image not readable", func(p func(string) string) []string {
			return []string{"-run-image", p("run"), "-cache-image", p("noread/cache"), p("app")}
		}, "noread/cache"},
		{"previous image not readable", func(p func(string) string) []string {
			return []string{"-run-image", p("run"), "-previous-image", p("noread/prev"), p("app")}
		}, "noread/prev"},
		{"image as previous image not readable", func(p func(string) string) []string {
			return []string{"-run-image", p("run"), p("noread/app")}
		}, "noread/app"},
		{"run image not readable", func(p func(string) string) []string {
			return []string{"-run-image", p("noread/run"), p("app")}
		}, "noread/run"},
	}
	// The images that exist, pushed once for every subtest to read.
	img := testutil.BusyboxImage(t)
	for _, name := range []string{"run", "prev", "noread/run", "noread/prev", "noread/app", "noread/cache"} {
		testutil.Push(t, img, shared.Ref(registryRepo(t, name))+":latest")
	}
	p := func(name string) string { return proxy + "/" + registryRepo(t, name) }
	prevRef := p("prev") + "@" + testutil.Digest(t, shared.Ref(registryRepo(t, "prev"))+":latest").String()
	for _, api := range anaAPIs {
		for _, tc := range cases {
			t.Run("P"+api+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				args := append([]string{"-layers", f.w.Layers}, tc.args(p)...)
				if apiAtLeast(api, "0.13") {
					args = append([]string{"-insecure-registry", proxy}, args...)
				}
				var env []string
				if strings.Contains(tc.name, "CNB_CACHE_IMAGE") {
					env = []string{"CNB_CACHE_IMAGE=" + p(tc.denied)}
				}
				res := f.analyze(api, env, args...)
				if tc.denied == "" {
					wantCode(t, "analyzer(all access granted)", res, 0)
					anaWant(t, readTOMLMap(t, f.analyzedPath()), prevRef, "image", "reference")
					return
				}
				wantCode(t, "analyzer("+tc.name+")", res, 32)
				wantContains(t, "analyzer output", res.output(), p(tc.denied))
			})
		}
	}
}

// TestANA11_LaunchCacheWithoutDaemon: -launch-cache (CNB_LAUNCH_CACHE_DIR)
// only applies with -daemon; otherwise the analyzer warns and goes on.
func TestANA11_LaunchCacheWithoutDaemon(t *testing.T) {
	t.Parallel()
	for _, api := range []string{"0.9", "0.12", "0.13", "0.15"} {
		for _, form := range []string{"flag", "env"} {
			t.Run("P"+api+"/"+form, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				run := f.runImage("run")
				cache := filepath.Join(f.w.Root, "launch-cache")
				f.w.mkdir(cache)
				args := []string{"-layers", f.w.Layers, "-run-image", run, f.repo("app")}
				var env []string
				if form == "flag" {
					args = append([]string{"-launch-cache", cache}, args...)
				} else {
					env = []string{"CNB_LAUNCH_CACHE_DIR=" + cache}
				}
				res := f.analyze(api, env, args...)
				wantCode(t, "analyzer(-launch-cache without -daemon)", res, 0)
				wantContains(t, "analyzer stderr", res.stderr, "Ignoring -launch-cache")
				anaWant(t, readTOMLMap(t, f.analyzedPath()), f.digestRef(run), "run-image", "reference")
			})
		}
	}
}

// TestANA12_LayoutNeedsExperimentalMode: -layout (CNB_USE_LAYOUT) is
// experimental: without CNB_EXPERIMENTAL_MODE allowing it the analyzer
// fails with exit 1.
func TestANA12_LayoutNeedsExperimentalMode(t *testing.T) {
	t.Parallel()
	for _, api := range []string{"0.12", "0.13", "0.15"} {
		for _, form := range []string{"flag", "env", "error mode"} {
			t.Run("P"+api+"/"+form, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				layout := filepath.Join(f.w.Root, "layout")
				f.w.mkdir(layout)
				args := []string{"-layers", f.w.Layers, "-layout-dir", layout, "-run-image", "example.com/run", "example.com/app"}
				env := []string{}
				switch form {
				case "flag":
					args = append([]string{"-layout"}, args...)
				case "env":
					env = append(env, "CNB_USE_LAYOUT=true")
				case "error mode":
					args = append([]string{"-layout"}, args...)
					env = append(env, "CNB_EXPERIMENTAL_MODE=error")
				}
				res := f.analyze(api, env, args...)
				wantCode(t, "analyzer(-layout)", res, 1)
				wantContains(t, "analyzer stderr", strings.ToLower(res.stderr), "experimental")
				if exists(f.analyzedPath()) {
					t.Errorf("analyzer wrote %s", f.analyzedPath())
				}
			})
		}
	}
}

// TestANA_DaemonUnreachable: -daemon (CNB_USE_DAEMON) with no daemon at
// DOCKER_HOST fails with exit 1 naming the host, before writing anything
// (CONFORMANCE TGT-3).
func TestANA_DaemonUnreachable(t *testing.T) {
	t.Parallel()
	for _, api := range anaAPIs {
		for _, form := range []string{"flag", "env"} {
			t.Run("P"+api+"/"+form, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				args := []string{"-layers", f.w.Layers, "-run-image", "example.com/run", "example.com/app"}
				sock := filepath.Join(f.w.Root, "no-docker.sock")
				env := []string{"DOCKER_HOST=unix://" + sock}
				if form == "flag" {
					args = append([]string{"-daemon"}, args...)
				} else {
					env = append(env, "CNB_USE_DAEMON=true")
				}
				res := f.analyze(api, env, args...)
				wantCode(t, "analyzer(-daemon)", res, 1)
				wantContains(t, "analyzer stderr", res.stderr, sock)
				if exists(f.analyzedPath()) {
					t.Errorf("analyzer wrote %s", f.analyzedPath())
				}
			})
		}
	}
}
