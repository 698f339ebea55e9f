package acceptance

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// mixedGroup is one buildpack per Buildpack API, the first with a '/' in
// its id.
var mixedGroup = []bbp{
	{id: "org/seven", api: "0.7"},
	{id: "eight", api: "0.8"},
	{id: "nine", api: "0.9"},
	{id: "ten", api: "0.10"},
	{id: "twelve", api: "0.12"},
}

func TestBLD3_BPI1_BPI2_BuildInputs(t *testing.T) {
	t.Parallel()
	for _, platform := range []string{"0.7", "0.9", "0.10", "0.12", "0.15"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(mixedGroup...)
			var plan strings.Builder
			for _, b := range mixedGroup {
				plan.WriteString(planTOMLEntry("dep-"+b.id, b.id))
			}
			w.writePlanTOML(plan.String())
			res := w.build(platform, []string{
				"CNB_REGISTRY_AUTH={}", "DOCKER_CONFIG=/nowhere", "SECRET=s3cret",
				"http_proxy=http://proxy.test", "HOSTNAME=buildhost", "CNB_STACK_ID=stack.test",
			})
			wantCode(t, "builder", res, 0)
			for _, b := range mixedGroup {
				who := b.id + " (B" + b.api + ")"
				if n := w.buildRan(b.id); n != 1 {
					t.Errorf("%s: /bin/build ran %d times, want 1", who, n)
					continue
				}
				layers := w.layersOf(b.id)
				if !strings.HasSuffix(layers, "org_seven") && b.id == "org/seven" {
					t.Fatalf("layersOf(%q) = %q", b.id, layers)
				}
				args := w.buildArgs(b.id)
				if len(args) != 3 || args[0] != layers || args[1] != w.Platform {
					t.Errorf("%s: /bin/build args = %q, want [%s %s <plan>]", who, args, layers, w.Platform)
					continue
				}
				if got := w.buildCwd(b.id); got != w.App {
					t.Errorf("%s: working dir = %q, want %q", who, got, w.App)
				}
				if !exists(w.buildRecord(b.id) + ".layersdir") {
					t.Errorf("%s: %s did not exist when /bin/build started", who, layers)
				}
				if got := w.buildPlan(b.id).names(); !equalStrings(got, []string{"dep-" + b.id}) {
					t.Errorf("%s: buildpack plan = %v, want [dep-%s]", who, got, b.id)
				}
				env := w.buildEnv(b.id)
				want := map[string]string{
					"CNB_BUILDPACK_DIR": w.dir(b.id, "1.0.0"),
					// BPI-5: only the listed variables pass from the lifecycle.
					"CNB_REGISTRY_AUTH": unset, "DOCKER_CONFIG": unset, "SECRET": unset, "CNB_PLATFORM_API": unset,
					"http_proxy": "http://proxy.test", "HOSTNAME": "buildhost", "CNB_STACK_ID": "stack.test",
					"PATH": os.Getenv("PATH"),
				}
				if apiAtLeast(b.api, "0.8") {
					want["CNB_LAYERS_DIR"] = layers
					want["CNB_PLATFORM_DIR"] = w.Platform
					want["CNB_BP_PLAN_PATH"] = args[2]
				} else {
					want["CNB_LAYERS_DIR"] = unset
					want["CNB_PLATFORM_DIR"] = unset
					want["CNB_BP_PLAN_PATH"] = unset
				}
				if apiAtLeast(b.api, "0.10") {
					want["CNB_TARGET_OS"] = "linux"
					want["CNB_TARGET_ARCH"] = runtime.GOARCH
				} else {
					want["CNB_TARGET_OS"] = unset
					want["CNB_TARGET_ARCH"] = unset
				}
				if apiAtLeast(b.api, "0.12") {
					want["CNB_EXEC_ENV"] = "production"
				} else {
					want["CNB_EXEC_ENV"] = unset
				}
				wantEnv(t, who, env, want)
			}
			md, _ := w.metadata()
			var got []groupEntry
			for _, b := range mixedGroup {
				got = append(got, groupEntry{ID: b.id, Version: "1.0.0", API: b.api})
			}
			wantEqual(t, "metadata.toml buildpacks", md.Buildpacks, got)
		})
	}
}

// Each buildpack gets its own plan file.
func TestBPI2_PlanPathPerBuildpack(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(bbp{id: "A", api: "0.8"}, bbp{id: "B", api: "0.12"})
	w.writePlanTOML(planTOMLEntry("x", "A") + planTOMLEntry("y", "B"))
	wantCode(t, "builder", w.build("0.12", nil), 0)
	a, b := w.buildEnv("A")["CNB_BP_PLAN_PATH"], w.buildEnv("B")["CNB_BP_PLAN_PATH"]
	if a == "" || a == b {
		t.Errorf("CNB_BP_PLAN_PATH of A = %q and of B = %q, want two different files", a, b)
	}
}

func TestBLD3_FailingBuildpack_Exit51(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"1", "7", "100"} {
		t.Run("exit "+code, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(
				bbp{id: "A", script: `echo '[[processes]]
type = "web"
command = ["a"]' > "$L/launch.toml"`},
				bbp{id: "B", api: "0.12", script: "echo failing-B >&2\nexit " + code},
				bbp{id: "C", api: "0.8"},
			)
			w.writePlanTOML("")
			res := w.build("0.12", nil)
			wantCode(t, "builder(B fails with "+code+")", res, 51)
			wantContains(t, "builder stderr", res.stderr, "failing-B")
			if w.buildRan("A") != 1 || w.buildRan("B") != 1 {
				t.Errorf("A ran %d and B %d times, want once each", w.buildRan("A"), w.buildRan("B"))
			}
			if n := w.buildRan("C"); n != 0 {
				t.Errorf("/bin/build of C ran %d times after B failed, want 0", n)
			}
			if exists(w.metadataPath()) {
				t.Error("builder wrote metadata.toml after a failed build")
			}
		})
	}
}

// A buildpack's stdout goes to the builder's stdout, its stderr to stderr.
func TestBLD3_BuildpackStreams(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(
		bbp{id: "A", api: "0.7", script: "echo out-marker-A; echo err-marker-A >&2"},
		bbp{id: "B", api: "0.12", script: "echo out-marker-B; echo err-marker-B >&2"},
	)
	w.writePlanTOML("")
	res := w.build("0.12", nil)
	wantCode(t, "builder", res, 0)
	for _, id := range []string{"A", "B"} {
		wantContains(t, "builder stdout", res.stdout, "out-marker-"+id)
		wantContains(t, "builder stderr", res.stderr, "err-marker-"+id)
		if strings.Contains(res.stdout, "err-marker-"+id) {
			t.Errorf("builder stdout has %s's stderr:\n%s", id, res.stdout)
		}
		if strings.Contains(res.stderr, "out-marker-"+id) {
			t.Errorf("builder stderr has %s's stdout:\n%s", id, res.stderr)
		}
	}
	if i, j := strings.Index(res.stdout, "out-marker-A"), strings.Index(res.stdout, "out-marker-B"); i > j {
		t.Errorf("B's output came before A's:\n%s", res.stdout)
	}
}

// A stale <layers>/sbom is removed before any buildpack runs.
func TestBLD3_StaleSBOMRemoved(t *testing.T) {
	t.Parallel()
	for _, platform := range []string{"0.9", "0.12"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			stale := filepath.Join(w.Layers, "sbom", "launch", "stale", "sbom.cdx.json")
			w.write(stale, "{}")
			w.write(filepath.Join(w.Layers, "sbom", "build", "sbom.legacy.json"), "[]")
			seen := filepath.Join(w.Out, "stale-seen")
			w.addBuilds(bbp{id: "A", script: "if [ -e " + shellQuote(stale) + " ]; then touch " + shellQuote(seen) + "; fi"})
			w.writePlanTOML("")
			wantCode(t, "builder", w.build(platform, nil), 0)
			if exists(seen) {
				t.Error("/bin/build saw the stale SBOM: it was not removed first")
			}
			for _, p := range []string{stale, filepath.Join(w.Layers, "sbom", "build", "sbom.legacy.json")} {
				if exists(p) {
					t.Errorf("%s still exists after the build", p)
				}
			}
		})
	}
}

func TestBLD4_BPI12_PlanEntries(t *testing.T) {
	t.Parallel()
	unmet := func(names ...string) string {
		var s strings.Builder
		for _, n := range names {
			s.WriteString("printf '[[unmet]]\\nname = \"%s\"\\n' " + n + " >> \"$L/build.toml\"\n")
		}
		return s.String()
	}
	cases := []struct {
		name    string
		plan    string
		scripts map[string]string
		want    map[string][]string // buildpack -> entry names
	}{
		{
			name: "only the entries a buildpack provides",
			plan: planTOMLEntry("x", "A") + planTOMLEntry("y", "B") + planTOMLEntry("z", "A", "B"),
			want: map[string][]string{"A": {"x", "z"}, "B": {"y"}, "C": {}},
		},
		{
			name: "met entries are not given to later providers",
			plan: planTOMLEntry("x", "A", "C"),
			want: map[string][]string{"A": {"x"}, "B": {}, "C": {}},
		},
		{
			name:    "unmet entry goes to the next provider",
			plan:    planTOMLEntry("x", "A", "B", "C"),
			scripts: map[string]string{"A": unmet("x")},
			want:    map[string][]string{"A": {"x"}, "B": {"x"}, "C": {}},
		},
		{
			name:    "unmet entry skips a buildpack that is no provider",
			plan:    planTOMLEntry("x", "A", "C") + planTOMLEntry("y", "B"),
			scripts: map[string]string{"A": unmet("x")},
			want:    map[string][]string{"A": {"x"}, "B": {"y"}, "C": {"x"}},
		},
		{
			name:    "unmet twice",
			plan:    planTOMLEntry("x", "A", "B", "C") + planTOMLEntry("y", "A", "C"),
			scripts: map[string]string{"A": unmet("x", "y"), "B": unmet("x")},
			want:    map[string][]string{"A": {"x", "y"}, "B": {"x"}, "C": {"x", "y"}},
		},
		{
			name:    "only the named entry stays",
			plan:    planTOMLEntry("x", "A", "C") + planTOMLEntry("y", "A", "C"),
			scripts: map[string]string{"A": unmet("y")},
			want:    map[string][]string{"A": {"x", "y"}, "B": {}, "C": {"y"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(
				bbp{id: "A", api: "0.7", script: tc.scripts["A"]},
				bbp{id: "B", api: "0.10", script: tc.scripts["B"]},
				bbp{id: "C", api: "0.12", script: tc.scripts["C"]},
			)
			w.writePlanTOML(tc.plan)
			wantCode(t, "builder", w.build("0.12", nil), 0)
			for _, id := range []string{"A", "B", "C"} {
				p := w.buildPlan(id)
				wantEqual(t, id+"'s buildpack plan", p.names(), tc.want[id])
				for _, e := range p.Entries {
					if e.Metadata["key"] != e.Name {
						t.Errorf("%s's plan entry %s has metadata %v, want key = %q", id, e.Name, e.Metadata, e.Name)
					}
				}
			}
		})
	}
}

// An entry with several requirements hands all of them to the provider.
func TestBLD4_EntryWithSeveralRequires(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(bbp{id: "A", api: "0.12"})
	w.writePlanTOML(`[[entries]]
  [[entries.providers]]
    id = "A"
    version = "1.0.0"
  [[entries.requires]]
    name = "node"
    [entries.requires.metadata]
      version = "18"
  [[entries.requires]]
    name = "node"
    [entries.requires.metadata]
      version = "20"
      build = true
`)
	wantCode(t, "builder", w.build("0.12", nil), 0)
	p := w.buildPlan("A")
	wantEqual(t, "A's plan", p.names(), []string{"node", "node"})
	if len(p.Entries) == 2 && (p.Entries[0].Metadata["version"] != "18" || p.Entries[1].Metadata["version"] != "20" || p.Entries[1].Metadata["build"] != true) {
		t.Errorf("A's plan entries = %+v, want the metadata of both requirements", p.Entries)
	}
}

func TestBPI12_FIL14_BadUnmet_Exit52(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, plan, buildTOML string
	}{
		{"unmet name not in the plan", planTOMLEntry("x", "A"), "[[unmet]]\nname = \"q\"\n"},
		{"unmet name in another buildpack's plan", planTOMLEntry("x", "A") + planTOMLEntry("y", "B"), "[[unmet]]\nname = \"y\"\n"},
		{"empty unmet name", planTOMLEntry("x", "A"), "[[unmet]]\nname = \"\"\n"},
		{"unmet without name", planTOMLEntry("x", "A"), "[[unmet]]\n"},
		{"malformed build.toml", planTOMLEntry("x", "A"), "[[unmet]\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(
				bbp{id: "A", api: "0.10", script: "printf '%s' " + shellQuote(tc.buildTOML) + " > \"$L/build.toml\""},
				bbp{id: "B", api: "0.12"},
			)
			w.writePlanTOML(tc.plan)
			res := w.build("0.12", nil)
			wantCode(t, "builder("+tc.name+")", res, 52)
			wantContains(t, "builder stderr", res.stderr, "build.toml")
			if n := w.buildRan("B"); n != 0 {
				t.Errorf("/bin/build of B ran %d times after A's bad build.toml, want 0", n)
			}
		})
	}
}

// The plan comes from the real detector: A and B both provide x (B
// requires it), C provides and requires y.
func TestBLD4_PlanFromDetector(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		unmet bool
		wantB []string
	}{{"A meets x", false, []string{}}, {"A leaves x unmet", true, []string{"x"}}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.add(bp{id: "A", api: "0.8", plan: providesX})
			w.add(bp{id: "B", api: "0.10", plan: providesX + requiresX})
			w.add(bp{id: "C", api: "0.12", plan: "[[provides]]\nname = \"y\"\n[[requires]]\nname = \"y\"\n"})
			w.setOrder([]ref{r("A"), r("B"), r("C")})
			script := ""
			if tc.unmet {
				script = "printf '[[unmet]]\\nname = \"x\"\\n' > \"$L/build.toml\""
			}
			w.writeBuild(bbp{id: "A", api: "0.8", script: script})
			w.writeBuild(bbp{id: "B", api: "0.10"})
			w.writeBuild(bbp{id: "C", api: "0.12"})
			wantCode(t, "detector", w.detect("0.12", nil), 0)
			wantCode(t, "builder", w.build("0.12", nil), 0)
			wantEqual(t, "A's plan", w.buildPlan("A").names(), []string{"x"})
			wantEqual(t, "B's plan", w.buildPlan("B").names(), tc.wantB)
			wantEqual(t, "C's plan", w.buildPlan("C").names(), []string{"y"})
			md, _ := w.metadata()
			wantEqual(t, "metadata.toml buildpacks", md.Buildpacks, []groupEntry{
				{ID: "A", Version: "1.0.0", API: "0.8"}, {ID: "B", Version: "1.0.0", API: "0.10"}, {ID: "C", Version: "1.0.0", API: "0.12"},
			})
		})
	}
}
