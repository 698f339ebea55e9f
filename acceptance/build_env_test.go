package acceptance

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBLD5_FIL15_UntypedLayersIgnored(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(
		bbp{id: "A", api: "0.10", script: `layer typed launch
mkdir -p "$L/untyped/bin" "$L/untyped/env"
printf '[metadata]\nk = "v"\n' > "$L/untyped.toml"
put untyped/env/UNTYPED yes
mkdir -p "$L/notoml/bin"
layer falsy
printf '[types]\nlaunch = false\nbuild = false\ncache = false\n' > "$L/falsy.toml"
layer onlycache cache
layer onlybuild build`},
		bbp{id: "B", api: "0.12"},
	)
	w.writePlanTOML("")
	wantCode(t, "builder", w.build("0.12", nil), 0)
	l := w.layersOf("A")
	for _, n := range []string{"untyped", "notoml", "falsy"} {
		if exists(filepath.Join(l, n)) {
			t.Errorf("untyped layer %s was not renamed", n)
		}
		if !exists(filepath.Join(l, n+".ignore")) {
			t.Errorf("untyped layer %s: no %s.ignore", n, n)
		}
	}
	for _, n := range []string{"typed", "onlycache", "onlybuild"} {
		if !exists(filepath.Join(l, n)) || exists(filepath.Join(l, n+".ignore")) {
			t.Errorf("typed layer %s was renamed", n)
		}
	}
	env := w.buildEnv("B")
	wantEnv(t, "B", env, map[string]string{"UNTYPED": unset, "PATH": os.Getenv("PATH")})
}

// BLD-5, ENV-3: build layers' bin, lib, include and pkgconfig are put in
// front of the path variables of later buildpacks; a buildpack's layers in
// ascending name order, later buildpacks first. Launch-only layers are not.
func TestBLD5_ENV3_BuildLayerPaths(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(
		bbp{id: "A", api: "0.10", script: `layer b build
mkdir -p "$L/b/bin"
layer a build cache
mkdir -p "$L/a/bin" "$L/a/lib" "$L/a/include" "$L/a/pkgconfig"
put a/bin/hello-from-a '#!/usr/bin/env bash
echo hello from a'
chmod +x "$L/a/bin/hello-from-a"
layer c launch
mkdir -p "$L/c/bin" "$L/c/lib" "$L/c/include"
put c/env/LAUNCHONLY x
layer d build`},
		bbp{id: "org/B", api: "0.8", script: `hello-from-a > "$rec.hello"
layer z build
mkdir -p "$L/z/bin" "$L/z/lib"`},
		bbp{id: "C", api: "0.12"},
	)
	w.writePlanTOML("")
	base := os.Getenv("PATH")
	wantCode(t, "builder", w.build("0.12", []string{"LD_LIBRARY_PATH=/base/lib", "CPATH=/base/include"}), 0)
	a, b, z := filepath.Join(w.layersOf("A"), "a"), filepath.Join(w.layersOf("A"), "b"), filepath.Join(w.layersOf("org/B"), "z")
	wantEnv(t, "A", w.buildEnv("A"), map[string]string{
		"PATH": base, "LD_LIBRARY_PATH": "/base/lib", "LIBRARY_PATH": unset, "CPATH": "/base/include", "PKG_CONFIG_PATH": unset,
	})
	wantEnv(t, "org/B", w.buildEnv("org/B"), map[string]string{
		"PATH":            a + "/bin:" + b + "/bin:" + base,
		"LD_LIBRARY_PATH": a + "/lib:/base/lib",
		"LIBRARY_PATH":    a + "/lib",
		"CPATH":           a + "/include:/base/include",
		"PKG_CONFIG_PATH": a + "/pkgconfig",
		"LAUNCHONLY":      unset,
	})
	wantEnv(t, "C", w.buildEnv("C"), map[string]string{
		"PATH":            z + "/bin:" + a + "/bin:" + b + "/bin:" + base,
		"LD_LIBRARY_PATH": z + "/lib:" + a + "/lib:/base/lib",
		"LIBRARY_PATH":    z + "/lib:" + a + "/lib",
		"CPATH":           a + "/include:/base/include",
		"PKG_CONFIG_PATH": a + "/pkgconfig",
	})
	if got := w.readFile(w.buildRecord("org/B") + ".hello"); got != "hello from a\n" {
		t.Errorf("org/B ran hello-from-a from A's build layer and got %q", got)
	}
}

// ENV-4, ENV-5: env/ and env.build/ of build layers, suffix rules, .delim
// scoping, name order within a buildpack and literal contents.
func TestENV4_ENV5_LayerEnvFiles(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(
		bbp{id: "A", api: "0.10", script: `layer a build
put a/env/OVR from-a
put a/env/DEF.default from-a
put a/env/PRE.prepend a
put a/env/PRE.delim :
put a/env/APP.append a
put a/env.build/BLD.append build-only
put a/env.launch/LNC launch-only
put a/env.launch/web/LNCP launch-only
put a/env/UNK.weird x
put a/env/LIT '$HOME/x $(id) ` + "`id`" + `'
put a/env/NL 'line
'
mkdir -p "$L/a/env/SUBDIR"
put a/env/HOSTNAME.default not-this
put a/env/DL.delim ,
put a/env/DL.override one
put a/env.build/DL.append two
put a/env/W.delim ,
put a/env/W.append 1
put a/env.build/W.append 2
put a/env/V.delim ,
put a/env/V.prepend 1
put a/env.build/V.prepend 2
put a/env/O.override env
put a/env.build/O.override env.build
put a/env/D.default env
put a/env.build/D.default env.build
layer b build
put b/env/OVR from-b
put b/env/DEF.default from-b
put b/env/PRE.prepend b
put b/env/PRE.delim :
put b/env/APP.append b
layer l launch
put l/env/LAUNCHLAYER x`},
		bbp{id: "B", api: "0.12", script: `layer b build
put b/env/OVR from-B
put b/env/DEF.default from-B
put b/env/PRE.prepend B
put b/env/PRE.delim :
put b/env/APP.append B`},
		bbp{id: "C", api: "0.9"},
	)
	w.writePlanTOML("")
	wantCode(t, "builder", w.build("0.12", []string{"HOSTNAME=buildhost"}), 0)
	wantEnv(t, "A", w.buildEnv("A"), map[string]string{"OVR": unset, "APP": unset})
	wantEnv(t, "B", w.buildEnv("B"), map[string]string{
		"OVR":         "from-b",
		"DEF":         "from-a",
		"PRE":         "b:a",
		"APP":         "ab",
		"BLD":         "build-only",
		"LNC":         unset,
		"LNCP":        unset,
		"UNK":         unset,
		"LIT":         "$HOME/x $(id) `id`",
		"NL":          "line\n",
		"SUBDIR":      unset,
		"HOSTNAME":    "buildhost",
		"DL":          "one,two",
		"W":           "1,2",
		"V":           "2,1",
		"O":           "env.build",
		"D":           "env",
		"LAUNCHLAYER": unset,
	})
	wantEnv(t, "C", w.buildEnv("C"), map[string]string{
		"OVR": "from-B",
		"DEF": "from-a",
		"PRE": "B:b:a",
		"APP": "abB",
		"BLD": "build-only",
	})
}

// ENV-6: three buildpacks modify the same variables in turn.
func TestENV6_OrderingAcrossBuildpacks(t *testing.T) {
	t.Parallel()
	layer := func(id, x, y string) string {
		return `layer l build
put l/env/APP.delim :
put l/env/APP.append ` + id + `
put l/env/PRE.delim :
put l/env/PRE.prepend ` + id + `
put l/env/OVR.override ` + id + `
put l/env/DEF.default ` + id + `
put l/env/X.delim :
put l/env/` + x + `
put l/env/Y.delim :
put l/env/` + y
	}
	w := newWorkspace(t)
	w.addBuilds(
		bbp{id: "A", api: "0.7", script: layer("A", "X.append A", "Y.override o")},
		bbp{id: "B", api: "0.9", script: layer("B", "X.prepend B", "Y.prepend p")},
		bbp{id: "C", api: "0.12", script: layer("C", "X.override C", "Y.append a")},
		bbp{id: "D", api: "0.10"},
	)
	w.writePlanTOML("")
	wantCode(t, "builder", w.build("0.15", nil), 0)
	wantEnv(t, "B", w.buildEnv("B"), map[string]string{"APP": "A", "PRE": "A", "OVR": "A", "DEF": "A", "X": "A", "Y": "o"})
	wantEnv(t, "C", w.buildEnv("C"), map[string]string{"APP": "A:B", "PRE": "B:A", "OVR": "B", "DEF": "A", "X": "B:A", "Y": "p:o"})
	wantEnv(t, "D", w.buildEnv("D"), map[string]string{
		"APP": "A:B:C", // append: earlier first
		"PRE": "C:B:A", // prepend: later first
		"OVR": "C",     // override: later wins
		"DEF": "A",     // default: earlier wins
		"X":   "C",
		"Y":   "p:o:a",
	})
}

// ENV-7: layers cannot change HOME or BP_* variables.
func TestENV7_HomeAndBPUntouched(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	bc := filepath.Join(w.Root, "build-config")
	w.write(filepath.Join(bc, "env", "BP_CFG"), "operator")
	w.write(filepath.Join(w.Platform, "env", "BP_USER"), "user")
	w.addBuilds(
		bbp{id: "A", api: "0.10", script: `layer a build
put a/env/HOME /layer-home
put a/env/BP_CFG.override layer
put a/env.build/BP_USER layer
put a/env/BP_NEW.default layer
layer b build
put b/env/HOME.append :/more`},
		bbp{id: "B", api: "0.12"},
		bbp{id: "K", api: "0.12", info: "  clear-env = true"},
	)
	w.writePlanTOML("")
	wantCode(t, "builder", w.build("0.12", nil, "-build-config", bc), 0)
	home := os.Getenv("HOME")
	wantEnv(t, "B", w.buildEnv("B"), map[string]string{"HOME": home, "BP_CFG": "operator", "BP_USER": "user"})
	wantEnv(t, "K (clear-env)", w.buildEnv("K"), map[string]string{"HOME": home, "BP_CFG": "operator"})
}

// ENV-1, BPI-6: <platform>/env applies to every buildpack but those with
// clear-env, on top of what earlier build layers set.
func TestENV1_BPI6_BuilderPlatformEnv(t *testing.T) {
	t.Parallel()
	for _, platform := range []string{"0.7", "0.12", "0.15"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.write(filepath.Join(w.Platform, "env", "FOO"), "bar")
			w.write(filepath.Join(w.Platform, "env", "VERBATIM"), " two words\n")
			w.write(filepath.Join(w.Platform, "env", "PATH"), "/opt/custom/bin")
			w.write(filepath.Join(w.Platform, "env", "LD_LIBRARY_PATH"), "/opt/custom/lib")
			w.addBuilds(
				bbp{id: "A", api: "0.7", script: `layer a build
mkdir -p "$L/a/bin"
put a/env/FOO layer`},
				bbp{id: "K", api: "0.12", info: "  clear-env = true", script: `cat "$2/env/FOO" > "$rec.foo"`},
				bbp{id: "B", api: "0.10"},
			)
			w.writePlanTOML("")
			wantCode(t, "builder", w.build(platform, nil), 0)
			base, a := os.Getenv("PATH"), filepath.Join(w.layersOf("A"), "a")
			wantEnv(t, "A", w.buildEnv("A"), map[string]string{
				"FOO": "bar", "VERBATIM": " two words\n", "PATH": "/opt/custom/bin:" + base, "LD_LIBRARY_PATH": "/opt/custom/lib",
			})
			wantEnv(t, "B", w.buildEnv("B"), map[string]string{
				"FOO": "bar", "VERBATIM": " two words\n", "PATH": "/opt/custom/bin:" + a + "/bin:" + base,
			})
			wantEnv(t, "K (clear-env)", w.buildEnv("K"), map[string]string{
				"FOO": "layer", "VERBATIM": unset, "PATH": a + "/bin:" + base, "LD_LIBRARY_PATH": unset,
			})
			if got := w.readFile(w.buildRecord("K") + ".foo"); got != "bar" {
				t.Errorf("clear-env buildpack read <platform>/env/FOO = %q, want %q", got, "bar")
			}
		})
	}
}

// buildEnvFixture has user variables FOO=bar and QUX=user and operator
// variables BAR (default), FOO.override, QUX (default), PATH.prepend and
// LAY (default, also set by A's build layer).
func buildEnvFixture(t *testing.T) (*workspace, string) {
	t.Helper()
	w := newWorkspace(t)
	w.write(filepath.Join(w.Platform, "env", "FOO"), "bar")
	w.write(filepath.Join(w.Platform, "env", "QUX"), "user")
	bc := filepath.Join(w.Root, "build-config")
	w.write(filepath.Join(bc, "env", "BAR"), "operator-bar")
	w.write(filepath.Join(bc, "env", "FOO.override"), "operator-foo")
	w.write(filepath.Join(bc, "env", "QUX"), "operator-qux")
	w.write(filepath.Join(bc, "env", "PATH.prepend"), "/operator/bin")
	w.write(filepath.Join(bc, "env", "PATH.delim"), ":")
	w.write(filepath.Join(bc, "env", "LAY"), "operator-lay")
	w.addBuilds(
		bbp{id: "A", api: "0.10", script: "layer a build\nput a/env/LAY layer"},
		bbp{id: "K", api: "0.12", info: "  clear-env = true"},
	)
	w.writePlanTOML("")
	return w, bc
}

func TestENV2_BuilderBuildConfigEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		platform string
		flag     bool
	}{{"0.12", true}, {"0.12", false}, {"0.15", true}} {
		name := "P" + tc.platform + "/env"
		if tc.flag {
			name = "P" + tc.platform + "/flag"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, bc := buildEnvFixture(t)
			var res result
			if tc.flag {
				res = w.build(tc.platform, nil, "-build-config", bc)
			} else {
				res = w.build(tc.platform, []string{"CNB_BUILD_CONFIG_DIR=" + bc})
			}
			wantCode(t, "builder(<build-config>/env)", res, 0)
			path := "/operator/bin:" + os.Getenv("PATH")
			wantEnv(t, "A", w.buildEnv("A"), map[string]string{
				"BAR": "operator-bar", "FOO": "operator-foo", "QUX": "user", "PATH": path, "LAY": "operator-lay",
			})
			// BPI-6: operator variables apply regardless of clear-env.
			wantEnv(t, "K (clear-env)", w.buildEnv("K"), map[string]string{
				"BAR": "operator-bar", "FOO": "operator-foo", "QUX": "operator-qux", "PATH": path, "LAY": "layer",
			})
		})
	}
}

func TestENV2_BuilderBuildConfigIgnoredBeforeP011(t *testing.T) {
	t.Parallel()
	for _, platform := range []string{"0.7", "0.10"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w, bc := buildEnvFixture(t)
			wantCode(t, "builder(CNB_BUILD_CONFIG_DIR)", w.build(platform, []string{"CNB_BUILD_CONFIG_DIR=" + bc}), 0)
			wantEnv(t, "A", w.buildEnv("A"), map[string]string{"BAR": unset, "FOO": "bar", "PATH": os.Getenv("PATH")})
			wantEnv(t, "K", w.buildEnv("K"), map[string]string{"QUX": unset, "LAY": "layer"})
		})
	}
}
