package acceptance

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const (
	providesX = "[[provides]]\nname = \"x\"\n"
	requiresX = "[[requires]]\nname = \"x\"\n"
)

func TestDET9_PlanResolution(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		bps       []bp
		first     []ref
		wantGroup []string // "Z" is the fallback group
		wantPlan  []string // dependency names, for the first group only
	}{
		{
			name:      "provides matched by a later requires",
			bps:       []bp{{id: "A", api: "0.7", plan: providesX}, {id: "B", api: "0.12", plan: requiresX}},
			first:     []ref{r("A"), r("B")},
			wantGroup: []string{"A", "B"},
			wantPlan:  []string{"x"},
		},
		{
			name:      "provides and requires in one buildpack",
			bps:       []bp{{id: "A", api: "0.10", plan: providesX + requiresX}},
			first:     []ref{r("A")},
			wantGroup: []string{"A"},
			wantPlan:  []string{"x"},
		},
		{
			name:      "required buildpack requires what nobody provides",
			bps:       []bp{{id: "A", api: "0.7", plan: providesX}, {id: "B", api: "0.12", plan: requiresX + "[[requires]]\nname = \"y\"\n"}},
			first:     []ref{r("A"), r("B")},
			wantGroup: []string{"Z"},
		},
		{
			name:      "requires provided only by a later buildpack",
			bps:       []bp{{id: "B", api: "0.8", plan: requiresX}, {id: "A", api: "0.10", plan: providesX}},
			first:     []ref{r("B"), r("A")},
			wantGroup: []string{"Z"},
		},
		{
			name:      "required buildpack provides what nobody requires",
			bps:       []bp{{id: "A", api: "0.10", plan: "[[provides]]\nname = \"q\"\n"}, {id: "B", api: "0.12"}},
			first:     []ref{r("A"), r("B")},
			wantGroup: []string{"Z"},
		},
		{
			name: "optional buildpack with unmet requires is dropped with its provides",
			bps: []bp{
				{id: "A", api: "0.7", plan: providesX},
				{id: "O", api: "0.10", plan: "[[provides]]\nname = \"o\"\n[[requires]]\nname = \"o\"\n[[requires]]\nname = \"w\"\n"},
				{id: "B", api: "0.12", plan: requiresX},
			},
			first:     []ref{r("A"), opt("O"), r("B")},
			wantGroup: []string{"A", "B"},
			wantPlan:  []string{"x"},
		},
		{
			name: "optional buildpack providing what nobody requires is dropped",
			bps: []bp{
				{id: "O", api: "0.8", plan: "[[provides]]\nname = \"o\"\n"},
				{id: "A", api: "0.12", plan: providesX + requiresX},
			},
			first:     []ref{opt("O"), r("A")},
			wantGroup: []string{"A"},
			wantPlan:  []string{"x"},
		},
		{
			name: "or alternative",
			bps: []bp{{id: "A", api: "0.10", plan: providesX +
				"\n[[or]]\n[[or.provides]]\nname = \"y\"\n[[or.requires]]\nname = \"y\"\n"}},
			first:     []ref{r("A")},
			wantGroup: []string{"A"},
			wantPlan:  []string{"y"},
		},
		{
			name:      "empty or alternative",
			bps:       []bp{{id: "A", api: "0.12", plan: providesX + "\n[[or]]\n"}, {id: "B", api: "0.7"}},
			first:     []ref{r("A"), r("B")},
			wantGroup: []string{"A", "B"},
			wantPlan:  []string{},
		},
		{
			name: "or alternatives of two buildpacks tried depth-first",
			bps: []bp{
				{id: "A", api: "0.10", plan: providesX + "\n[[or]]\n[[or.provides]]\nname = \"y\"\n"},
				{id: "B", api: "0.12", plan: "[[requires]]\nname = \"z\"\n\n[[or]]\n[[or.requires]]\nname = \"y\"\n"},
			},
			first:     []ref{r("A"), r("B")},
			wantGroup: []string{"A", "B"},
			wantPlan:  []string{"y"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			for _, b := range tc.bps {
				w.add(b)
			}
			w.add(bp{id: "Z", api: "0.10"})
			w.setOrder(tc.first, []ref{r("Z")})
			res := w.detect("0.12", nil)
			wantCode(t, "detector("+tc.name+")", res, 0)
			wantGroup(t, filepath.Join(w.Layers, "group.toml"), bpsAt(tc.wantGroup...)...)
			if tc.wantPlan != nil {
				if got := readPlan(t, filepath.Join(w.Layers, "plan.toml")).names(); !reflect.DeepEqual(got, tc.wantPlan) {
					t.Errorf("plan entries = %v, want %v", got, tc.wantPlan)
				}
			}
		})
	}
}

// outputsFixture: A (B0.7, homepage) provides zeta, alpha, mid; B (B0.12)
// requires them in that order, alpha with metadata; C (B0.10, optional)
// also requires alpha; D (optional) fails.
func outputsFixture(t *testing.T) *workspace {
	t.Helper()
	w := newWorkspace(t)
	w.add(bp{id: "A", api: "0.7", info: `  homepage = "https://example.org/a"`,
		plan: "[[provides]]\nname = \"zeta\"\n[[provides]]\nname = \"alpha\"\n[[provides]]\nname = \"mid\"\n"})
	w.add(bp{id: "B", api: "0.12",
		plan: "[[requires]]\nname = \"zeta\"\n[[requires]]\nname = \"alpha\"\n[requires.metadata]\nversion = \"1.2.3\"\nlaunch = true\n[[requires]]\nname = \"mid\"\n"})
	w.add(bp{id: "C", api: "0.10", plan: "[[requires]]\nname = \"alpha\"\n[requires.metadata]\nfrom = \"C\"\n"})
	w.add(bp{id: "D", api: "0.8", detect: failDetect})
	w.setOrder([]ref{r("A"), r("B"), opt("C"), opt("D")})
	return w
}

func TestDET10_Outputs(t *testing.T) {
	t.Parallel()
	for _, platform := range platformAPIs {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := outputsFixture(t)
			res := w.detect(platform, nil)
			wantCode(t, "detector", res, 0)

			groupPath := filepath.Join(w.Layers, "group.toml")
			var g groupFile
			md := readTOML(t, groupPath, &g)
			want := []groupEntry{
				{ID: "A", Version: "1.0.0", API: "0.7", Homepage: "https://example.org/a"},
				{ID: "B", Version: "1.0.0", API: "0.12"},
				{ID: "C", Version: "1.0.0", API: "0.10"},
			}
			if !reflect.DeepEqual(g.Group, want) {
				t.Errorf("group.toml = %+v, want %+v", g.Group, want)
			}
			for _, k := range md.Keys() {
				if last := k[len(k)-1]; last == "optional" {
					t.Errorf("group.toml has key %s, want no optional keys", k)
				}
			}
			if len(md.Undecoded()) > 0 {
				t.Errorf("group.toml has unexpected keys %v", md.Undecoded())
			}

			p := readPlan(t, filepath.Join(w.Layers, "plan.toml"))
			if got, want := p.names(), []string{"zeta", "alpha", "mid"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("plan entries = %v, want %v (first appearance in the group)", got, want)
			}
			for _, e := range p.Entries {
				if want := []planProvider{{ID: "A", Version: "1.0.0"}}; !reflect.DeepEqual(e.Providers, want) {
					t.Errorf("plan entry %s providers = %+v, want %+v", e.Requires[0].Name, e.Providers, want)
				}
				for _, r := range e.Requires {
					if r.Name != e.Requires[0].Name {
						t.Errorf("plan entry %s mixes requirement %s", e.Requires[0].Name, r.Name)
					}
				}
			}
			alpha := p.Entries[1].Requires
			wantAlpha := []planRequire{
				{Name: "alpha", Metadata: map[string]any{"version": "1.2.3", "launch": true}},
				{Name: "alpha", Metadata: map[string]any{"from": "C"}},
			}
			if !reflect.DeepEqual(alpha, wantAlpha) {
				t.Errorf("plan entry alpha requires = %+v, want %+v", alpha, wantAlpha)
			}
		})
	}
}

func TestDET10_Deterministic(t *testing.T) {
	t.Parallel()
	w := outputsFixture(t)
	read := func() (group, plan []byte) {
		t.Helper()
		res := w.detect("0.15", nil)
		wantCode(t, "detector", res, 0)
		g, err := os.ReadFile(filepath.Join(w.Layers, "group.toml"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := os.ReadFile(filepath.Join(w.Layers, "plan.toml"))
		if err != nil {
			t.Fatal(err)
		}
		return g, p
	}
	g1, p1 := read()
	for i := 0; i < 3; i++ {
		g2, p2 := read()
		if !bytes.Equal(g1, g2) {
			t.Errorf("group.toml differs between runs:\n%s\n---\n%s", g1, g2)
		}
		if !bytes.Equal(p1, p2) {
			t.Errorf("plan.toml differs between runs:\n%s\n---\n%s", p1, p2)
		}
	}
}

func TestDET11_AllFail_Exit20(t *testing.T) {
	t.Parallel()
	for _, platform := range platformAPIs {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.add(bp{id: "A", api: "0.7", detect: failDetect})
			w.add(bp{id: "B", api: "0.12", detect: failDetect})
			w.add(bp{id: "C", api: "0.10", detect: failDetect})
			w.setOrder([]ref{r("A"), opt("B")}, []ref{r("C")})
			res := w.detect(platform, nil)
			wantCode(t, "detector(all fail)", res, 20)
			if exists(filepath.Join(w.Layers, "group.toml")) {
				t.Errorf("detector wrote group.toml although no group passed")
			}
		})
	}
}

func TestDET11_Errored_Exit21(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		b    bp
	}{
		{"exit 1", bp{id: "B", api: "0.8", detect: errorDetect}},
		{"exit 3", bp{id: "B", api: "0.12", detect: "exit 3"}},
		{"bad plan TOML", bp{id: "B", api: "0.10", plan: "[[requires]\nname = "}},
		{"requires top-level version", bp{id: "B", api: "0.12", plan: providesX + requiresX + "version = \"1.0\"\n"}},
	}
	for _, tc := range cases {
		for _, platform := range platformAPIs {
			t.Run(tc.name+"/P"+platform, func(t *testing.T) {
				t.Parallel()
				w := newWorkspace(t)
				w.add(bp{id: "A", api: "0.7"})
				w.add(tc.b)
				w.add(bp{id: "C", api: "0.10", detect: failDetect})
				w.setOrder([]ref{r("A"), r("B")}, []ref{r("C")})
				res := w.detect(platform, nil)
				wantCode(t, "detector("+tc.name+")", res, 21)
			})
		}
	}
}

func TestDET14_RequiresVersion_Exit21(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, plan string }{
		{"top-level version", providesX + requiresX + "version = \"1.0\"\n"},
		{"version and metadata.version", providesX + requiresX + "version = \"1.0\"\n[requires.metadata]\nversion = \"1.0\"\n"},
		{"top-level version in or", "[[or]]\n[[or.provides]]\nname = \"x\"\n[[or.requires]]\nname = \"x\"\nversion = \"2\"\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.add(bp{id: "A", api: "0.10", plan: tc.plan})
			w.setOrder([]ref{r("A")})
			res := w.detect("0.12", nil)
			wantCode(t, "detector(requires "+tc.name+")", res, 21)
			wantContains(t, "detector output", res.output(), "metadata.version")
		})
	}
	t.Run("metadata.version passes", func(t *testing.T) {
		t.Parallel()
		w := newWorkspace(t)
		w.add(bp{id: "A", api: "0.10", plan: providesX + requiresX + "[requires.metadata]\nversion = \"1.0\"\n"})
		w.setOrder([]ref{r("A")})
		wantCode(t, "detector(requires metadata.version)", w.detect("0.12", nil), 0)
	})
}

func TestDET12_Logging(t *testing.T) {
	t.Parallel()
	newW := func(t *testing.T) *workspace {
		w := newWorkspace(t)
		w.add(bp{id: "A", api: "0.10", detect: "echo hello-from-A"})
		w.add(bp{id: "example/B", version: "2.1.0", api: "0.12", detect: "echo hello-from-B"})
		w.add(bp{id: "F", api: "0.7", detect: "echo nope-from-F; exit 100"})
		w.setOrder([]ref{r("A"), {id: "example/B", version: "2.1.0"}, opt("F")})
		return w
	}
	t.Run("info", func(t *testing.T) {
		t.Parallel()
		w := newW(t)
		res := w.detect("0.12", nil)
		wantCode(t, "detector", res, 0)
		wantContains(t, "detector stdout", res.stdout, "2 of 3 buildpacks participating")
		for _, l := range []string{`A\s+1\.0\.0`, `example/B\s+2\.1\.0`} {
			if !regexp.MustCompile(`(?m)^` + l + `\s*$`).MatchString(res.stdout) {
				t.Errorf("detector stdout has no line %q:\n%s", l, res.stdout)
			}
		}
		for _, s := range []string{"hello-from-A", "pass: A@1.0.0"} {
			if strings.Contains(res.output(), s) {
				t.Errorf("detector output at info has %q, want it only at debug:\n%s", s, res.output())
			}
		}
	})
	t.Run("debug", func(t *testing.T) {
		t.Parallel()
		w := newW(t)
		res := w.detect("0.12", nil, "-log-level", "debug")
		wantCode(t, "detector(-log-level debug)", res, 0)
		for _, s := range []string{"hello-from-A", "hello-from-B", "nope-from-F", "pass: A@1.0.0", "pass: example/B@2.1.0"} {
			wantContains(t, "detector output at debug", res.output(), s)
		}
		wantContains(t, "detector stdout at debug", res.stdout, "pass: A@1.0.0")
	})
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		w := newWorkspace(t)
		w.add(bp{id: "A", api: "0.10"})
		w.add(bp{id: "E", api: "0.12", detect: "echo out-from-E; echo err-from-E >&2; exit 1"})
		w.setOrder([]ref{r("A"), r("E")})
		res := w.detect("0.15", nil)
		wantCode(t, "detector(E exits 1)", res, 21)
		wantContains(t, "detector stdout", res.stdout, "err:  E@1.0.0 (1)")
		wantContains(t, "detector output", res.output(), "out-from-E")
		wantContains(t, "detector output", res.output(), "err-from-E")
	})
	t.Run("all fail", func(t *testing.T) {
		t.Parallel()
		w := newWorkspace(t)
		w.add(bp{id: "A", api: "0.10", detect: "echo nope-from-A; exit 100"})
		w.add(bp{id: "B", api: "0.12", detect: "echo nope-from-B >&2; exit 100"})
		w.setOrder([]ref{r("A")}, []ref{r("B")})
		res := w.detect("0.9", nil)
		wantCode(t, "detector(all fail)", res, 20)
		wantContains(t, "detector output", res.output(), "nope-from-A")
		wantContains(t, "detector output", res.output(), "nope-from-B")
		wantContains(t, "detector stderr", res.stderr, "ERROR: ")
	})
}
