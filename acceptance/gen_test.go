package acceptance

import (
	"path/filepath"
	"strings"
	"testing"
)

// passingWorkspace has an order of one group with one passing buildpack, A.
func passingWorkspace(t *testing.T) *workspace {
	t.Helper()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.10"})
	w.setOrder([]ref{r("A")})
	return w
}

func TestGEN2_UnsupportedPlatformAPI_Exit11(t *testing.T) {
	t.Parallel()
	values := []struct {
		name string
		env  []string
	}{
		{"unset", nil},
		{"empty", []string{"CNB_PLATFORM_API="}},
		{"garbage", []string{"CNB_PLATFORM_API=garbage"}},
		{"0.6", []string{"CNB_PLATFORM_API=0.6"}},
		{"0.16", []string{"CNB_PLATFORM_API=0.16"}},
		{"1", []string{"CNB_PLATFORM_API=1"}},
	}
	for _, bin := range allBinaries {
		for _, v := range values {
			t.Run(bin+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				w := passingWorkspace(t)
				var args []string
				if bin == "detector" {
					args = w.stdFlags()
				}
				res := w.run(bin, runOpts{args: args, env: v.env})
				wantCode(t, bin+"(CNB_PLATFORM_API "+v.name+")", res, 11)
				wantContains(t, bin+" stderr", res.stderr, "CNB_PLATFORM_API")
			})
		}
	}
}

func TestGEN2_SupportedPlatformAPIs(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			w := passingWorkspace(t)
			wantCode(t, "detector(P"+v+")", w.detect(v, nil), 0)
			wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpAt("A"))
		})
	}
}

func TestGEN4_UnknownFlag_Exit2(t *testing.T) {
	t.Parallel()
	for _, bin := range phaseBinaries {
		t.Run(bin, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			res := w.run(bin, runOpts{args: []string{"-nope"}, env: []string{"CNB_PLATFORM_API=0.12"}})
			wantCode(t, bin+"(-nope)", res, 2)
			wantContains(t, bin+" stderr", res.stderr, "nope")
		})
	}
}

func TestGEN4_Version_Exit0(t *testing.T) {
	t.Parallel()
	for _, bin := range phaseBinaries {
		t.Run(bin, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			res := w.run(bin, runOpts{args: []string{"-version"}, env: []string{"CNB_PLATFORM_API=0.12"}})
			wantCode(t, bin+"(-version)", res, 0)
			if strings.TrimSpace(res.stdout) == "" {
				t.Errorf("%s -version printed nothing on stdout", bin)
			}
		})
	}
}

func TestGEN4_Help_Exit0(t *testing.T) {
	t.Parallel()
	for _, bin := range phaseBinaries {
		t.Run(bin, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			res := w.run(bin, runOpts{args: []string{"-h"}, env: []string{"CNB_PLATFORM_API=0.12"}})
			wantCode(t, bin+"(-h)", res, 0)
			wantContains(t, bin+" -h output", res.output(), "Usage")
			wantContains(t, bin+" -h output", res.output(), "-log-level")
		})
	}
}

func TestGEN5_PositionalArgs_Exit3(t *testing.T) {
	t.Parallel()
	cases := []struct {
		bin  string
		args []string
	}{
		{"detector", []string{"extra"}},
		{"restorer", []string{"extra"}},
		{"builder", []string{"extra"}},
		{"analyzer", nil},
		{"analyzer", []string{"registry.example/app", "registry.example/other"}},
		{"creator", nil},
		{"exporter", nil},
		{"rebaser", nil},
	}
	for _, tc := range cases {
		name := tc.bin + "/" + strings.Join(append([]string{"args"}, tc.args...), "_")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := passingWorkspace(t)
			args := tc.args
			if tc.bin == "detector" {
				args = append(w.stdFlags(), args...)
			}
			res := w.run(tc.bin, runOpts{args: args, env: []string{"CNB_PLATFORM_API=0.12"}})
			wantCode(t, tc.bin+"("+strings.Join(tc.args, " ")+")", res, 3)
		})
	}
}

func TestGEN6_InvalidLogLevel_Exit1(t *testing.T) {
	t.Parallel()
	for _, form := range [][]string{{"-log-level", "loud"}, {"-log-level=loud"}} {
		t.Run(strings.Join(form, " "), func(t *testing.T) {
			t.Parallel()
			w := passingWorkspace(t)
			res := w.detect("0.12", nil, form...)
			wantCode(t, "detector("+strings.Join(form, " ")+")", res, 1)
			wantContains(t, "detector stderr", res.stderr, "loud")
		})
	}
	t.Run("CNB_LOG_LEVEL=loud", func(t *testing.T) {
		t.Parallel()
		w := passingWorkspace(t)
		wantCode(t, "detector(CNB_LOG_LEVEL=loud)", w.detect("0.12", []string{"CNB_LOG_LEVEL=loud"}), 1)
	})
}

func TestGEN6_LogLevelEnv_Debug(t *testing.T) {
	t.Parallel()
	w := passingWorkspace(t)
	res := w.detect("0.12", nil)
	wantCode(t, "detector(info)", res, 0)
	if strings.Contains(res.stdout, "pass: A@1.0.0") {
		t.Errorf("detector at info level printed the debug line %q:\n%s", "pass: A@1.0.0", res.stdout)
	}
	res = w.detect("0.12", []string{"CNB_LOG_LEVEL=debug"})
	wantCode(t, "detector(CNB_LOG_LEVEL=debug)", res, 0)
	wantContains(t, "detector stdout with CNB_LOG_LEVEL=debug", res.stdout, "pass: A@1.0.0")
	// GEN-3: the flag beats the variable.
	res = w.detect("0.12", []string{"CNB_LOG_LEVEL=debug"}, "-log-level=info")
	wantCode(t, "detector(CNB_LOG_LEVEL=debug -log-level=info)", res, 0)
	if strings.Contains(res.stdout, "pass: A@1.0.0") {
		t.Errorf("-log-level=info did not beat CNB_LOG_LEVEL=debug:\n%s", res.stdout)
	}
}

func TestGEN6_NoColor(t *testing.T) {
	t.Parallel()
	errorLine := func(t *testing.T, res result) string {
		t.Helper()
		for _, l := range strings.Split(res.stderr, "\n") {
			if strings.Contains(l, "ERROR: ") {
				return l
			}
		}
		t.Fatalf("no ERROR line on stderr:\n%s", res.stderr)
		return ""
	}
	cases := []struct {
		name      string
		env, args []string
		colour    bool
	}{
		{"default", nil, nil, true},
		{"-no-color", nil, []string{"-no-color"}, false},
		{"-no-color=true", nil, []string{"-no-color=true"}, false},
		{"CNB_NO_COLOR=true", []string{"CNB_NO_COLOR=true"}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t) // no order.toml: an error
			res := w.detect("0.12", tc.env, tc.args...)
			wantCode(t, "detector("+tc.name+", missing order)", res, 1)
			l := errorLine(t, res)
			if got := strings.Contains(l, "\x1b["); got != tc.colour {
				t.Errorf("ERROR line %q has colour = %v, want %v", l, got, tc.colour)
			}
		})
	}
}

func TestGEN7_Streams(t *testing.T) {
	t.Parallel()
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		w := passingWorkspace(t)
		res := w.detect("0.15", nil)
		wantCode(t, "detector", res, 0)
		wantContains(t, "detector stdout", res.stdout, "participating")
		if strings.Contains(res.stderr, "participating") {
			t.Errorf("detector wrote the info line to stderr:\n%s", res.stderr)
		}
	})
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		w := newWorkspace(t)
		res := w.detect("0.15", nil, "-no-color")
		wantCode(t, "detector(missing order)", res, 1)
		wantContains(t, "detector stderr", res.stderr, "ERROR: ")
		if strings.Contains(res.stdout, "ERROR: ") {
			t.Errorf("detector wrote an ERROR line to stdout:\n%s", res.stdout)
		}
	})
}

func TestGEN8_ExperimentalMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  int
	}{{"bogus", 1}, {"error", 0}, {"warn", 0}, {"silent", 0}, {"quiet", 0}} {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			w := passingWorkspace(t)
			res := w.detect("0.15", []string{"CNB_EXPERIMENTAL_MODE=" + tc.value})
			wantCode(t, "detector(CNB_EXPERIMENTAL_MODE="+tc.value+")", res, tc.want)
		})
	}
}

func TestGEN9_DeprecationMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  int
	}{{"bogus", 1}, {"warn", 0}, {"error", 0}, {"quiet", 0}} {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			w := passingWorkspace(t)
			res := w.detect("0.15", []string{"CNB_DEPRECATION_MODE=" + tc.value})
			wantCode(t, "detector(CNB_DEPRECATION_MODE="+tc.value+")", res, tc.want)
		})
	}
}
