package acceptance

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestBLD1_RefuseRoot(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("the tests do not run as root")
	}
	w := newWorkspace(t)
	w.addBuilds(bbp{id: "A"})
	w.writePlanTOML("")
	res := w.run("builder", runOpts{args: w.buildFlags(), env: []string{"CNB_PLATFORM_API=0.12"}, privileged: true})
	wantCode(t, "builder(as root)", res, 1)
	wantContains(t, "builder stderr", res.stderr, "root")
	if n := w.buildRan("A"); n != 0 {
		t.Errorf("/bin/build ran %d times as root, want 0", n)
	}
	if exists(w.metadataPath()) {
		t.Error("builder wrote metadata.toml as root")
	}
}

func TestBLD2_BadInputs(t *testing.T) {
	t.Parallel()
	const groupA = "[[group]]\n  id = \"A\"\n  version = \"1.0.0\"\n  api = \"0.10\"\n"
	cases := []struct {
		name          string
		group, plan   string // "-" leaves the file out
		descAPI       string // API in A's buildpack.toml, default 0.10
		want          int
		wantInStderr  string
		buildpackRuns bool
	}{
		{name: "missing group.toml", group: "-", plan: "", want: 1, wantInStderr: "group.toml"},
		{name: "malformed group.toml", group: "[[group]\n", plan: "", want: 1, wantInStderr: "group.toml"},
		{name: "missing plan.toml", group: groupA, plan: "-", want: 1, wantInStderr: "plan.toml"},
		{name: "malformed plan.toml", group: groupA, plan: "[[entries]\n", want: 1, wantInStderr: "plan.toml"},
		{name: "plan.toml of the wrong shape", group: groupA, plan: "entries = 3\n", want: 1, wantInStderr: "plan.toml"},
		{name: "buildpack not in the buildpacks directory", group: strings.ReplaceAll(groupA, `"A"`, `"Z"`), plan: "", want: 1, wantInStderr: "Z"},
		{name: "group.toml api 0.6", group: strings.ReplaceAll(groupA, `"0.10"`, `"0.6"`), plan: "", descAPI: "0.6", want: 12, wantInStderr: "0.6"},
		{name: "group.toml api 0.6, buildpack.toml 0.10", group: strings.ReplaceAll(groupA, `"0.10"`, `"0.6"`), plan: "", want: 12, wantInStderr: "0.6"},
		{name: "group.toml api 0.13", group: strings.ReplaceAll(groupA, `"0.10"`, `"0.13"`), plan: "", descAPI: "0.13", want: 12, wantInStderr: "0.13"},
		{name: "group.toml without api", group: strings.ReplaceAll(groupA, "  api = \"0.10\"\n", ""), plan: "", want: 12, wantInStderr: "api"},
		{name: "empty group.toml and plan.toml", group: "", plan: "", want: 0},
		{name: "one buildpack, empty plan.toml", group: groupA, plan: "", want: 0, buildpackRuns: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			api := tc.descAPI
			if api == "" {
				api = "0.10"
			}
			w.addBuild(bbp{id: "A", api: api})
			if tc.group != "-" {
				w.write(filepath.Join(w.Layers, "group.toml"), tc.group)
			}
			if tc.plan != "-" {
				w.writePlanTOML(tc.plan)
			}
			res := w.build("0.12", nil)
			wantCode(t, "builder("+tc.name+")", res, tc.want)
			if tc.wantInStderr != "" {
				wantContains(t, "builder stderr", res.stderr, tc.wantInStderr)
			}
			if ran := w.buildRan("A") == 1; ran != tc.buildpackRuns {
				t.Errorf("/bin/build of A ran: %v, want %v", ran, tc.buildpackRuns)
			}
			if tc.want != 0 {
				if exists(w.metadataPath()) {
					t.Error("builder wrote metadata.toml although it failed")
				}
				return
			}
			md, _ := w.metadata()
			want := []groupEntry{}
			if tc.buildpackRuns {
				want = []groupEntry{{ID: "A", Version: "1.0.0", API: "0.10"}}
			}
			if md.Buildpacks == nil {
				md.Buildpacks = []groupEntry{}
			}
			wantEqual(t, "metadata.toml buildpacks", md.Buildpacks, want)
			if len(md.Processes) != 0 || md.DefaultType != "" {
				t.Errorf("metadata.toml processes = %+v, default %q; want none", md.Processes, md.DefaultType)
			}
		})
	}
}

// A missing analyzed.toml is no error at P0.12+; the builder warns
// (CONFORMANCE BLD-2) and takes the target from /etc/os-release (BPI-3).
func TestBLD2_MissingAnalyzed_Warning(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(bbp{id: "A", api: "0.10"})
	w.writePlanTOML("")
	res := w.build("0.12", nil)
	wantCode(t, "builder(no analyzed.toml)", res, 0)
	wantContains(t, "builder stderr", res.stderr, "analyzed")
	env := w.buildEnv("A")
	if env["CNB_TARGET_OS"] != "linux" || env["CNB_TARGET_ARCH"] != runtime.GOARCH {
		t.Errorf("CNB_TARGET_OS/ARCH = %q/%q, want linux/%s", env["CNB_TARGET_OS"], env["CNB_TARGET_ARCH"], runtime.GOARCH)
	}
}

// inputsWorkspace puts every builder input in a non-default place.
type inputsWorkspace struct {
	*workspace
	group, plan, analyzed string
}

func newBuildInputs(t *testing.T) inputsWorkspace {
	t.Helper()
	w := newWorkspace(t)
	f := inputsWorkspace{
		workspace: w,
		group:     filepath.Join(w.Root, "custom", "group.toml"),
		plan:      filepath.Join(w.Root, "custom", "plan.toml"),
		analyzed:  filepath.Join(w.Root, "custom", "analyzed.toml"),
	}
	w.addBuild(bbp{id: "A", api: "0.12"})
	w.write(f.group, "[[group]]\n  id = \"A\"\n  version = \"1.0.0\"\n  api = \"0.12\"\n")
	w.write(f.plan, planTOMLEntry("dep", "A"))
	w.write(f.analyzed, fmt.Sprintf("[run-image]\nreference = \"\"\n[run-image.target]\nos = \"linux\"\narch = %q\n[run-image.target.distro]\nname = \"customdistro\"\nversion = \"7\"\n", runtime.GOARCH))
	w.write(filepath.Join(w.Platform, "env", "FOO"), "bar")
	return f
}

func (f inputsWorkspace) check(t *testing.T, api string, res result) {
	t.Helper()
	wantCode(t, "builder(P"+api+")", res, 0)
	if got := f.buildCwd("A"); got != f.App {
		t.Errorf("/bin/build working dir = %q, want %q", got, f.App)
	}
	if got := f.buildPlan("A").names(); !equalStrings(got, []string{"dep"}) {
		t.Errorf("buildpack plan = %v, want [dep] from the custom plan.toml", got)
	}
	env := f.buildEnv("A")
	if env["FOO"] != "bar" {
		t.Errorf("FOO = %q, want %q from <platform>/env", env["FOO"], "bar")
	}
	if got, want := env["CNB_LAYERS_DIR"], f.layersOf("A"); got != want {
		t.Errorf("CNB_LAYERS_DIR = %q, want %q", got, want)
	}
	if got := env["CNB_TARGET_DISTRO_NAME"]; apiAtLeast(api, "0.12") != (got == "customdistro") {
		t.Errorf("P%s: CNB_TARGET_DISTRO_NAME = %q, want \"customdistro\" from <analyzed> only at P0.12+", api, got)
	}
	if !exists(f.metadataPath()) {
		t.Errorf("no %s", f.metadataPath())
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBLD2_InputsFromFlags(t *testing.T) {
	t.Parallel()
	forEachAPI(t, []string{"0.7", "0.9", "0.10", "0.12", "0.15"}, func(t *testing.T, api string) {
		f := newBuildInputs(t)
		args := []string{"-group", f.group, "-plan", f.plan}
		if apiAtLeast(api, "0.12") {
			args = append(args, "-analyzed", f.analyzed)
		}
		f.check(t, api, f.build(api, nil, args...))
	})
}

func TestBLD2_InputsFromEnvTwins(t *testing.T) {
	t.Parallel()
	forEachAPI(t, []string{"0.7", "0.10", "0.12", "0.15"}, func(t *testing.T, api string) {
		f := newBuildInputs(t)
		res := f.run("builder", runOpts{env: []string{
			"CNB_PLATFORM_API=" + api,
			"CNB_APP_DIR=" + f.App, "CNB_BUILDPACKS_DIR=" + f.Buildpacks, "CNB_LAYERS_DIR=" + f.Layers,
			"CNB_PLATFORM_DIR=" + f.Platform, "CNB_GROUP_PATH=" + f.group, "CNB_PLAN_PATH=" + f.plan,
			"CNB_ANALYZED_PATH=" + f.analyzed,
		}})
		f.check(t, api, res)
	})
}

func TestBLD10_TargetAndExecEnv(t *testing.T) {
	t.Parallel()
	cases := []struct {
		platform string
		execEnv  string // CNB_EXEC_ENV given to the builder
		// want for the B0.12 buildpack; B0.10 never gets CNB_EXEC_ENV.
		wantExecEnv  string
		fromAnalyzed bool
	}{
		{platform: "0.9", execEnv: "test", wantExecEnv: "production"},
		{platform: "0.10", wantExecEnv: "production"},
		{platform: "0.12", execEnv: "test", wantExecEnv: "production", fromAnalyzed: true},
		{platform: "0.15", wantExecEnv: "production", fromAnalyzed: true},
		{platform: "0.15", execEnv: "test", wantExecEnv: "test", fromAnalyzed: true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("P%s/CNB_EXEC_ENV=%s", tc.platform, tc.execEnv), func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(bbp{id: "old", api: "0.9"}, bbp{id: "ten", api: "0.10"}, bbp{id: "new", api: "0.12"})
			w.writePlanTOML("")
			w.write(filepath.Join(w.Layers, "analyzed.toml"), fmt.Sprintf(
				"[run-image]\nreference = \"\"\n[run-image.target]\nos = \"linux\"\narch = %q\narch-variant = \"v9\"\n[run-image.target.distro]\nname = \"ubuntu\"\nversion = \"22.04\"\n", runtime.GOARCH))
			var env []string
			if tc.execEnv != "" {
				env = append(env, "CNB_EXEC_ENV="+tc.execEnv)
			}
			res := w.build(tc.platform, env)
			wantCode(t, "builder", res, 0)
			target := map[string]string{"CNB_TARGET_OS": "linux", "CNB_TARGET_ARCH": runtime.GOARCH}
			if tc.fromAnalyzed {
				target["CNB_TARGET_ARCH_VARIANT"] = "v9"
				target["CNB_TARGET_DISTRO_NAME"] = "ubuntu"
				target["CNB_TARGET_DISTRO_VERSION"] = "22.04"
			} else {
				id, version := osRelease(t)
				target["CNB_TARGET_DISTRO_NAME"] = id
				if version != "" {
					target["CNB_TARGET_DISTRO_VERSION"] = version
				}
				target["CNB_TARGET_ARCH_VARIANT"] = unset
			}
			for _, id := range []string{"ten", "new"} {
				wantEnv(t, id, w.buildEnv(id), target)
			}
			none := map[string]string{"CNB_EXEC_ENV": unset}
			for k := range target {
				none[k] = unset
			}
			wantEnv(t, "old (B0.9)", w.buildEnv("old"), none)
			wantEnv(t, "ten (B0.10)", w.buildEnv("ten"), map[string]string{"CNB_EXEC_ENV": unset})
			wantEnv(t, "new (B0.12)", w.buildEnv("new"), map[string]string{"CNB_EXEC_ENV": tc.wantExecEnv})
		})
	}
}
