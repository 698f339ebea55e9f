package acceptance

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDET4_IDSlashToUnderscore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ platform, buildpack string }{{"0.7", "0.7"}, {"0.12", "0.10"}, {"0.15", "0.12"}} {
		t.Run("P"+tc.platform+"/B"+tc.buildpack, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.add(bp{id: "example.org/slash-id", api: tc.buildpack})
			if !exists(filepath.Join(w.Buildpacks, "example.org_slash-id", "1.0.0", "buildpack.toml")) {
				t.Fatal("fixture: buildpack not in <buildpacks>/example.org_slash-id/1.0.0")
			}
			w.setOrder([]ref{r("example.org/slash-id")})
			res := w.detect(tc.platform, nil)
			wantCode(t, "detector(example.org/slash-id)", res, 0)
			g := wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpAt("example.org/slash-id"))
			if len(g.Group) == 1 && g.Group[0].API != tc.buildpack {
				t.Errorf("group.toml api = %q, want %q", g.Group[0].API, tc.buildpack)
			}
			if got, want := w.detectEnv("example.org/slash-id", "1.0.0")["CNB_BUILDPACK_DIR"], w.dir("example.org/slash-id", "1.0.0"); got != want {
				t.Errorf("CNB_BUILDPACK_DIR = %q, want %q", got, want)
			}
		})
	}
}

func TestDET4_CompositeDepthFirst(t *testing.T) {
	t.Parallel()
	forEachAPI(t, platformAPIs, func(t *testing.T, api string) {
		w := newWorkspace(t)
		w.add(bp{id: "E", api: "0.7"})
		w.add(bp{id: "A", api: "0.8", detect: failDetect})
		w.add(bp{id: "B", api: "0.10"})
		w.add(bp{id: "X", api: "0.12"})
		w.add(bp{id: "F", api: "0.10"})
		w.add(bp{id: "C", api: "0.10", order: [][]ref{{r("A"), r("B")}, {r("X")}}})
		w.setOrder([]ref{r("E"), r("C"), r("F")})
		res := w.detect(api, nil)
		wantCode(t, "detector([E, C=[[A,B],[X]], F], A fails)", res, 0)
		g := wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("E", "X", "F")...)
		for i, want := range []string{"0.7", "0.12", "0.10"} {
			if i < len(g.Group) && g.Group[i].API != want {
				t.Errorf("group.toml %s api = %q, want %q", g.Group[i].ID, g.Group[i].API, want)
			}
		}
		w.wantRan("E", 1)
		w.wantRan("A", 1)
		w.wantRan("X", 1)
		w.wantRan("F", 1)
	})
}

func TestDET4_NestedComposite(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	for _, id := range []string{"A", "B", "D"} {
		w.add(bp{id: id, api: "0.12"})
	}
	w.add(bp{id: "inner", api: "0.10", order: [][]ref{{r("B")}}})
	w.add(bp{id: "outer", api: "0.10", order: [][]ref{{r("A"), r("inner")}}})
	w.setOrder([]ref{r("outer"), r("D")})
	res := w.detect("0.14", nil)
	wantCode(t, "detector([outer=[A, inner=[B]], D])", res, 0)
	wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("A", "B", "D")...)
}

func TestDET4_DuplicateIDSkipped(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.10"})
	w.add(bp{id: "A", version: "2.0.0", api: "0.10"})
	w.add(bp{id: "D", api: "0.7"})
	w.add(bp{id: "B", api: "0.12"})
	w.add(bp{id: "C", api: "0.10", order: [][]ref{{{id: "A", version: "2.0.0"}, r("D")}}})
	w.setOrder([]ref{r("A"), r("C"), r("B")})
	res := w.detect("0.12", nil)
	wantCode(t, "detector([A, C=[[A@2.0.0, D]], B])", res, 0)
	wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("A", "D", "B")...)
	w.wantRan("A", 1)
	if n := w.ran("A", "2.0.0"); n != 0 {
		t.Errorf("/bin/detect of A@2.0.0 ran %d times, want 0 (A is already in the group)", n)
	}
}

func TestDET5_OptionalFailingDropped(t *testing.T) {
	t.Parallel()
	forEachAPI(t, platformAPIs, func(t *testing.T, api string) {
		w := newWorkspace(t)
		w.add(bp{id: "A", api: "0.7"})
		w.add(bp{id: "B", api: "0.12", detect: failDetect})
		w.add(bp{id: "C", api: "0.10"})
		w.add(bp{id: "Z", api: "0.10"})
		w.setOrder([]ref{r("A"), opt("B"), r("C")}, []ref{r("Z")})
		res := w.detect(api, nil)
		wantCode(t, "detector([A, B? fails, C])", res, 0)
		wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("A", "C")...)
		w.wantRan("Z", 0)
	})
}

func TestDET5_OptionalCompositeDropped(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.8"})
	w.add(bp{id: "X", api: "0.10", detect: failDetect})
	w.add(bp{id: "Y", api: "0.12", detect: failDetect})
	w.add(bp{id: "B", api: "0.12"})
	w.add(bp{id: "Z", api: "0.10"})
	w.add(bp{id: "C", api: "0.10", order: [][]ref{{r("X")}, {r("Y")}}})
	w.setOrder([]ref{r("A"), opt("C"), r("B")}, []ref{r("Z")})
	res := w.detect("0.15", nil)
	wantCode(t, "detector([A, C?=[[X],[Y]] all fail, B])", res, 0)
	wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("A", "B")...)
	w.wantRan("X", 1)
	w.wantRan("Y", 1)
	w.wantRan("Z", 0)
}

func TestDET5_OptionalCompositeWithFailingMember(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.10"})
	w.add(bp{id: "X", api: "0.7", detect: failDetect})
	w.add(bp{id: "Y", api: "0.12"})
	w.add(bp{id: "B", api: "0.8"})
	w.add(bp{id: "C", api: "0.10", order: [][]ref{{r("X"), r("Y")}}})
	w.setOrder([]ref{r("A"), opt("C"), r("B")})
	res := w.detect("0.14", nil)
	wantCode(t, "detector([A, C?=[[X fails, Y]], B])", res, 0)
	// [A, X, Y, B] fails on the required X; the copy without C is [A, B].
	wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("A", "B")...)
}

func TestDET6_FirstPassingGroupWins(t *testing.T) {
	t.Parallel()
	forEachAPI(t, platformAPIs, func(t *testing.T, api string) {
		w := newWorkspace(t)
		w.add(bp{id: "A", api: "0.7", detect: failDetect})
		w.add(bp{id: "B", api: "0.12"})
		w.add(bp{id: "C", api: "0.8"})
		w.add(bp{id: "D", api: "0.10"})
		w.setOrder([]ref{r("A")}, []ref{r("B"), r("C")}, []ref{r("D")})
		res := w.detect(api, nil)
		wantCode(t, "detector([[A fails], [B, C], [D]])", res, 0)
		wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt("B", "C")...)
		w.wantRan("A", 1)
		w.wantRan("B", 1)
		w.wantRan("C", 1)
		w.wantRan("D", 0)
	})
}

func TestDET8_GroupResult(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		first []ref
		want  []string // the group chosen; Z is the fallback group
	}{
		{"required fails", []ref{r("P1"), r("F1")}, []string{"Z"}},
		{"required errors", []ref{r("P1"), r("E1")}, []string{"Z"}},
		{"all optional fail", []ref{opt("F1"), opt("F2")}, []string{"Z"}},
		{"optional pass, optional fail", []ref{opt("P1"), opt("F1")}, []string{"P1"}},
		{"required pass, optional error", []ref{r("P1"), opt("E1")}, []string{"P1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.add(bp{id: "P1", api: "0.10"})
			w.add(bp{id: "F1", api: "0.12", detect: failDetect})
			w.add(bp{id: "F2", api: "0.7", detect: failDetect})
			w.add(bp{id: "E1", api: "0.8", detect: errorDetect})
			w.add(bp{id: "Z", api: "0.12"})
			w.setOrder(tc.first, []ref{r("Z")})
			res := w.detect("0.12", nil)
			wantCode(t, "detector("+tc.name+")", res, 0)
			wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt(tc.want...)...)
		})
	}
}

func TestDET17_API2_UnsupportedBuildpackAPI_Exit12(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, api string
		composite bool
	}{
		{"0.6 in a later group", "0.6", false},
		{"0.99 in a later group", "0.99", false},
		{"0.99 inside a composite", "0.99", true},
	}
	for _, tc := range cases {
		for _, platform := range []string{"0.7", "0.15"} {
			t.Run(tc.name+"/P"+platform, func(t *testing.T) {
				t.Parallel()
				w := newWorkspace(t)
				w.add(bp{id: "A", api: "0.10"})
				w.add(bp{id: "old", api: tc.api})
				later := []ref{r("old")}
				if tc.composite {
					w.add(bp{id: "C", api: "0.10", order: [][]ref{{r("A")}, {r("old")}}})
					later = []ref{r("C")}
				}
				w.setOrder([]ref{r("A")}, later)
				res := w.detect(platform, nil)
				wantCode(t, "detector(buildpack api "+tc.api+")", res, 12)
				wantContains(t, "detector stderr", res.stderr, "old@1.0.0")
				wantContains(t, "detector stderr", res.stderr, tc.api)
				w.wantRan("A", 0)
				w.wantRan("old", 0)
				if exists(filepath.Join(w.Layers, "group.toml")) {
					t.Errorf("detector wrote group.toml despite exit 12")
				}
			})
		}
	}
}

func TestDET17_BadInputs_Exit1(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, api string
		// setup breaks the passing workspace and returns a string stderr must contain.
		setup func(w *workspace) string
	}{
		{"missing buildpack", "0.12", func(w *workspace) string {
			w.setOrder([]ref{r("A")}, []ref{r("ghost")})
			return "ghost"
		}},
		{"missing buildpack version", "0.7", func(w *workspace) string {
			w.setOrder([]ref{{id: "A", version: "9.9.9"}})
			return "9.9.9"
		}},
		{"malformed buildpack.toml", "0.12", func(w *workspace) string {
			p := filepath.Join(w.dir("A", "1.0.0"), "buildpack.toml")
			w.write(p, "api = \n[buildpack\n")
			return p
		}},
		{"malformed order.toml", "0.14", func(w *workspace) string {
			w.write(w.Order, "[[order]\n  id = \n")
			return w.Order
		}},
		{"malformed analyzed.toml", "0.12", func(w *workspace) string {
			p := filepath.Join(w.Layers, "analyzed.toml")
			w.write(p, "[run-image\nreference = ")
			return p
		}},
		{"malformed system.toml", "0.15", func(w *workspace) string {
			p := filepath.Join(w.Root, "system.toml")
			w.write(p, "[[system.pre.buildpacks]\nid = ")
			return p
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := passingWorkspace(t)
			want := tc.setup(w)
			var args []string
			if tc.name == "malformed system.toml" {
				args = []string{"-system", want}
			}
			res := w.detect(tc.api, nil, args...)
			wantCode(t, "detector("+tc.name+")", res, 1)
			wantContains(t, "detector stderr", res.stderr, want)
			w.wantRan("A", 0)
		})
	}
}

func TestBPI8_InvalidIDs_Exit1(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"app", "config", "generated", "sbom", "a b", "a_b", "a:b"} {
		t.Run(strings.ReplaceAll(id, " ", "space"), func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.add(bp{id: id, api: "0.10"})
			w.setOrder([]ref{r(id)})
			res := w.detect("0.12", nil)
			wantCode(t, "detector(buildpack id "+id+")", res, 1)
			wantContains(t, "detector stderr", res.stderr, id)
		})
	}
	t.Run("case-insensitive duplicate", func(t *testing.T) {
		t.Parallel()
		w := newWorkspace(t)
		w.add(bp{id: "Dup", api: "0.10"})
		w.add(bp{id: "dup", api: "0.10"})
		w.setOrder([]ref{r("Dup")}, []ref{r("dup")})
		res := w.detect("0.12", nil)
		wantCode(t, "detector(ids Dup and dup)", res, 1)
	})
}
