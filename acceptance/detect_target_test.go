package acceptance

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// otherArch is an architecture that is not the test machine's.
func otherArch() string {
	if runtime.GOARCH == "arm64" {
		return "amd64"
	}
	return "arm64"
}

func target(os, arch string, distros ...string) string {
	s := fmt.Sprintf("[[targets]]\nos = %q\n", os)
	if arch != "" {
		s += fmt.Sprintf("arch = %q\n", arch)
	}
	for i := 0; i+1 < len(distros); i += 2 {
		s += fmt.Sprintf("[[targets.distros]]\nname = %q\nversion = %q\n", distros[i], distros[i+1])
	}
	return s
}

func TestDET13_TargetMatching(t *testing.T) {
	t.Parallel()
	arch := runtime.GOARCH
	cases := []struct {
		name, targets string
		want          int
	}{
		{"other arch", target("linux", otherArch()), 21},
		{"other os", target("windows", arch), 21},
		{"other distro", target("linux", arch, "alpine", "3.18"), 21},
		{"other distro version", target("linux", arch, "ubuntu", "20.04"), 21},
		{"exact", target("linux", arch, "ubuntu", "22.04"), 0},
		{"os only", target("linux", ""), 0},
		{"one of two distros", target("linux", arch, "alpine", "3.18", "ubuntu", "22.04"), 0},
		{"second target", target("windows", "") + target("linux", arch), 0},
	}
	for _, tc := range cases {
		for _, platform := range []string{"0.12", "0.14", "0.15"} {
			t.Run(tc.name+"/P"+platform, func(t *testing.T) {
				t.Parallel()
				w := newWorkspace(t)
				w.writeAnalyzed("linux", arch, "ubuntu", "22.04")
				w.add(bp{id: "A", api: "0.10", tail: tc.targets, build: true})
				w.add(bp{id: "B", api: "0.12"})
				w.setOrder([]ref{r("A"), r("B")})
				res := w.detect(platform, nil)
				wantCode(t, "detector(targets "+tc.name+")", res, tc.want)
				if tc.want == 0 {
					wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("A", "B")...)
				} else {
					w.wantRan("A", 0)
				}
			})
		}
	}
}

func TestDET13_MismatchFailsOnlyThatGroup(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.writeAnalyzed("linux", runtime.GOARCH, "ubuntu", "22.04")
	w.add(bp{id: "A", api: "0.12", tail: target("linux", otherArch())})
	w.add(bp{id: "B", api: "0.10", tail: target("linux", runtime.GOARCH)})
	w.setOrder([]ref{r("A")}, []ref{r("B")})
	res := w.detect("0.12", nil)
	wantCode(t, "detector([[A mismatched], [B]])", res, 0)
	wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpAt("B"))
}

func TestDET13_TargetEnv(t *testing.T) {
	t.Parallel()
	t.Run("from analyzed", func(t *testing.T) {
		t.Parallel()
		w := newWorkspace(t)
		w.writeAnalyzed("linux", runtime.GOARCH, "ubuntu", "22.04")
		w.add(bp{id: "A", api: "0.10", tail: target("linux", runtime.GOARCH, "ubuntu", "22.04")})
		w.add(bp{id: "old", api: "0.8"})
		w.setOrder([]ref{r("A"), r("old")})
		res := w.detect("0.12", nil)
		wantCode(t, "detector", res, 0)
		env := w.detectEnv("A", "1.0.0")
		for k, want := range map[string]string{
			"CNB_TARGET_OS": "linux", "CNB_TARGET_ARCH": runtime.GOARCH,
			"CNB_TARGET_DISTRO_NAME": "ubuntu", "CNB_TARGET_DISTRO_VERSION": "22.04",
		} {
			if env[k] != want {
				t.Errorf("B0.10 /bin/detect %s = %q, want %q", k, env[k], want)
			}
		}
		for k, v := range w.detectEnv("old", "1.0.0") {
			if strings.HasPrefix(k, "CNB_TARGET_") {
				t.Errorf("B0.8 /bin/detect has %s = %q, want no CNB_TARGET_* variables", k, v)
			}
		}
	})
	t.Run("distro from os-release", func(t *testing.T) {
		t.Parallel()
		id, version := osRelease(t)
		w := newWorkspace(t)
		w.writeAnalyzed("linux", runtime.GOARCH, "", "")
		w.add(bp{id: "A", api: "0.12"})
		w.setOrder([]ref{r("A")})
		res := w.detect("0.15", nil)
		wantCode(t, "detector(no distro in analyzed.toml)", res, 0)
		env := w.detectEnv("A", "1.0.0")
		if env["CNB_TARGET_DISTRO_NAME"] != id || env["CNB_TARGET_DISTRO_VERSION"] != version {
			t.Errorf("CNB_TARGET_DISTRO_NAME/VERSION = %q/%q, want %q/%q from /etc/os-release",
				env["CNB_TARGET_DISTRO_NAME"], env["CNB_TARGET_DISTRO_VERSION"], id, version)
		}
	})
}

func TestDET13_MissingArchIsOwnArch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		arch string
		want int
	}{{runtime.GOARCH, 0}, {otherArch(), 21}} {
		t.Run(tc.arch, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.write(filepath.Join(w.Layers, "analyzed.toml"),
				"[run-image]\nreference = \"\"\n[run-image.target]\nos = \"linux\"\n[run-image.target.distro]\nname = \"ubuntu\"\nversion = \"22.04\"\n")
			w.add(bp{id: "A", api: "0.10", tail: target("linux", tc.arch)})
			w.setOrder([]ref{r("A")})
			res := w.detect("0.12", nil)
			wantCode(t, "detector(run image without arch, buildpack arch "+tc.arch+")", res, tc.want)
			if tc.want == 0 {
				if got := w.detectEnv("A", "1.0.0")["CNB_TARGET_ARCH"]; got != runtime.GOARCH {
					t.Errorf("CNB_TARGET_ARCH = %q, want the lifecycle's own %q", got, runtime.GOARCH)
				}
			}
		})
	}
}

func TestDET13_NoMatchingBeforeP012(t *testing.T) {
	t.Parallel()
	for _, platform := range []string{"0.7", "0.9", "0.11"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.writeAnalyzed("linux", otherArch(), "ubuntu", "22.04")
			w.add(bp{id: "A", api: "0.10", tail: target("linux", otherArch(), "alpine", "3.18")})
			w.setOrder([]ref{r("A")})
			res := w.detect(platform, nil)
			wantCode(t, "detector(P"+platform+", mismatched target)", res, 0)
			wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpAt("A"))
			if got := w.detectEnv("A", "1.0.0")["CNB_TARGET_ARCH"]; got != runtime.GOARCH {
				t.Errorf("P%s: CNB_TARGET_ARCH = %q, want the lifecycle's own %q (no analyzed target before P0.12)", platform, got, runtime.GOARCH)
			}
		})
	}
}

func TestBPI9_TargetInference(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                         string
		os, arch, distro, distroVers string
		b                            bp
		want                         int
	}{
		{"stacks * matches anything", "windows", "amd64", "", "",
			bp{api: "0.10", tail: "[[stacks]]\nid = \"*\"\n"}, 0},
		{"stacks * matches anything (B0.7)", "linux", "s390x", "alpine", "3.18",
			bp{api: "0.7", tail: "[[stacks]]\nid = \"*\"\n"}, 0},
		{"bin/build infers linux: match", "linux", otherArch(), "ubuntu", "22.04",
			bp{api: "0.12", build: true}, 0},
		{"bin/build infers linux: mismatch", "windows", "amd64", "", "",
			bp{api: "0.12", build: true}, 21},
		{"bionic stack: match", "linux", "amd64", "ubuntu", "18.04",
			bp{api: "0.10", tail: "[[stacks]]\nid = \"io.buildpacks.stacks.bionic\"\n", build: true}, 0},
		{"bionic stack: other distro version", "linux", "amd64", "ubuntu", "22.04",
			bp{api: "0.10", tail: "[[stacks]]\nid = \"io.buildpacks.stacks.bionic\"\n", build: true}, 21},
		{"targets beat bin/build", "windows", "amd64", "", "",
			bp{api: "0.12", tail: target("windows", ""), build: true}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.writeAnalyzed(tc.os, tc.arch, tc.distro, tc.distroVers)
			b := tc.b
			b.id = "A"
			w.add(b)
			w.setOrder([]ref{r("A")})
			res := w.detect("0.12", nil)
			wantCode(t, fmt.Sprintf("detector(%s, run image %s/%s %s %s)", tc.name, tc.os, tc.arch, tc.distro, tc.distroVers), res, tc.want)
		})
	}
}

func TestDET15_SystemBuildpacks(t *testing.T) {
	t.Parallel()
	const system = "[[system.pre.buildpacks]]\nid = \"P\"\nversion = \"1.0.0\"\n\n" +
		"[[system.post.buildpacks]]\nid = \"Q\"\nversion = \"1.0.0\"\noptional = true\n"
	cases := []struct {
		name    string
		qFails  bool
		pFails  bool
		order   [][]ref
		want    []string
		code    int
		notRun  []string // id@version whose detect must not run
		noSysFl bool     // no system.toml at the -system path
	}{
		{name: "pre first, post last", order: [][]ref{{r("A")}}, want: bpsAt("P", "A", "Q")},
		{name: "merged into every group", order: [][]ref{{r("X")}, {r("A")}}, want: bpsAt("P", "A", "Q")},
		{name: "optional post fails", qFails: true, order: [][]ref{{r("A")}}, want: bpsAt("P", "A")},
		{name: "required pre fails", pFails: true, order: [][]ref{{r("A")}, {r("B")}}, code: 20},
		{name: "not merged when the group has the id", order: [][]ref{{r("A"), {id: "P", version: "2.0.0"}}},
			want: []string{"A@1.0.0", "P@2.0.0", "Q@1.0.0"}, notRun: []string{"P@1.0.0"}},
		{name: "missing system.toml", noSysFl: true, order: [][]ref{{r("A")}}, want: bpsAt("A")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			pDetect, qDetect := "", ""
			if tc.pFails {
				pDetect = failDetect
			}
			if tc.qFails {
				qDetect = failDetect
			}
			w.add(bp{id: "P", api: "0.12", detect: pDetect})
			w.add(bp{id: "P", version: "2.0.0", api: "0.12"})
			w.add(bp{id: "Q", api: "0.7", detect: qDetect})
			w.add(bp{id: "A", api: "0.10"})
			w.add(bp{id: "B", api: "0.10"})
			w.add(bp{id: "X", api: "0.8", detect: failDetect})
			w.setOrder(tc.order...)
			sys := filepath.Join(w.Root, "system.toml")
			if !tc.noSysFl {
				w.write(sys, system)
			}
			res := w.detect("0.15", nil, "-system", sys)
			wantCode(t, "detector(system.toml, "+tc.name+")", res, tc.code)
			if tc.code == 0 {
				wantGroup(t, filepath.Join(w.Layers, "group.toml"), tc.want...)
			}
			for _, ref := range tc.notRun {
				id, version, _ := strings.Cut(ref, "@")
				if n := w.ran(id, version); n != 0 {
					t.Errorf("/bin/detect of %s ran %d times, want 0", ref, n)
				}
			}
		})
	}
}

func TestDET15_SystemGatedByPlatformAPI(t *testing.T) {
	t.Parallel()
	w := passingWorkspace(t)
	w.add(bp{id: "P", api: "0.12"})
	sys := filepath.Join(w.Root, "system.toml")
	w.write(sys, "[[system.pre.buildpacks]]\nid = \"P\"\nversion = \"1.0.0\"\n")
	wantCode(t, "detector(P0.14, -system)", w.detect("0.14", nil, "-system", sys), 2)
	wantCode(t, "detector(P0.14, -system=)", w.detect("0.14", nil, "-system="+sys), 2)
	res := w.detect("0.14", []string{"CNB_SYSTEM_PATH=" + sys})
	wantCode(t, "detector(P0.14, CNB_SYSTEM_PATH)", res, 0)
	wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpAt("A"))
	res = w.detect("0.15", []string{"CNB_SYSTEM_PATH=" + sys})
	wantCode(t, "detector(P0.15, CNB_SYSTEM_PATH)", res, 0)
	wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("P", "A")...)
}

// execEnvFixture: A (any), P (exec-env = ["production"]), T
// ([[buildpack.exec-env]] name = "test"), S (exec-env = ["*"]) and an order
// element O restricted to production; all Buildpack API 0.12.
func execEnvFixture(t *testing.T) *workspace {
	t.Helper()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.12"})
	w.add(bp{id: "P", api: "0.12", info: `  exec-env = ["production"]`})
	w.add(bp{id: "T", api: "0.12", tail: "[[buildpack.exec-env]]\nname = \"test\"\n"})
	w.add(bp{id: "S", api: "0.12", info: `  exec-env = ["*"]`})
	w.add(bp{id: "O", api: "0.12"})
	return w
}

func TestDET16_ExecEnv(t *testing.T) {
	t.Parallel()
	oProd := ref{id: "O", version: "1.0.0", execEnv: []string{"production"}}
	oTest := ref{id: "O", version: "1.0.0", execEnv: []string{"test"}}
	cases := []struct {
		name, platform string
		env            []string
		order          [][]ref
		want           []string
		code           int
		notRun         []string
	}{
		{"test", "0.15", []string{"CNB_EXEC_ENV=test"}, [][]ref{{r("A"), r("P"), r("T"), r("S"), oProd}},
			bpsAt("A", "T", "S"), 0, []string{"P", "O"}},
		{"order element for test", "0.15", []string{"CNB_EXEC_ENV=test"}, [][]ref{{r("A"), oTest}},
			bpsAt("A", "O"), 0, nil},
		{"group of skipped buildpacks", "0.15", []string{"CNB_EXEC_ENV=test"}, [][]ref{{r("P"), oProd}, {r("T")}},
			bpsAt("T"), 0, []string{"P", "O"}},
		{"every group skipped", "0.15", []string{"CNB_EXEC_ENV=test"}, [][]ref{{r("P")}}, nil, 20, []string{"P"}},
		{"default production", "0.15", nil, [][]ref{{r("A"), r("P"), r("T"), oProd}},
			bpsAt("A", "P", "O"), 0, []string{"T"}},
		{"no filtering at P0.14", "0.14", []string{"CNB_EXEC_ENV=test"}, [][]ref{{r("A"), r("P"), r("T"), oProd}},
			bpsAt("A", "P", "T", "O"), 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := execEnvFixture(t)
			w.setOrder(tc.order...)
			res := w.detect(tc.platform, tc.env)
			wantCode(t, "detector(P"+tc.platform+", "+tc.name+")", res, tc.code)
			if tc.code == 0 {
				wantGroup(t, filepath.Join(w.Layers, "group.toml"), tc.want...)
			}
			for _, id := range tc.notRun {
				w.wantRan(id, 0)
			}
		})
	}
}

func TestDET16_ExecEnvVisible(t *testing.T) {
	t.Parallel()
	w := execEnvFixture(t)
	w.add(bp{id: "old", api: "0.10"})
	w.setOrder([]ref{r("T"), r("old")})
	res := w.detect("0.15", []string{"CNB_EXEC_ENV=test"})
	wantCode(t, "detector(CNB_EXEC_ENV=test)", res, 0)
	if got := w.detectEnv("T", "1.0.0")["CNB_EXEC_ENV"]; got != "test" {
		t.Errorf("B0.12 CNB_EXEC_ENV = %q, want %q", got, "test")
	}
	if got, ok := w.detectEnv("old", "1.0.0")["CNB_EXEC_ENV"]; ok {
		t.Errorf("B0.10 CNB_EXEC_ENV = %q, want unset", got)
	}
}

func TestDET16_InvalidExecEnv_Exit3(t *testing.T) {
	t.Parallel()
	w := execEnvFixture(t)
	w.setOrder([]ref{r("A")})
	res := w.detect("0.15", []string{"CNB_EXEC_ENV=a/b"})
	wantCode(t, "detector(CNB_EXEC_ENV=a/b)", res, 3)
	wantContains(t, "detector stderr", res.stderr, "CNB_EXEC_ENV")
	w.wantRan("A", 0)
	// Before P0.15 the variable is not an input.
	wantCode(t, "detector(P0.14, CNB_EXEC_ENV=a/b)", w.detect("0.14", []string{"CNB_EXEC_ENV=a/b"}), 0)
}
