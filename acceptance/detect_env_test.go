package acceptance

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// buildpackAPIs are the Buildpack APIs of the mixed groups, in group order.
var buildpackAPIs = []struct{ id, api string }{
	{"bp07", "0.7"}, {"bp08", "0.8"}, {"bp10", "0.10"}, {"bp12", "0.12"},
}

func TestDET7_DetectEnvironment(t *testing.T) {
	t.Parallel()
	for _, platform := range platformAPIs {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			var group []ref
			for _, b := range buildpackAPIs {
				w.add(bp{id: b.id, api: b.api})
				group = append(group, r(b.id))
			}
			w.setOrder(group)
			home := filepath.Join(w.Root, "home")
			w.mkdir(home)
			parent := []string{
				"HOME=" + home,
				"SECRET=x",
				`CNB_REGISTRY_AUTH={"registry.example":"Basic eDp5"}`,
				"DOCKER_CONFIG=" + filepath.Join(w.Root, "docker"),
				"http_proxy=http://proxy.example:3128",
				"HTTPS_PROXY=http://proxy.example:3129",
				"NO_PROXY=localhost",
				"no_proxy=127.0.0.1",
				"https_proxy=http://proxy.example:3130",
				"HTTP_PROXY=http://proxy.example:3131",
				"HOSTNAME=build-host",
				"CNB_STACK_ID=io.buildpacks.stacks.test",
				"LD_LIBRARY_PATH=/opt/parent/lib",
				"PKG_CONFIG_PATH=/opt/parent/pkgconfig",
				"GOFLAGS=-mod=mod",
				"LANG=C.UTF-8",
			}
			res := w.detect(platform, parent)
			wantCode(t, "detector(P"+platform+", B0.7+0.8+0.10+0.12)", res, 0)
			wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("bp07", "bp08", "bp10", "bp12")...)

			for _, b := range buildpackAPIs {
				env := w.detectEnv(b.id, "1.0.0")
				errorf := func(format string, args ...any) {
					t.Helper()
					t.Errorf("B"+b.api+" /bin/detect: "+format, args...)
				}
				wantVar := func(k, want string) {
					t.Helper()
					if got, ok := env[k]; !ok || got != want {
						errorf("%s = %q (set %v), want %q", k, got, ok, want)
					}
				}
				noVar := func(k string) {
					t.Helper()
					if got, ok := env[k]; ok {
						errorf("%s = %q, want it unset", k, got)
					}
				}
				// BPI-1: working dir and arguments.
				if got := w.detectCwd(b.id, "1.0.0"); got != w.App {
					errorf("working dir = %q, want %q", got, w.App)
				}
				args := w.detectArgs(b.id, "1.0.0")
				if len(args) != 2 || args[0] != w.Platform || !filepath.IsAbs(args[1]) {
					errorf("args = %q, want [%q <absolute plan path>]", args, w.Platform)
				}
				// BPI-2.
				wantVar("CNB_BUILDPACK_DIR", w.dir(b.id, "1.0.0"))
				if apiAtLeast(b.api, "0.8") {
					wantVar("CNB_PLATFORM_DIR", w.Platform)
					if len(args) == 2 {
						wantVar("CNB_BUILD_PLAN_PATH", args[1])
					}
				} else {
					noVar("CNB_PLATFORM_DIR")
					noVar("CNB_BUILD_PLAN_PATH")
				}
				// BPI-3.
				if apiAtLeast(b.api, "0.10") {
					wantVar("CNB_TARGET_OS", "linux")
					wantVar("CNB_TARGET_ARCH", runtime.GOARCH)
				} else {
					for k := range env {
						if strings.HasPrefix(k, "CNB_TARGET_") {
							noVar(k)
						}
					}
				}
				// BPI-4.
				if apiAtLeast(b.api, "0.12") {
					wantVar("CNB_EXEC_ENV", "production")
				} else {
					noVar("CNB_EXEC_ENV")
				}
				// BPI-5.
				noVar("SECRET")
				noVar("CNB_REGISTRY_AUTH")
				noVar("DOCKER_CONFIG")
				noVar("GOFLAGS")
				noVar("LANG")
				noVar("CNB_PLATFORM_API")
				wantVar("HOME", home)
				wantVar("PATH", os.Getenv("PATH"))
				wantVar("http_proxy", "http://proxy.example:3128")
				wantVar("HTTPS_PROXY", "http://proxy.example:3129")
				wantVar("NO_PROXY", "localhost")
				wantVar("no_proxy", "127.0.0.1")
				wantVar("https_proxy", "http://proxy.example:3130")
				wantVar("HTTP_PROXY", "http://proxy.example:3131")
				wantVar("HOSTNAME", "build-host")
				wantVar("CNB_STACK_ID", "io.buildpacks.stacks.test")
				wantVar("LD_LIBRARY_PATH", "/opt/parent/lib")
				wantVar("PKG_CONFIG_PATH", "/opt/parent/pkgconfig")
			}
		})
	}
}

func TestDET7_PlanPathPerBuildpack(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.8", plan: "[[provides]]\nname = \"a\"\n"})
	w.add(bp{id: "B", api: "0.8", plan: "[[requires]]\nname = \"a\"\n"})
	w.setOrder([]ref{r("A"), r("B")})
	res := w.detect("0.12", nil)
	wantCode(t, "detector", res, 0)
	a, b := w.detectArgs("A", "1.0.0"), w.detectArgs("B", "1.0.0")
	if len(a) == 2 && len(b) == 2 && a[1] == b[1] {
		t.Errorf("A and B got the same plan path %q", a[1])
	}
}

func TestENV1_PlatformEnv(t *testing.T) {
	t.Parallel()
	for _, platform := range platformAPIs {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.add(bp{id: "A", api: "0.10"})
			w.add(bp{id: "old", api: "0.7"})
			w.add(bp{id: "K", api: "0.12", info: "  clear-env = true"})
			w.setOrder([]ref{r("A"), r("old"), r("K")})
			w.write(filepath.Join(w.Platform, "env", "FOO"), "bar")
			w.write(filepath.Join(w.Platform, "env", "VERBATIM"), " two words\n")
			w.write(filepath.Join(w.Platform, "env", "PATH"), "/opt/custom/bin")
			w.write(filepath.Join(w.Platform, "env", "LD_LIBRARY_PATH"), "/opt/custom/lib")
			res := w.detect(platform, nil)
			wantCode(t, "detector(<platform>/env)", res, 0)
			wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("A", "old", "K")...)
			for _, id := range []string{"A", "old"} {
				env := w.detectEnv(id, "1.0.0")
				if env["FOO"] != "bar" {
					t.Errorf("%s: FOO = %q, want %q", id, env["FOO"], "bar")
				}
				if env["VERBATIM"] != " two words\n" {
					t.Errorf("%s: VERBATIM = %q, want the file contents verbatim %q", id, env["VERBATIM"], " two words\n")
				}
				if want := "/opt/custom/bin:" + os.Getenv("PATH"); env["PATH"] != want {
					t.Errorf("%s: PATH = %q, want %q", id, env["PATH"], want)
				}
				if want := "/opt/custom/lib"; env["LD_LIBRARY_PATH"] != want {
					t.Errorf("%s: LD_LIBRARY_PATH = %q, want %q (nothing to prepend to)", id, env["LD_LIBRARY_PATH"], want)
				}
			}
			// BPI-6: clear-env.
			env := w.detectEnv("K", "1.0.0")
			for _, k := range []string{"FOO", "VERBATIM"} {
				if v, ok := env[k]; ok {
					t.Errorf("clear-env buildpack: %s = %q, want it unset", k, v)
				}
			}
			if env["PATH"] != os.Getenv("PATH") {
				t.Errorf("clear-env buildpack: PATH = %q, want %q", env["PATH"], os.Getenv("PATH"))
			}
			if got := w.readFile(filepath.Join(w.Platform, "env", "FOO")); got != "bar" {
				t.Errorf("<platform>/env/FOO = %q after detect, want %q", got, "bar")
			}
		})
	}
}

// buildConfigFixture has user variables FOO=bar and QUX=user, and operator
// variables BAR (default), FOO.override and QUX (default).
func buildConfigFixture(t *testing.T) (*workspace, string) {
	t.Helper()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.10"})
	w.add(bp{id: "K", api: "0.12", info: "  clear-env = true"})
	w.setOrder([]ref{r("A"), r("K")})
	w.write(filepath.Join(w.Platform, "env", "FOO"), "bar")
	w.write(filepath.Join(w.Platform, "env", "QUX"), "user")
	bc := filepath.Join(w.Root, "build-config")
	w.write(filepath.Join(bc, "env", "BAR"), "operator-bar")
	w.write(filepath.Join(bc, "env", "FOO.override"), "operator-foo")
	w.write(filepath.Join(bc, "env", "QUX"), "operator-qux")
	return w, bc
}

func TestENV2_BuildConfigEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		platform string
		flag     bool
	}{{"0.12", true}, {"0.14", false}, {"0.15", true}, {"0.15", false}} {
		name := "P" + tc.platform + "/env"
		if tc.flag {
			name = "P" + tc.platform + "/flag"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, bc := buildConfigFixture(t)
			var res result
			if tc.flag {
				res = w.detect(tc.platform, nil, "-build-config="+bc)
			} else {
				res = w.detect(tc.platform, []string{"CNB_BUILD_CONFIG_DIR=" + bc})
			}
			wantCode(t, "detector(<build-config>/env)", res, 0)
			for id, want := range map[string]map[string]string{
				"A": {"BAR": "operator-bar", "FOO": "operator-foo", "QUX": "user"},
				// BPI-6: operator variables apply regardless of clear-env.
				"K": {"BAR": "operator-bar", "FOO": "operator-foo", "QUX": "operator-qux"},
			} {
				env := w.detectEnv(id, "1.0.0")
				for k, v := range want {
					if env[k] != v {
						t.Errorf("%s: %s = %q, want %q", id, k, env[k], v)
					}
				}
			}
		})
	}
}

func TestENV2_BuildConfigIgnoredBeforeP011(t *testing.T) {
	t.Parallel()
	for _, platform := range []string{"0.7", "0.9", "0.10"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w, bc := buildConfigFixture(t)
			res := w.detect(platform, []string{"CNB_BUILD_CONFIG_DIR=" + bc})
			wantCode(t, "detector(CNB_BUILD_CONFIG_DIR)", res, 0)
			env := w.detectEnv("A", "1.0.0")
			if v, ok := env["BAR"]; ok {
				t.Errorf("P%s: BAR = %q, want unset (no build config before P0.11)", platform, v)
			}
			if env["FOO"] != "bar" {
				t.Errorf("P%s: FOO = %q, want the user value %q", platform, env["FOO"], "bar")
			}
			if v, ok := w.detectEnv("K", "1.0.0")["QUX"]; ok {
				t.Errorf("P%s: clear-env buildpack QUX = %q, want unset", platform, v)
			}
		})
	}
}
