package acceptance

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// bbp describes a buildpack run by the builder.
type bbp struct {
	id, version, api string
	// info is extra TOML inside [buildpack] (clear-env, sbom-formats...).
	info string
	// script is bash run by /bin/build after it recorded its inputs. It
	// runs with `set -eu`, L set to the buildpack's layers directory ($1)
	// and the helpers of buildHelpers.
	script string
}

// buildHelpers are bash functions for build scripts:
//
//	layer NAME TYPE...     makes $L/NAME and writes $L/NAME.toml with [types] TYPE = true
//	put PATH CONTENT       writes CONTENT (no newline added) to $L/PATH
const buildHelpers = `layer() {
  local name=$1; shift
  mkdir -p "$L/$name"
  { echo "[types]"; for t in "$@"; do echo "  $t = true"; done; } > "$L/$name.toml"
}
put() {
  mkdir -p "$(dirname "$L/$1")"
  printf '%s' "$2" > "$L/$1"
}
`

func (b *bbp) defaults() {
	if b.version == "" {
		b.version = "1.0.0"
	}
	if b.api == "" {
		b.api = "0.10"
	}
}

// buildRecord is the path prefix of the files a build script records into.
func (w *workspace) buildRecord(id string) string { return w.record(id, "1.0.0") + ".build" }

// addBuild writes buildpack b with a /bin/build that records each run, its
// environment, working directory, arguments, whether $1 existed and the
// buildpack plan it was given under w.Out, then runs b.script. Its
// /bin/detect passes.
func (w *workspace) addBuild(b bbp) {
	w.t.Helper()
	b.defaults()
	dir := w.dir(b.id, b.version)
	desc := fmt.Sprintf("api = %q\n\n[buildpack]\n  id = %q\n  version = %q\n  name = %q\n", b.api, b.id, b.version, "Test "+b.id)
	if b.info != "" {
		desc += b.info + "\n"
	}
	w.write(filepath.Join(dir, "buildpack.toml"), desc)
	w.writeExec(filepath.Join(dir, "bin", "detect"), "#!/usr/bin/env bash\nexit 0\n")
	w.writeBuild(b)
}

// writeBuild writes b's /bin/build (see addBuild).
func (w *workspace) writeBuild(b bbp) {
	w.t.Helper()
	b.defaults()
	dir := w.dir(b.id, b.version)
	var s strings.Builder
	s.WriteString("#!/usr/bin/env bash\nset -eu\n")
	fmt.Fprintf(&s, "rec=%s\n", shellQuote(w.record(b.id, b.version)+".build"))
	s.WriteString(`echo ran >> "$rec.ran"
env -0 > "$rec.env"
pwd > "$rec.cwd"
printf '%s\n' "$@" > "$rec.args"
if [ -d "$1" ]; then echo yes > "$rec.layersdir"; fi
cp "$3" "$rec.plan"
L=$1
`)
	s.WriteString(buildHelpers)
	s.WriteString(b.script + "\nexit 0\n")
	w.writeExec(filepath.Join(dir, "bin", "build"), s.String())
}

// addBuilds adds every buildpack and writes <layers>/group.toml listing
// them in order.
func (w *workspace) addBuilds(bps ...bbp) {
	w.t.Helper()
	for _, b := range bps {
		w.addBuild(b)
	}
	w.writeGroup(bps...)
}

// writeGroup writes <layers>/group.toml.
func (w *workspace) writeGroup(bps ...bbp) {
	w.t.Helper()
	var s strings.Builder
	for _, b := range bps {
		b.defaults()
		fmt.Fprintf(&s, "[[group]]\n  id = %q\n  version = %q\n  api = %q\n\n", b.id, b.version, b.api)
	}
	w.write(filepath.Join(w.Layers, "group.toml"), s.String())
}

// writePlanTOML writes <layers>/plan.toml.
func (w *workspace) writePlanTOML(doc string) {
	w.t.Helper()
	w.write(filepath.Join(w.Layers, "plan.toml"), doc)
}

// planTOMLEntry renders one [[entries]] of plan.toml requiring name (with
// metadata key = name) from providers (at version 1.0.0).
func planTOMLEntry(name string, providers ...string) string {
	var s strings.Builder
	s.WriteString("[[entries]]\n")
	for _, p := range providers {
		fmt.Fprintf(&s, "  [[entries.providers]]\n    id = %q\n    version = \"1.0.0\"\n", p)
	}
	fmt.Fprintf(&s, "  [[entries.requires]]\n    name = %q\n    [entries.requires.metadata]\n      key = %q\n\n", name, name)
	return s.String()
}

// buildFlags are the builder's directory flags pointing into the workspace.
func (w *workspace) buildFlags() []string {
	return []string{"-app", w.App, "-buildpacks", w.Buildpacks, "-layers", w.Layers, "-platform", w.Platform}
}

// build runs the builder at Platform API api with the workspace flags, then
// args, and env.
func (w *workspace) build(api string, env []string, args ...string) result {
	w.t.Helper()
	return w.run("builder", runOpts{
		args: append(w.buildFlags(), args...),
		env:  append([]string{"CNB_PLATFORM_API=" + api}, env...),
	})
}

// buildRan counts the runs of a buildpack's /bin/build.
func (w *workspace) buildRan(id string) int {
	data, err := os.ReadFile(w.buildRecord(id) + ".ran")
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.Count(string(data), "ran\n")
}

// buildEnv is the environment a buildpack's /bin/build saw.
func (w *workspace) buildEnv(id string) map[string]string {
	w.t.Helper()
	data, err := os.ReadFile(w.buildRecord(id) + ".env")
	if err != nil {
		w.t.Fatalf("reading the environment of %s's /bin/build: %v", id, err)
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(data), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

func (w *workspace) buildArgs(id string) []string {
	return strings.Split(strings.TrimSuffix(w.readFile(w.buildRecord(id)+".args"), "\n"), "\n")
}

func (w *workspace) buildCwd(id string) string {
	return strings.TrimSuffix(w.readFile(w.buildRecord(id)+".cwd"), "\n")
}

// bpPlan is the buildpack plan (buildpack.md "Buildpack Plan (TOML)").
type bpPlan struct {
	Entries []planRequire `toml:"entries"`
}

func (p bpPlan) names() []string {
	out := []string{}
	for _, e := range p.Entries {
		out = append(out, e.Name)
	}
	return out
}

// buildPlan is the buildpack plan a buildpack's /bin/build was given.
func (w *workspace) buildPlan(id string) bpPlan {
	w.t.Helper()
	var p bpPlan
	readTOML(w.t, w.buildRecord(id)+".plan", &p)
	return p
}

// layersOf is <layers>/<escaped id>.
func (w *workspace) layersOf(id string) string { return filepath.Join(w.Layers, escapeID(id)) }

// metadataFile is <layers>/config/metadata.toml (platform.md "metadata.toml").
type metadataFile struct {
	DefaultType string           `toml:"buildpack-default-process-type"`
	Buildpacks  []groupEntry     `toml:"buildpacks"`
	Processes   []mdProcess      `toml:"processes"`
	Slices      []mdSlice        `toml:"slices"`
	Labels      []mdLabel        `toml:"labels"`
	BOM         []map[string]any `toml:"bom"`
}

type mdProcess struct {
	Type        string   `toml:"type"`
	Command     any      `toml:"command"`
	Args        []string `toml:"args"`
	Direct      bool     `toml:"direct"`
	WorkingDir  string   `toml:"working-dir"`
	BuildpackID string   `toml:"buildpack-id"`
	ExecEnv     []string `toml:"exec-env"`
}

type mdSlice struct {
	Paths []string `toml:"paths"`
}

type mdLabel struct {
	Key   string `toml:"key"`
	Value string `toml:"value"`
}

func (w *workspace) metadataPath() string { return filepath.Join(w.Layers, "config", "metadata.toml") }

// metadata reads metadata.toml, typed and as a raw map.
func (w *workspace) metadata() (metadataFile, map[string]any) {
	w.t.Helper()
	var md metadataFile
	readTOML(w.t, w.metadataPath(), &md)
	raw := map[string]any{}
	readTOML(w.t, w.metadataPath(), &raw)
	return md, raw
}

// process finds a process by type.
func (m metadataFile) process(t *testing.T, typ string) mdProcess {
	t.Helper()
	for _, p := range m.Processes {
		if p.Type == typ {
			return p
		}
	}
	t.Fatalf("metadata.toml has no process %q; processes: %+v", typ, m.Processes)
	return mdProcess{}
}

func (m metadataFile) types() []string {
	out := []string{}
	for _, p := range m.Processes {
		out = append(out, p.Type)
	}
	return out
}

// rawProcesses are the [[processes]] tables of a raw metadata map.
func rawProcesses(raw map[string]any) []map[string]any {
	var out []map[string]any
	switch ps := raw["processes"].(type) {
	case []map[string]any:
		out = ps
	case []any:
		for _, p := range ps {
			if m, ok := p.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// strList turns a decoded TOML array into strings; a string stays a
// one-element list marked as such by ok=false.
func strList(v any) (list []string, isArray bool) {
	switch c := v.(type) {
	case string:
		return []string{c}, false
	case []any:
		for _, it := range c {
			s, _ := it.(string)
			list = append(list, s)
		}
		return list, true
	}
	return nil, false
}

// wantEqual fails the test unless got deep-equals want.
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// wantEnv checks variables of env: a want value of unset means the variable
// must be absent.
const unset = "\x00unset"

func wantEnv(t *testing.T, who string, env map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, ok := env[k]
		switch {
		case v == unset && ok:
			t.Errorf("%s: %s = %q, want it unset", who, k, got)
		case v != unset && !ok:
			t.Errorf("%s: %s is unset, want %q", who, k, v)
		case v != unset && got != v:
			t.Errorf("%s: %s = %q, want %q", who, k, got, v)
		}
	}
}
