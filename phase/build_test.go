package phase

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/env"
	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
)

// entry is a plan entry requiring name (metadata key = name) from
// providers.
func entry(name string, providers ...string) files.PlanEntry {
	e := files.PlanEntry{Requires: []files.Require{{Name: name, Metadata: map[string]any{"key": name}}}}
	for _, p := range providers {
		e.Providers = append(e.Providers, files.Provider{ID: p, Version: "1"})
	}
	return e
}

func TestPlanTracker(t *testing.T) {
	t.Parallel()
	type step struct {
		id    string
		unmet []string
		want  []string
	}
	cases := []struct {
		name  string
		plan  []files.PlanEntry
		steps []step
	}{
		{
			name:  "empty plan",
			steps: []step{{id: "A", want: []string{}}},
		},
		{
			name: "BLD4 only the entries a buildpack provides",
			plan: []files.PlanEntry{entry("x", "A"), entry("y", "B"), entry("z", "B", "A")},
			steps: []step{
				{id: "A", want: []string{"x", "z"}},
				{id: "B", want: []string{"y"}},
				{id: "C", want: []string{}},
			},
		},
		{
			name: "BPI12 met entries are not given again",
			plan: []files.PlanEntry{entry("x", "A", "B")},
			steps: []step{
				{id: "A", want: []string{"x"}},
				{id: "B", want: []string{}},
			},
		},
		{
			name: "BPI12 unmet goes to the next provider only",
			plan: []files.PlanEntry{entry("x", "A", "B", "C")},
			steps: []step{
				{id: "A", unmet: []string{"x"}, want: []string{"x"}},
				{id: "B", want: []string{"x"}},
				{id: "C", want: []string{}},
			},
		},
		{
			name: "BPI12 unmet skips non-providers",
			plan: []files.PlanEntry{entry("x", "A", "C"), entry("y", "B")},
			steps: []step{
				{id: "A", unmet: []string{"x"}, want: []string{"x"}},
				{id: "B", want: []string{"y"}},
				{id: "C", want: []string{"x"}},
			},
		},
		{
			name: "BPI12 unmet twice",
			plan: []files.PlanEntry{entry("x", "A", "B", "C")},
			steps: []step{
				{id: "A", unmet: []string{"x"}, want: []string{"x"}},
				{id: "B", unmet: []string{"x"}, want: []string{"x"}},
				{id: "C", want: []string{"x"}},
			},
		},
		{
			name: "BPI12 only the named entry stays",
			plan: []files.PlanEntry{entry("x", "A", "C"), entry("y", "A", "C")},
			steps: []step{
				{id: "A", unmet: []string{"y"}, want: []string{"x", "y"}},
				{id: "C", want: []string{"y"}},
			},
		},
		{
			name: "BPI12 an unmet name of another entry does not keep this one",
			plan: []files.PlanEntry{entry("x", "A", "C"), entry("y", "B", "C")},
			steps: []step{
				{id: "A", want: []string{"x"}},
				{id: "B", unmet: []string{"x"}, want: []string{"y"}},
				{id: "C", want: []string{}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pt := newPlanTracker(files.Plan{Entries: tc.plan})
			for i, s := range tc.steps {
				items := pt.forBuildpack(s.id)
				names := []string{}
				for _, it := range items {
					names = append(names, it.Name)
					if it.Metadata["key"] != it.Name {
						t.Errorf("step %d: item %s has metadata %v", i, it.Name, it.Metadata)
					}
				}
				if !reflect.DeepEqual(names, s.want) {
					t.Errorf("step %d: forBuildpack(%q) = %v, want %v", i, s.id, names, s.want)
				}
				pt.done(s.id, s.unmet)
			}
		})
	}
}

func TestPlanTrackerSeveralRequires(t *testing.T) {
	t.Parallel()
	pt := newPlanTracker(files.Plan{Entries: []files.PlanEntry{{
		Providers: []files.Provider{{ID: "A"}},
		Requires:  []files.Require{{Name: "n", Metadata: map[string]any{"v": "1"}}, {Name: "n", Metadata: map[string]any{"v": "2"}}},
	}}})
	got := pt.forBuildpack("A")
	want := []buildpack.PlanItem{{Name: "n", Metadata: map[string]any{"v": "1"}}, {Name: "n", Metadata: map[string]any{"v": "2"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("forBuildpack(A) = %+v, want %+v", got, want)
	}
}

// result is a buildpack result for metadata().
func result(id, v string, l buildpack.Launch) bpResult {
	return bpResult{
		desc: &buildpack.Descriptor{API: v, APIVersion: api.MustParse(v), Buildpack: buildpack.Info{ID: id, Version: "1"}},
		res:  buildpack.BuildResult{Launch: l},
	}
}

func procs(ps ...buildpack.Process) buildpack.Launch { return buildpack.Launch{Processes: ps} }

func p(bp, typ, cmd string, def bool) buildpack.Process {
	return buildpack.Process{Type: typ, Command: []string{cmd}, Default: def, Direct: true, BuildpackID: bp}
}

func mp(bp, typ, cmd string) launch.Process {
	return launch.Process{Type: typ, Command: launch.Command{cmd}, Direct: true, BuildpackID: bp}
}

func TestMetadataMerge(t *testing.T) {
	t.Parallel()
	withExecEnv := func(lp launch.Process, ee ...string) launch.Process { lp.ExecEnv = ee; return lp }
	cases := []struct {
		name        string
		platform    string
		results     []bpResult
		want        []launch.Process
		wantDefault string
		wantWarning string
	}{
		{
			name:     "BLD6 sorted by type, later buildpack replaces a type",
			platform: "0.12",
			results: []bpResult{
				result("A", "0.9", procs(p("A", "web", "a-web", false), p("A", "worker", "a-worker", false))),
				result("B", "0.10", procs(p("B", "worker", "b-worker", false), p("B", "batch", "b-batch", false))),
			},
			want: []launch.Process{mp("B", "batch", "b-batch"), mp("A", "web", "a-web"), mp("B", "worker", "b-worker")},
		},
		{
			name:     "BLD7 last default wins",
			platform: "0.12",
			results: []bpResult{
				result("A", "0.9", procs(p("A", "web", "a", true))),
				result("B", "0.10", procs(p("B", "worker", "b", true))),
			},
			want:        []launch.Process{mp("A", "web", "a"), mp("B", "worker", "b")},
			wantDefault: "worker",
		},
		{
			name:     "BLD7 non-default of another type keeps the default",
			platform: "0.12",
			results: []bpResult{
				result("A", "0.9", procs(p("A", "web", "a", true))),
				result("B", "0.10", procs(p("B", "worker", "b", false))),
			},
			want:        []launch.Process{mp("A", "web", "a"), mp("B", "worker", "b")},
			wantDefault: "web",
		},
		{
			name:     "BLD7 non-default redefinition clears the default",
			platform: "0.12",
			results: []bpResult{
				result("A", "0.9", procs(p("A", "web", "a", true))),
				result("B", "0.10", procs(p("B", "web", "b", false))),
			},
			want:        []launch.Process{mp("B", "web", "b")},
			wantWarning: "web",
		},
		{
			name:     "BLD7 redefining a type that is no longer the default",
			platform: "0.12",
			results: []bpResult{
				result("A", "0.9", procs(p("A", "web", "a", true))),
				result("B", "0.10", procs(p("B", "worker", "b", true))),
				result("C", "0.12", procs(p("C", "web", "c", false))),
			},
			want:        []launch.Process{mp("C", "web", "c"), mp("B", "worker", "b")},
			wantDefault: "worker",
		},
		{
			name:     "BLD6 exec-env at P0.15",
			platform: "0.15",
			results: []bpResult{
				result("A", "0.12", procs(p("A", "web", "a", false), func() buildpack.Process {
					x := p("A", "tests", "t", false)
					x.ExecEnv = []string{"test", "development"}
					return x
				}())),
			},
			want: []launch.Process{withExecEnv(mp("A", "tests", "t"), "test", "development"), withExecEnv(mp("A", "web", "a"), "*")},
		},
		{
			name:     "BLD6 no exec-env below P0.15",
			platform: "0.14",
			results: []bpResult{
				result("A", "0.12", procs(func() buildpack.Process {
					x := p("A", "tests", "t", false)
					x.ExecEnv = []string{"test"}
					return x
				}(), p("A", "web", "a", false))),
			},
			want: []launch.Process{mp("A", "tests", "t"), mp("A", "web", "a")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			md, err := metadata(tc.results, api.MustParse(tc.platform), log.New(&stdout, &stderr, log.InfoLevel, false))
			if err != nil {
				t.Fatalf("metadata() = %v", err)
			}
			if !reflect.DeepEqual(md.Processes, tc.want) {
				t.Errorf("metadata().Processes = %+v, want %+v", md.Processes, tc.want)
			}
			if md.BuildpackDefaultProcessType != tc.wantDefault {
				t.Errorf("metadata().BuildpackDefaultProcessType = %q, want %q", md.BuildpackDefaultProcessType, tc.wantDefault)
			}
			for _, pr := range md.Processes {
				if pr.Default {
					t.Errorf("process %s has Default set", pr.Type)
				}
			}
			if tc.wantWarning != "" && !strings.Contains(stderr.String(), tc.wantWarning) {
				t.Errorf("warnings = %q, want one mentioning %q", stderr.String(), tc.wantWarning)
			}
			var want []launch.Buildpack
			for _, r := range tc.results {
				want = append(want, launch.Buildpack{ID: r.desc.Buildpack.ID, Version: "1", API: r.desc.API})
			}
			if !reflect.DeepEqual(md.Buildpacks, want) {
				t.Errorf("metadata().Buildpacks = %+v, want %+v", md.Buildpacks, want)
			}
		})
	}
}

func TestMetadataSlicesLabelsBOM(t *testing.T) {
	t.Parallel()
	a := result("A", "0.9", buildpack.Launch{
		Labels: []buildpack.Label{{Key: "a", Value: "1"}},
		Slices: []buildpack.Slice{{Paths: []string{"a/*"}}},
		BOM:    []map[string]any{{"name": "dep"}},
	})
	b := result("B", "0.10", buildpack.Launch{
		Labels: []buildpack.Label{{Key: "b", Value: "2"}},
		Slices: []buildpack.Slice{{Paths: []string{"b", "c"}}},
	})
	a.desc.Buildpack.Homepage = "https://a.test"
	for _, platform := range []string{"0.8", "0.9"} {
		var stderr bytes.Buffer
		md, err := metadata([]bpResult{a, b}, api.MustParse(platform), log.New(&bytes.Buffer{}, &stderr, log.InfoLevel, false))
		if err != nil {
			t.Fatal(err)
		}
		if want := []launch.Slice{{Paths: []string{"a/*"}}, {Paths: []string{"b", "c"}}}; !reflect.DeepEqual(md.Slices, want) {
			t.Errorf("P%s: slices = %+v, want %+v", platform, md.Slices, want)
		}
		if want := []launch.Label{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}; !reflect.DeepEqual(md.Labels, want) {
			t.Errorf("P%s: labels = %+v, want %+v", platform, md.Labels, want)
		}
		if md.Buildpacks[0].Homepage != "https://a.test" {
			t.Errorf("P%s: buildpacks = %+v, want A's homepage", platform, md.Buildpacks)
		}
		if got := len(md.BOM); (platform == "0.8") != (got == 1) {
			t.Errorf("P%s: bom = %v, want the launch bom only below P0.9", platform, md.BOM)
		}
		if !strings.Contains(stderr.String(), "bom") {
			t.Errorf("P%s: no warning about the deprecated bom: %q", platform, stderr.String())
		}
	}
}

func TestWriteLegacyBOM(t *testing.T) {
	t.Parallel()
	a := result("A", "0.9", buildpack.Launch{BOM: []map[string]any{{"name": "dep"}}})
	a.res.BuildBOM = []map[string]any{{"name": "tool"}}
	b := result("B", "0.9", buildpack.Launch{BOM: []map[string]any{{"name": "dep2"}}})
	dir := filepath.Join(t.TempDir(), "sbom")
	if err := writeLegacyBOM(dir, []bpResult{a, b}); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string][]string{"launch/sbom.legacy.json": {"dep", "dep2"}, "build/sbom.legacy.json": {"tool"}} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		var entries []map[string]any
		if err := json.Unmarshal(data, &entries); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e["name"].(string))
		}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("%s names = %v, want %v", f, names, want)
		}
	}
	empty := filepath.Join(t.TempDir(), "sbom")
	if err := writeLegacyBOM(empty, []bpResult{result("C", "0.9", buildpack.Launch{})}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(empty); err == nil {
		t.Errorf("writeLegacyBOM without bom entries created %s", empty)
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAddBuildLayers(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	a, b, l := filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "l")
	for _, d := range []string{a + "/bin", a + "/lib", b + "/bin", l + "/bin"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeTestFile(t, a+"/env/HOME", "/layer")
	writeTestFile(t, a+"/env/BP_SET.override", "layer")
	writeTestFile(t, a+"/env/BP_NEW", "layer")
	writeTestFile(t, a+"/env/OK", "a")
	writeTestFile(t, a+"/env.build/OK.append", "-build")
	writeTestFile(t, b+"/env/OK.append", "-b")
	writeTestFile(t, l+"/env/LAUNCH", "l")
	acc := env.Env{"HOME": "/home/u", "BP_SET": "user", "PATH": "/usr/bin"}
	layers := []buildpack.Layer{
		{Name: "a", Dir: a, Types: buildpack.LayerTypes{Build: true}},
		{Name: "b", Dir: b, Types: buildpack.LayerTypes{Build: true, Cache: true}},
		{Name: "l", Dir: l, Types: buildpack.LayerTypes{Launch: true, Cache: true}},
	}
	if err := addBuildLayers(acc, layers); err != nil {
		t.Fatal(err)
	}
	want := env.Env{
		"HOME": "/home/u", "BP_SET": "user", "OK": "a-build-b",
		"PATH": a + "/bin:" + b + "/bin:/usr/bin", "LD_LIBRARY_PATH": a + "/lib", "LIBRARY_PATH": a + "/lib",
	}
	if !reflect.DeepEqual(acc, want) {
		t.Errorf("addBuildLayers() env = %v, want %v", acc, want)
	}
}

// buildFixture is a layers dir with group.toml and plan.toml and a
// buildpacks dir, for Build.
func buildFixture(t *testing.T, group string, bps map[string]string) BuildConfig {
	t.Helper()
	root := t.TempDir()
	in := platform.BuildInputs{
		AppDir: filepath.Join(root, "app"), BuildpacksDir: filepath.Join(root, "buildpacks"),
		LayersDir: filepath.Join(root, "layers"), PlatformDir: filepath.Join(root, "platform"), ExecEnv: "production",
	}
	in.GroupPath, in.PlanPath = filepath.Join(in.LayersDir, "group.toml"), filepath.Join(in.LayersDir, "plan.toml")
	if err := os.MkdirAll(in.AppDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if group != "-" {
		writeTestFile(t, in.GroupPath, group)
	}
	writeTestFile(t, in.PlanPath, "")
	for id, script := range bps {
		dir := filepath.Join(in.BuildpacksDir, id, "1")
		writeTestFile(t, filepath.Join(dir, "buildpack.toml"), "api = \"0.10\"\n[buildpack]\nid = \""+id+"\"\nversion = \"1\"\n")
		writeTestFile(t, filepath.Join(dir, "bin", "build"), "#!/usr/bin/env bash\nset -eu\n"+script+"\n")
		if err := os.Chmod(filepath.Join(dir, "bin", "build"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return BuildConfig{
		Inputs: in, PlatformAPI: api.MustParse("0.12"), Env: os.LookupEnv,
		Logger: log.New(&bytes.Buffer{}, &bytes.Buffer{}, log.InfoLevel, false),
	}
}

func TestBuildExitCodes(t *testing.T) {
	t.Parallel()
	group := func(apis ...string) string {
		var s strings.Builder
		for i, v := range apis {
			s.WriteString("[[group]]\nid = \"" + []string{"A", "B"}[i] + "\"\nversion = \"1\"\napi = \"" + v + "\"\n")
		}
		return s.String()
	}
	cases := []struct {
		name    string
		group   string
		scripts map[string]string
		want    int
	}{
		{"BLD2 missing group.toml", "-", nil, platform.CodeGeneric},
		{"BLD2 missing buildpack", group("0.10"), nil, platform.CodeGeneric},
		{"BLD2 group.toml api 0.6", group("0.6"), map[string]string{"A": ""}, platform.CodeIncompatibleBuildpackAPI},
		{"BLD2 group.toml without api", "[[group]]\nid = \"A\"\nversion = \"1\"\n", map[string]string{"A": ""}, platform.CodeIncompatibleBuildpackAPI},
		{"BLD3 buildpack fails", group("0.10", "0.10"), map[string]string{"A": "exit 3", "B": ""}, platform.CodeBuildpackBuild},
		{"BLD3 bad launch.toml", group("0.10"), map[string]string{"A": `echo 'processes = 1' > "$1/launch.toml"`}, platform.CodeBuild},
		{"BLD3 bad layer toml", group("0.10"), map[string]string{"A": `echo 'launch = true' > "$1/l.toml"`}, platform.CodeBuild},
		{"BLD3 bad unmet", group("0.10"), map[string]string{"A": `printf '[[unmet]]\nname = "q"\n' > "$1/build.toml"`}, platform.CodeBuild},
		{"BPI14 undeclared SBOM", group("0.10"), map[string]string{"A": `echo '{}' > "$1/launch.sbom.cdx.json"`}, platform.CodeBuild},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := buildFixture(t, tc.group, tc.scripts)
			_, err := Build(context.Background(), cfg)
			var exit *platform.ExitError
			if !errors.As(err, &exit) || exit.Code != tc.want {
				t.Errorf("Build() = %v, want exit code %d", err, tc.want)
			}
			if _, err := os.Stat(launch.MetadataPath(cfg.Inputs.LayersDir)); err == nil {
				t.Error("Build() wrote metadata.toml although it failed")
			}
		})
	}
}

func TestBuildWritesMetadata(t *testing.T) {
	t.Parallel()
	cfg := buildFixture(t, "[[group]]\nid = \"A\"\nversion = \"1\"\napi = \"0.10\"\n", map[string]string{
		"A": `printf '[[processes]]\ntype = "web"\ncommand = ["a", "b"]\ndefault = true\n' > "$1/launch.toml"`,
	})
	md, err := Build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	read, err := launch.ReadMetadata(launch.MetadataPath(cfg.Inputs.LayersDir))
	if err != nil {
		t.Fatal(err)
	}
	want := launch.Metadata{
		BuildpackDefaultProcessType: "web",
		Buildpacks:                  []launch.Buildpack{{ID: "A", Version: "1", API: "0.10"}},
		Processes:                   []launch.Process{{Type: "web", Command: launch.Command{"a", "b"}, Direct: true, BuildpackID: "A"}},
		Slices:                      []launch.Slice{},
		Labels:                      []launch.Label{},
	}
	if !reflect.DeepEqual(read, want) {
		t.Errorf("metadata.toml = %+v, want %+v", read, want)
	}
	if md.BuildpackDefaultProcessType != "web" || len(md.Processes) != 1 {
		t.Errorf("Build() = %+v", md)
	}
}
