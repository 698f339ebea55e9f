package acceptance

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// flagArgs renders name/value pairs as "-name value" or "-name=value".
func flagArgs(eq bool, kv ...string) []string {
	var out []string
	for i := 0; i+1 < len(kv); i += 2 {
		if eq {
			out = append(out, "-"+kv[i]+"="+kv[i+1])
		} else {
			out = append(out, "-"+kv[i], kv[i+1])
		}
	}
	return out
}

// inputsFixture is a workspace with every detector input in a non-default
// place, to show each one is read: a buildpack A (B0.12) passes, the
// system.toml adds S in front, the build config sets BCV and the analyzed
// target names distro "testdistro".
type inputsFixture struct {
	*workspace
	group, plan, analyzed, system, buildConfig, runPath, extensions, generated string
}

func newInputsFixture(t *testing.T) inputsFixture {
	t.Helper()
	w := newWorkspace(t)
	f := inputsFixture{
		workspace:   w,
		group:       filepath.Join(w.Root, "custom", "group.toml"),
		plan:        filepath.Join(w.Root, "custom", "plan.toml"),
		analyzed:    filepath.Join(w.Root, "custom", "analyzed.toml"),
		system:      filepath.Join(w.Root, "custom", "system.toml"),
		buildConfig: filepath.Join(w.Root, "build-config"),
		runPath:     filepath.Join(w.Root, "custom", "run.toml"),
		extensions:  filepath.Join(w.Root, "extensions"),
		generated:   filepath.Join(w.Root, "generated"),
	}
	w.add(bp{id: "A", api: "0.12", tail: "[[targets]]\nos = \"linux\"\n"})
	w.add(bp{id: "S", api: "0.10"})
	w.setOrder([]ref{r("A")})
	w.write(f.analyzed, fmt.Sprintf("[run-image]\nreference = \"\"\n[run-image.target]\nos = \"linux\"\narch = %q\n[run-image.target.distro]\nname = \"testdistro\"\nversion = \"9\"\n", runtime.GOARCH))
	w.write(f.system, "[[system.pre.buildpacks]]\nid = \"S\"\nversion = \"1.0.0\"\n")
	w.write(filepath.Join(f.buildConfig, "env", "BCV"), "on")
	w.write(filepath.Join(w.Platform, "env", "FOO"), "bar")
	w.mkdir(f.extensions)
	return f
}

// check verifies that the detector at Platform API api read every input it
// should have (and no other).
func (f inputsFixture) check(t *testing.T, api string, res result) {
	t.Helper()
	wantCode(t, "detector(P"+api+")", res, 0)
	if apiAtLeast(api, "0.15") {
		wantGroup(t, f.group, bpsAt("S", "A")...)
	} else {
		wantGroup(t, f.group, bpAt("A"))
	}
	readPlan(t, f.plan)
	for _, p := range []string{"group.toml", "plan.toml"} {
		if exists(filepath.Join(f.Layers, p)) {
			t.Errorf("detector wrote %s to <layers> although its path was given", p)
		}
	}
	if got := f.detectCwd("A", "1.0.0"); got != f.App {
		t.Errorf("/bin/detect working dir = %q, want %q", got, f.App)
	}
	if args := f.detectArgs("A", "1.0.0"); args[0] != f.Platform {
		t.Errorf("/bin/detect $1 = %q, want %q", args[0], f.Platform)
	}
	env := f.detectEnv("A", "1.0.0")
	if env["FOO"] != "bar" {
		t.Errorf("/bin/detect FOO = %q, want %q (from <platform>/env)", env["FOO"], "bar")
	}
	if got, want := env["CNB_BUILDPACK_DIR"], f.dir("A", "1.0.0"); got != want {
		t.Errorf("CNB_BUILDPACK_DIR = %q, want %q", got, want)
	}
	if got, ok := env["BCV"]; apiAtLeast(api, "0.11") != ok || (ok && got != "on") {
		t.Errorf("P%s: /bin/detect BCV = %q (set %v), want set from <build-config>/env only at P0.11+", api, got, ok)
	}
	if got := env["CNB_TARGET_DISTRO_NAME"]; apiAtLeast(api, "0.12") != (got == "testdistro") {
		t.Errorf("P%s: CNB_TARGET_DISTRO_NAME = %q, want \"testdistro\" from <analyzed> only at P0.12+", api, got)
	}
}

func TestDET1_Flags(t *testing.T) {
	t.Parallel()
	for _, api := range platformAPIs {
		for _, eq := range []bool{false, true} {
			name := fmt.Sprintf("P%s/eq=%v", api, eq)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := newInputsFixture(t)
				kv := []string{"app", f.App, "buildpacks", f.Buildpacks, "group", f.group, "layers", f.Layers,
					"order", f.Order, "plan", f.plan, "platform", f.Platform, "log-level", "debug"}
				if apiAtLeast(api, "0.10") {
					kv = append(kv, "analyzed", f.analyzed, "extensions", f.extensions, "generated", f.generated)
				}
				if apiAtLeast(api, "0.11") {
					kv = append(kv, "build-config", f.buildConfig)
				}
				if apiAtLeast(api, "0.12") {
					kv = append(kv, "run", f.runPath)
				}
				if apiAtLeast(api, "0.15") {
					kv = append(kv, "system", f.system)
				}
				args := flagArgs(eq, kv...)
				if eq {
					args = append(args, "-no-color=true")
				} else {
					args = append(args, "-no-color")
				}
				res := f.run("detector", runOpts{args: args, env: []string{"CNB_PLATFORM_API=" + api}})
				f.check(t, api, res)
				wantContains(t, "detector stdout at -log-level debug", res.stdout, "pass: A@1.0.0")
			})
		}
	}
}

func TestDET1_EnvTwins(t *testing.T) {
	t.Parallel()
	forEachAPI(t, platformAPIs, func(t *testing.T, api string) {
		f := newInputsFixture(t)
		env := []string{
			"CNB_PLATFORM_API=" + api,
			"CNB_APP_DIR=" + f.App,
			"CNB_BUILDPACKS_DIR=" + f.Buildpacks,
			"CNB_GROUP_PATH=" + f.group,
			"CNB_LAYERS_DIR=" + f.Layers,
			"CNB_ORDER_PATH=" + f.Order,
			"CNB_PLAN_PATH=" + f.plan,
			"CNB_PLATFORM_DIR=" + f.Platform,
			"CNB_ANALYZED_PATH=" + f.analyzed,
			"CNB_SYSTEM_PATH=" + f.system,
			"CNB_BUILD_CONFIG_DIR=" + f.buildConfig,
			"CNB_EXEC_ENV=test",
			"CNB_LOG_LEVEL=debug",
			"CNB_NO_COLOR=true",
		}
		res := f.run("detector", runOpts{env: env})
		f.check(t, api, res)
		wantContains(t, "detector stdout with CNB_LOG_LEVEL=debug", res.stdout, "pass: A@1.0.0")
		want := "production"
		if apiAtLeast(api, "0.15") {
			want = "test"
		}
		if got := f.detectEnv("A", "1.0.0")["CNB_EXEC_ENV"]; got != want {
			t.Errorf("P%s: CNB_EXEC_ENV seen by a B0.12 /bin/detect = %q, want %q", api, got, want)
		}
	})
}

func TestDET1_DefaultOutputsUnderLayers(t *testing.T) {
	t.Parallel()
	for _, viaEnv := range []bool{false, true} {
		t.Run(fmt.Sprintf("env=%v", viaEnv), func(t *testing.T) {
			t.Parallel()
			w := passingWorkspace(t)
			layers := filepath.Join(w.Root, "other-layers")
			w.mkdir(layers)
			var res result
			if viaEnv {
				res = w.run("detector", runOpts{
					args: []string{"-app", w.App, "-buildpacks", w.Buildpacks, "-order", w.Order, "-platform", w.Platform},
					env:  []string{"CNB_PLATFORM_API=0.14", "CNB_LAYERS_DIR=" + layers},
				})
			} else {
				res = w.detect("0.14", nil, "-layers", layers)
			}
			wantCode(t, "detector(layers "+layers+")", res, 0)
			wantGroup(t, filepath.Join(layers, "group.toml"), bpAt("A"))
			readPlan(t, filepath.Join(layers, "plan.toml"))
		})
	}
}

func TestDET1_FlagsGatedByPlatformAPI(t *testing.T) {
	t.Parallel()
	cases := []struct {
		flag, unknownAt, knownAt string
	}{
		{"analyzed", "0.9", "0.10"},
		{"extensions", "0.9", "0.10"},
		{"generated", "0.9", "0.10"},
		{"build-config", "0.10", "0.11"},
		{"run", "0.11", "0.12"},
		{"system", "0.14", "0.15"},
	}
	for _, tc := range cases {
		t.Run(tc.flag, func(t *testing.T) {
			t.Parallel()
			w := passingWorkspace(t)
			value := filepath.Join(w.Root, "absent", tc.flag)
			res := w.detect(tc.unknownAt, nil, "-"+tc.flag+"="+value)
			wantCode(t, fmt.Sprintf("detector(P%s, -%s)", tc.unknownAt, tc.flag), res, 2)
			if exists(filepath.Join(w.Layers, "group.toml")) {
				t.Errorf("detector wrote group.toml despite an unknown flag")
			}
			res = w.detect(tc.knownAt, nil, "-"+tc.flag, value)
			wantCode(t, fmt.Sprintf("detector(P%s, -%s)", tc.knownAt, tc.flag), res, 0)
		})
	}
}

func TestDET1_EmptyLayersFlag_WorkingDir(t *testing.T) {
	t.Parallel()
	w := passingWorkspace(t)
	cwd := filepath.Join(w.Root, "cwd")
	w.mkdir(cwd)
	res := w.run("detector", runOpts{
		args: []string{"-app", w.App, "-buildpacks", w.Buildpacks, "-order", w.Order, "-platform", w.Platform, "-layers="},
		env:  []string{"CNB_PLATFORM_API=0.12"},
		dir:  cwd,
	})
	wantCode(t, "detector(-layers=)", res, 0)
	wantGroup(t, filepath.Join(cwd, "group.toml"), bpAt("A"))
	readPlan(t, filepath.Join(cwd, "plan.toml"))
}

func TestGEN3_FlagBeatsEnv(t *testing.T) {
	t.Parallel()
	for _, eq := range []bool{false, true} {
		t.Run(fmt.Sprintf("eq=%v", eq), func(t *testing.T) {
			t.Parallel()
			w := passingWorkspace(t)
			a, b := filepath.Join(w.Root, "a"), filepath.Join(w.Root, "b")
			w.mkdir(a)
			w.mkdir(b)
			otherApp := filepath.Join(w.Root, "other-app")
			w.mkdir(otherApp)
			env := []string{
				"CNB_GROUP_PATH=" + filepath.Join(a, "group.toml"),
				"CNB_PLAN_PATH=" + filepath.Join(a, "plan.toml"),
				"CNB_APP_DIR=" + otherApp,
				"CNB_ORDER_PATH=" + filepath.Join(a, "missing-order.toml"),
			}
			res := w.detect("0.12", env, flagArgs(eq, "group", filepath.Join(b, "group.toml"), "plan", filepath.Join(b, "plan.toml"))...)
			wantCode(t, "detector(CNB_GROUP_PATH=a -group b)", res, 0)
			wantGroup(t, filepath.Join(b, "group.toml"), bpAt("A"))
			readPlan(t, filepath.Join(b, "plan.toml"))
			for _, p := range []string{"group.toml", "plan.toml"} {
				if exists(filepath.Join(a, p)) {
					t.Errorf("detector wrote %s at the env path, not the flag path", p)
				}
			}
			if got := w.detectCwd("A", "1.0.0"); got != w.App {
				t.Errorf("/bin/detect working dir = %q, want the -app value %q", got, w.App)
			}
		})
	}
}

func TestGEN10_RelativePaths(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.8"})
	w.setOrder([]ref{r("A")})
	w.mkdir(filepath.Join(w.Root, "rel"))
	res := w.run("detector", runOpts{
		args: []string{"-app", "app", "-buildpacks", "buildpacks", "-layers", "layers", "-order", "order.toml",
			"-platform", "./platform", "-group", "rel/group.toml"},
		env: []string{"CNB_PLATFORM_API=0.12"},
	})
	wantCode(t, "detector(relative paths)", res, 0)
	wantGroup(t, filepath.Join(w.Root, "rel", "group.toml"), bpAt("A"))
	readPlan(t, filepath.Join(w.Layers, "plan.toml"))
	if got := w.detectCwd("A", "1.0.0"); got != w.App {
		t.Errorf("/bin/detect working dir = %q, want %q", got, w.App)
	}
	args := w.detectArgs("A", "1.0.0")
	if len(args) != 2 || args[0] != w.Platform || !filepath.IsAbs(args[1]) {
		t.Errorf("/bin/detect args = %q, want [%q <absolute plan path>]", args, w.Platform)
	}
	env := w.detectEnv("A", "1.0.0")
	for k, want := range map[string]string{"CNB_BUILDPACK_DIR": w.dir("A", "1.0.0"), "CNB_PLATFORM_DIR": w.Platform} {
		if env[k] != want {
			t.Errorf("/bin/detect %s = %q, want %q", k, env[k], want)
		}
	}
}

func TestDET2_OrderDefaultInLayers(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.10"})
	w.add(bp{id: "B", api: "0.12"})
	w.write(filepath.Join(w.Layers, "order.toml"), renderGroups("order", [][]ref{{r("A")}}))
	w.setOrder([]ref{r("B")})
	noOrder := []string{"-app", w.App, "-buildpacks", w.Buildpacks, "-layers", w.Layers, "-platform", w.Platform}
	for _, api := range platformAPIs {
		res := w.run("detector", runOpts{args: noOrder, env: []string{"CNB_PLATFORM_API=" + api}})
		wantCode(t, "detector(P"+api+", <layers>/order.toml)", res, 0)
		wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpAt("A"))
	}
	// An explicit order beats <layers>/order.toml.
	res := w.detect("0.12", nil)
	wantCode(t, "detector(-order)", res, 0)
	wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpAt("B"))
	res = w.run("detector", runOpts{args: noOrder, env: []string{"CNB_PLATFORM_API=0.12", "CNB_ORDER_PATH=" + w.Order}})
	wantCode(t, "detector(CNB_ORDER_PATH)", res, 0)
	wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpAt("B"))
}

func TestDET2_MissingOrder_Exit1(t *testing.T) {
	t.Parallel()
	t.Run("flag", func(t *testing.T) {
		t.Parallel()
		w := passingWorkspace(t)
		missing := filepath.Join(w.Root, "nowhere", "order.toml")
		res := w.detect("0.12", nil, "-order", missing)
		wantCode(t, "detector(-order missing)", res, 1)
		wantContains(t, "detector stderr", res.stderr, missing)
	})
	t.Run("env", func(t *testing.T) {
		t.Parallel()
		w := passingWorkspace(t)
		missing := filepath.Join(w.Root, "nowhere.toml")
		res := w.run("detector", runOpts{
			args: []string{"-app", w.App, "-buildpacks", w.Buildpacks, "-layers", w.Layers, "-platform", w.Platform},
			env:  []string{"CNB_PLATFORM_API=0.9", "CNB_ORDER_PATH=" + missing},
		})
		wantCode(t, "detector(CNB_ORDER_PATH missing)", res, 1)
		wantContains(t, "detector stderr", res.stderr, missing)
	})
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		if exists("/cnb/order.toml") {
			t.Skip("/cnb/order.toml exists on this machine")
		}
		w := passingWorkspace(t)
		res := w.run("detector", runOpts{
			args: []string{"-app", w.App, "-buildpacks", w.Buildpacks, "-layers", w.Layers, "-platform", w.Platform},
			env:  []string{"CNB_PLATFORM_API=0.15"},
		})
		wantCode(t, "detector(no order anywhere)", res, 1)
		wantContains(t, "detector stderr", res.stderr, "/cnb/order.toml")
	})
}

func TestDET3_RefuseRoot(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("the tests do not run as root")
	}
	w := passingWorkspace(t)
	res := w.run("detector", runOpts{args: w.stdFlags(), env: []string{"CNB_PLATFORM_API=0.12"}, privileged: true})
	wantCode(t, "detector(as root)", res, 1)
	wantContains(t, "detector stderr", res.stderr, "refusing to run as root")
	if w.ran("A", "1.0.0") != 0 {
		t.Errorf("/bin/detect ran as root")
	}
}

// writeAnalyzed writes <layers>/analyzed.toml with a run image target.
func (w *workspace) writeAnalyzed(os, arch, distro, version string) {
	w.t.Helper()
	doc := fmt.Sprintf("[run-image]\nreference = \"\"\n\n[run-image.target]\nos = %q\narch = %q\n", os, arch)
	if distro != "" {
		doc += fmt.Sprintf("\n[run-image.target.distro]\nname = %q\nversion = %q\n", distro, version)
	}
	w.write(filepath.Join(w.Layers, "analyzed.toml"), doc)
}

// osRelease reads ID and VERSION_ID of the test machine, as the detector
// would for a target without a distro.
func osRelease(t *testing.T) (id, version string) {
	t.Helper()
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		t.Skip("no /etc/os-release:", err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			id = v
		case "VERSION_ID":
			version = v
		}
	}
	return id, version
}

func TestDET3_DetectRunsAsBuildUser(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("the tests do not run as root")
	}
	w := passingWorkspace(t)
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	fi, err := os.Stat(w.record("A", "1.0.0") + ".ran")
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && (st.Uid != buildUID || st.Gid != buildGID) {
		t.Errorf("/bin/detect ran as %d:%d, want the build user %d:%d", st.Uid, st.Gid, buildUID, buildGID)
	}
}
