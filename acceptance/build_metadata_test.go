package acceptance

import (
	"path/filepath"
	"strings"
	"testing"
)

// launchTOML is a build script body writing doc to launch.toml.
func launchTOML(doc string) string {
	return "cat > \"$L/launch.toml\" <<'CNB_LAUNCH_EOF'\n" + doc + "\nCNB_LAUNCH_EOF\n"
}

func TestBLD6_FIL7_Metadata(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(
		bbp{id: "A", api: "0.9", script: launchTOML(`[[labels]]
key = "a.label"
value = "A"

[[processes]]
type = "web"
command = ["web-a"]
args = ["1"]
default = true

[[processes]]
type = "worker"
command = ["worker-a"]

[[slices]]
paths = ["a/*"]`)},
		bbp{id: "org/B", api: "0.10", script: launchTOML(`[[labels]]
key = "b.label"
value = "B"

[[processes]]
type = "worker"
command = ["worker-b", "x"]
args = ["2"]
working-dir = "/w"

[[processes]]
type = "batch"
command = ["batch-b"]

[[slices]]
paths = ["b/*", "c"]`)},
		bbp{id: "C", api: "0.7"},
	)
	w.writePlanTOML("")
	wantCode(t, "builder", w.build("0.12", nil), 0)
	md, raw := w.metadata()
	wantEqual(t, "buildpacks", md.Buildpacks, []groupEntry{
		{ID: "A", Version: "1.0.0", API: "0.9"}, {ID: "org/B", Version: "1.0.0", API: "0.10"}, {ID: "C", Version: "1.0.0", API: "0.7"},
	})
	wantEqual(t, "process types", md.types(), []string{"batch", "web", "worker"})
	wantEqual(t, "batch", md.process(t, "batch"), mdProcess{Type: "batch", Command: []any{"batch-b"}, Direct: true, BuildpackID: "org/B"})
	wantEqual(t, "web", md.process(t, "web"), mdProcess{Type: "web", Command: []any{"web-a"}, Args: []string{"1"}, Direct: true, BuildpackID: "A"})
	wantEqual(t, "worker", md.process(t, "worker"), mdProcess{Type: "worker", Command: []any{"worker-b", "x"}, Args: []string{"2"}, Direct: true, WorkingDir: "/w", BuildpackID: "org/B"})
	if md.DefaultType != "web" {
		t.Errorf("buildpack-default-process-type = %q, want %q", md.DefaultType, "web")
	}
	wantEqual(t, "slices", md.Slices, []mdSlice{{Paths: []string{"a/*"}}, {Paths: []string{"b/*", "c"}}})
	wantEqual(t, "labels", md.Labels, []mdLabel{{Key: "a.label", Value: "A"}, {Key: "b.label", Value: "B"}})
	for _, p := range rawProcesses(raw) {
		for _, k := range []string{"default", "exec-env"} {
			if _, ok := p[k]; ok {
				t.Errorf("process %v has key %q, want none (P0.12)", p["type"], k)
			}
		}
	}
	if _, ok := raw["bom"]; ok {
		t.Error("metadata.toml has bom at P0.12")
	}
}

func TestBLD7_PRC1_DefaultProcess(t *testing.T) {
	t.Parallel()
	proc := func(typ, cmd string, def bool) string {
		s := "[[processes]]\ntype = \"" + typ + "\"\ncommand = [\"" + cmd + "\"]\n"
		if def {
			s += "default = true\n"
		}
		return s + "\n"
	}
	cases := []struct {
		name        string
		launch      [3]string // launch.toml of A, B, C
		wantDefault string
		wantCmd     map[string]string
		wantWarning string
	}{
		{
			name:        "last default wins",
			launch:      [3]string{proc("web", "a", true), proc("worker", "b", true)},
			wantDefault: "worker",
			wantCmd:     map[string]string{"web": "a", "worker": "b"},
		},
		{
			name:        "later non-default process of another type keeps the default",
			launch:      [3]string{proc("web", "a", true), proc("worker", "b", false)},
			wantDefault: "web",
		},
		{
			name:        "later non-default redefinition clears the default",
			launch:      [3]string{proc("web", "a", true), proc("web", "b", false)},
			wantDefault: "",
			wantCmd:     map[string]string{"web": "b"},
			wantWarning: "web",
		},
		{
			name:        "later default redefinition keeps it",
			launch:      [3]string{proc("web", "a", true), proc("web", "b", true)},
			wantDefault: "web",
			wantCmd:     map[string]string{"web": "b"},
		},
		{
			name:        "redefining an earlier, no longer default type",
			launch:      [3]string{proc("web", "a", true), proc("worker", "b", true), proc("web", "c", false)},
			wantDefault: "worker",
			wantCmd:     map[string]string{"web": "c", "worker": "b"},
		},
		{
			name:        "default, cleared, then set again",
			launch:      [3]string{proc("web", "a", true), proc("web", "b", false), proc("other", "c", true)},
			wantDefault: "other",
		},
		{
			name:        "PRC-1 duplicate type in one launch.toml keeps the last",
			launch:      [3]string{proc("web", "first", false) + proc("web", "second", false)},
			wantCmd:     map[string]string{"web": "second"},
			wantWarning: "web",
		},
		{
			name:        "PRC-1 duplicate type, default only on the first",
			launch:      [3]string{proc("web", "first", true) + proc("web", "second", false)},
			wantDefault: "",
			wantCmd:     map[string]string{"web": "second"},
		},
		{
			name:        "PRC-1 duplicate type, default on the last",
			launch:      [3]string{proc("web", "first", false) + proc("web", "second", true)},
			wantDefault: "web",
			wantCmd:     map[string]string{"web": "second"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			var bps []bbp
			for i, id := range []string{"A", "B", "C"} {
				b := bbp{id: id, api: []string{"0.9", "0.10", "0.12"}[i]}
				if tc.launch[i] != "" {
					b.script = launchTOML(tc.launch[i])
				}
				bps = append(bps, b)
			}
			w.addBuilds(bps...)
			w.writePlanTOML("")
			res := w.build("0.12", nil)
			wantCode(t, "builder", res, 0)
			md, raw := w.metadata()
			if md.DefaultType != tc.wantDefault {
				t.Errorf("buildpack-default-process-type = %q, want %q", md.DefaultType, tc.wantDefault)
			}
			if _, ok := raw["buildpack-default-process-type"]; ok && tc.wantDefault == "" {
				t.Errorf("metadata.toml has buildpack-default-process-type = %v, want no key", raw["buildpack-default-process-type"])
			}
			for typ, cmd := range tc.wantCmd {
				wantEqual(t, typ+" command", md.process(t, typ).Command, []any{cmd})
			}
			for _, p := range rawProcesses(raw) {
				if _, ok := p["default"]; ok {
					t.Errorf("process %v has a default key", p["type"])
				}
			}
			if tc.wantWarning != "" {
				wantContains(t, "builder stderr", res.stderr, tc.wantWarning)
			}
		})
	}
}

func TestBLD7_TwoDefaultsInOneBuildpack_Exit52(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(
		bbp{id: "A", api: "0.12", script: launchTOML(`[[processes]]
type = "web"
command = ["a"]
default = true

[[processes]]
type = "worker"
command = ["b"]
default = true`)},
		bbp{id: "B", api: "0.12"},
	)
	w.writePlanTOML("")
	res := w.build("0.12", nil)
	wantCode(t, "builder", res, 52)
	wantContains(t, "builder stderr", res.stderr, "default")
	if w.buildRan("B") != 0 {
		t.Error("B ran after A's bad launch.toml")
	}
	if exists(w.metadataPath()) {
		t.Error("metadata.toml written after a failed build")
	}
}

func TestBLD6_ExecEnv(t *testing.T) {
	t.Parallel()
	doc := launchTOML(`[[processes]]
type = "web"
command = ["web"]

[[processes]]
type = "tests"
command = ["run-tests"]
exec-env = ["test", "development"]

[[processes]]
type = "prod"
command = ["prod"]
exec-env = ["production"]`)
	for _, platform := range []string{"0.12", "0.15"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(bbp{id: "A", api: "0.12", script: doc}, bbp{id: "B", api: "0.9", script: launchTOML(`[[processes]]
type = "old"
command = ["old"]`)})
			w.writePlanTOML("")
			wantCode(t, "builder", w.build(platform, nil), 0)
			md, raw := w.metadata()
			if platform == "0.15" {
				for typ, want := range map[string][]string{
					"web": {"*"}, "tests": {"test", "development"}, "prod": {"production"}, "old": {"*"},
				} {
					wantEqual(t, typ+" exec-env", md.process(t, typ).ExecEnv, want)
				}
				return
			}
			for _, p := range rawProcesses(raw) {
				if v, ok := p["exec-env"]; ok {
					t.Errorf("P%s: process %v has exec-env = %v, want no key below P0.15", platform, p["type"], v)
				}
			}
		})
	}
}

func TestBLD9_PRC3_FIL13_CommandForms(t *testing.T) {
	t.Parallel()
	group := []bbp{
		{id: "A", api: "0.7", script: launchTOML(`[[processes]]
type = "a7"
command = "a7-cmd"
args = ["x"]
working-dir = "/wd7"

[[processes]]
type = "a7d"
command = "a7d-cmd"
direct = true`)},
		{id: "B", api: "0.8", script: launchTOML(`[[processes]]
type = "b8"
command = "b8-cmd"
args = ["y"]
direct = true
working-dir = "/wd8"

[[processes]]
type = "b8i"
command = "b8i-cmd"`)},
		{id: "C", api: "0.9", script: launchTOML(`[[processes]]
type = "c9"
command = ["c9-cmd", "c9-1"]
args = ["z"]
working-dir = "wd9"`)},
		{id: "D", api: "0.12", script: launchTOML(`[[processes]]
type = "d12"
command = ["d12-cmd"]

[[processes]]
type = "d12e"
command = ["d12e-cmd"]
args = []`)},
	}
	type want struct {
		command    []string
		array      bool
		args       []string
		direct     bool
		workingDir string
	}
	for _, platform := range []string{"0.7", "0.9", "0.10", "0.12", "0.15"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(group...)
			w.writePlanTOML("")
			res := w.build(platform, nil)
			wantCode(t, "builder", res, 0)
			wantContains(t, "builder stderr (B0.7 working-dir)", res.stderr, "working-dir")
			md, raw := w.metadata()
			array := apiAtLeast(platform, "0.10")
			wants := map[string]want{
				"a7":   {command: []string{"a7-cmd"}, args: []string{"x"}},
				"a7d":  {command: []string{"a7d-cmd"}, args: []string{}, direct: true},
				"b8":   {command: []string{"b8-cmd"}, args: []string{"y"}, direct: true, workingDir: "/wd8"},
				"b8i":  {command: []string{"b8i-cmd"}, args: []string{}},
				"c9":   {command: []string{"c9-cmd", "c9-1"}, args: []string{"z"}, direct: true, workingDir: "wd9"},
				"d12":  {command: []string{"d12-cmd"}, args: []string{}, direct: true},
				"d12e": {command: []string{"d12e-cmd"}, args: []string{}, direct: true},
			}
			wantEqual(t, "process types", md.types(), []string{"a7", "a7d", "b8", "b8i", "c9", "d12", "d12e"})
			// A process without args has no args key, even when the
			// buildpack wrote an empty list (BLD-6).
			procs, _ := raw["processes"].([]map[string]any)
			for _, p := range procs {
				typ, _ := p["type"].(string)
				if a, ok := p["args"]; ok && len(wants[typ].args) == 0 {
					t.Errorf("%s: metadata.toml has args = %v for a process without args, want no args key (BLD-6)", p["type"], a)
				}
			}
			if len(procs) != 7 {
				t.Errorf("metadata.toml processes = %#v, want 7 tables", raw["processes"])
			}
			for typ, wt := range wants {
				p := md.process(t, typ)
				if !array {
					// P<0.10: the first entry is the command, the others go in
					// front of args.
					wt.args = append(append([]string{}, wt.command[1:]...), wt.args...)
					wt.command = wt.command[:1]
				}
				cmd, isArray := strList(p.Command)
				if isArray != array {
					t.Errorf("%s: command %#v is an array: %v, want %v", typ, p.Command, isArray, array)
				}
				args := p.Args
				if args == nil {
					args = []string{}
				}
				wantEqual(t, typ+" command", cmd, wt.command)
				wantEqual(t, typ+" args", args, wt.args)
				if p.Direct != wt.direct {
					t.Errorf("%s: direct = %v, want %v", typ, p.Direct, wt.direct)
				}
				if p.WorkingDir != wt.workingDir {
					t.Errorf("%s: working-dir = %q, want %q", typ, p.WorkingDir, wt.workingDir)
				}
			}
		})
	}
}

// Bad launch.toml and <layer>.toml files fail the build with 52.
func TestBLD3_BadBuildpackOutput_Exit52(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, api, script, wantInStderr string
	}{
		{"BLD9 B0.9 string command", "0.9", launchTOML("[[processes]]\ntype = \"web\"\ncommand = \"x\""), "command"},
		{"BLD9 B0.12 string command", "0.12", launchTOML("[[processes]]\ntype = \"web\"\ncommand = \"x\""), "command"},
		{"BLD9 B0.9 direct key", "0.9", launchTOML("[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\ndirect = true"), "direct"},
		{"BLD9 B0.10 direct = false", "0.10", launchTOML("[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\ndirect = false"), "direct"},
		{"malformed launch.toml", "0.10", launchTOML("[[processes]\n"), "launch.toml"},
		{"BPI16 type with a slash", "0.10", launchTOML("[[processes]]\ntype = \"a/b\"\ncommand = [\"x\"]"), "a/b"},
		{"BPI16 type with a space", "0.12", launchTOML("[[processes]]\ntype = \"we b\"\ncommand = [\"x\"]"), "we b"},
		{"BPI16 type with a colon, B0.8", "0.8", launchTOML("[[processes]]\ntype = \"a:b\"\ncommand = \"x\""), "a:b"},
		{"BPI10 top-level launch", "0.10", "layer l\nprintf 'launch = true\\n' > \"$L/l.toml\"", "types"},
		{"BPI10 top-level build and cache", "0.7", "layer l\nprintf 'build = true\\ncache = true\\n' > \"$L/l.toml\"", "types"},
		{"BPI10 top-level launch beside [types]", "0.12", "layer l\nprintf 'launch = true\\n[types]\\nlaunch = true\\n' > \"$L/l.toml\"", "types"},
		{"malformed layer toml", "0.10", "layer l\nprintf '[types\\n' > \"$L/l.toml\"", "l.toml"},
		{"BPI15 launch bom with top-level version", "0.9", launchTOML("[[bom]]\nname = \"dep\"\nversion = \"1.0\""), "version"},
		{"BPI15 build bom with top-level version", "0.9", "printf '[[bom]]\\nname = \"dep\"\\nversion = \"1.0\"\\n' > \"$L/build.toml\"", "version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(bbp{id: "A", api: tc.api, script: tc.script}, bbp{id: "B", api: "0.12"})
			w.writePlanTOML("")
			res := w.build("0.12", nil)
			wantCode(t, "builder("+tc.name+")", res, 52)
			wantContains(t, "builder stderr", res.stderr, tc.wantInStderr)
			if w.buildRan("B") != 0 {
				t.Error("B ran after A's bad output")
			}
			if exists(w.metadataPath()) {
				t.Error("metadata.toml written after a failed build")
			}
		})
	}
}

// BPI-16: the allowed characters are accepted.
func TestBPI16_ValidProcessTypes(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(bbp{id: "A", api: "0.12", script: launchTOML("[[processes]]\ntype = \"Web.v2_x-1\"\ncommand = [\"x\"]")})
	w.writePlanTOML("")
	wantCode(t, "builder", w.build("0.12", nil), 0)
	md, _ := w.metadata()
	wantEqual(t, "process types", md.types(), []string{"Web.v2_x-1"})
}

// BPI-13: launch.toml, build.toml and store.toml are no layers.
func TestBPI13_ReservedNamesAreNotLayers(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.addBuilds(bbp{id: "A", api: "0.10", script: launchTOML("[[processes]]\ntype = \"web\"\ncommand = [\"x\"]") + `printf '[[unmet]]\nname = "x"\n' > "$L/build.toml"
printf '[metadata]\nk = "v"\n' > "$L/store.toml"
layer real launch`}, bbp{id: "B", api: "0.12"})
	w.writePlanTOML(planTOMLEntry("x", "A", "B"))
	wantCode(t, "builder", w.build("0.12", nil), 0)
	l := w.layersOf("A")
	for _, n := range []string{"launch", "build", "store"} {
		if !exists(filepath.Join(l, n+".toml")) {
			t.Errorf("%s.toml is gone", n)
		}
		for _, p := range []string{filepath.Join(l, n), filepath.Join(l, n+".ignore")} {
			if exists(p) {
				t.Errorf("%s exists: %s.toml was taken for a layer", p, n)
			}
		}
	}
	if got := w.readFile(filepath.Join(l, "store.toml")); !strings.Contains(got, `k = "v"`) {
		t.Errorf("store.toml = %q, want it untouched", got)
	}
	if !exists(filepath.Join(l, "real")) {
		t.Error("layer real was renamed")
	}
	wantEqual(t, "B's plan", w.buildPlan("B").names(), []string{"x"})
}
