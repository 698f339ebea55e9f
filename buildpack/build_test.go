package buildpack

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/env"
)

// testDescriptor is buildpack bp@1 at Buildpack API v.
func testDescriptor(t *testing.T, v string) *Descriptor {
	t.Helper()
	return &Descriptor{API: v, APIVersion: api.MustParse(v), Buildpack: Info{ID: "bp", Version: "1"}}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadLaunch(t *testing.T) {
	t.Parallel()
	proc := func(typ string, cmd ...string) Process {
		return Process{Type: typ, Command: cmd, BuildpackID: "bp"}
	}
	with := func(p Process, f func(*Process)) Process { f(&p); return p }
	cases := []struct {
		name, api, doc string
		want           []Process
		wantErr        string // substring; "" means no error
		wantWarning    string // substring of some warning; "" means none
		labels         []Label
		slices         []Slice
	}{
		{
			name: "BPI11 B0.7 string command, not direct",
			api:  "0.7", doc: "[[processes]]\ntype = \"web\"\ncommand = \"x\"\nargs = [\"a\"]\n",
			want: []Process{with(proc("web", "x"), func(p *Process) { p.Args = []string{"a"} })},
		},
		{
			name: "BPI11 B0.8 string command with direct",
			api:  "0.8", doc: "[[processes]]\ntype = \"web\"\ncommand = \"x\"\ndirect = true\n",
			want: []Process{with(proc("web", "x"), func(p *Process) { p.Direct = true })},
		},
		{
			name: "BPI11 B0.8 direct = false",
			api:  "0.8", doc: "[[processes]]\ntype = \"web\"\ncommand = \"x\"\ndirect = false\n",
			want: []Process{proc("web", "x")},
		},
		{
			name: "BPI11 B0.8 empty command",
			api:  "0.8", doc: "[[processes]]\ntype = \"web\"\ncommand = \"\"\n",
			wantErr: "command",
		},
		{
			name: "BPI11 B0.9 array command is direct",
			api:  "0.9", doc: "[[processes]]\ntype = \"web\"\ncommand = [\"x\", \"y\"]\nargs = [\"z\"]\n",
			want: []Process{with(proc("web", "x", "y"), func(p *Process) { p.Direct, p.Args = true, []string{"z"} })},
		},
		{
			name: "BPI11 B0.9 string command",
			api:  "0.9", doc: "[[processes]]\ntype = \"web\"\ncommand = \"x\"\n",
			wantErr: "command",
		},
		{
			name: "BPI11 B0.12 string command",
			api:  "0.12", doc: "[[processes]]\ntype = \"web\"\ncommand = \"x\"\n",
			wantErr: "command",
		},
		{
			name: "BPI11 B0.10 missing command",
			api:  "0.10", doc: "[[processes]]\ntype = \"web\"\n",
			wantErr: "command",
		},
		{
			name: "BPI11 B0.10 command of numbers",
			api:  "0.10", doc: "[[processes]]\ntype = \"web\"\ncommand = [1]\n",
			wantErr: "command",
		},
		{
			name: "BPI11 B0.9 direct key",
			api:  "0.9", doc: "[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\ndirect = true\n",
			wantErr: "direct",
		},
		{
			name: "BPI11 B0.12 direct = false key",
			api:  "0.12", doc: "[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\ndirect = false\n",
			wantErr: "direct",
		},
		{
			name: "PRC3 B0.7 working-dir dropped with a warning",
			api:  "0.7", doc: "[[processes]]\ntype = \"web\"\ncommand = \"x\"\nworking-dir = \"/w\"\n",
			want:        []Process{proc("web", "x")},
			wantWarning: "working-dir",
		},
		{
			name: "PRC3 B0.8 working-dir kept",
			api:  "0.8", doc: "[[processes]]\ntype = \"web\"\ncommand = \"x\"\nworking-dir = \"/w\"\n",
			want: []Process{with(proc("web", "x"), func(p *Process) { p.WorkingDir = "/w" })},
		},
		{
			name: "PRC3 B0.12 relative working-dir kept",
			api:  "0.12", doc: "[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\nworking-dir = \"sub\"\n",
			want: []Process{with(proc("web", "x"), func(p *Process) { p.WorkingDir, p.Direct = "sub", true })},
		},
		{
			name: "BLD7 one default",
			api:  "0.10", doc: "[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\ndefault = true\n[[processes]]\ntype = \"w\"\ncommand = [\"y\"]\n",
			want: []Process{
				with(proc("web", "x"), func(p *Process) { p.Direct, p.Default = true, true }),
				with(proc("w", "y"), func(p *Process) { p.Direct = true }),
			},
		},
		{
			name: "BLD7 two defaults",
			api:  "0.10", doc: "[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\ndefault = true\n[[processes]]\ntype = \"w\"\ncommand = [\"y\"]\ndefault = true\n",
			wantErr: "default",
		},
		{
			name: "PRC1 duplicate type keeps the last, in the first's place",
			api:  "0.10", doc: "[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\n[[processes]]\ntype = \"w\"\ncommand = [\"y\"]\n[[processes]]\ntype = \"web\"\ncommand = [\"z\"]\n",
			want: []Process{
				with(proc("web", "z"), func(p *Process) { p.Direct = true }),
				with(proc("w", "y"), func(p *Process) { p.Direct = true }),
			},
			wantWarning: "web",
		},
		{
			name: "PRC1 duplicate default replaced, another default allowed",
			api:  "0.10", doc: "[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\ndefault = true\n[[processes]]\ntype = \"web\"\ncommand = [\"z\"]\n[[processes]]\ntype = \"w\"\ncommand = [\"y\"]\ndefault = true\n",
			want: []Process{
				with(proc("web", "z"), func(p *Process) { p.Direct = true }),
				with(proc("w", "y"), func(p *Process) { p.Direct, p.Default = true, true }),
			},
			wantWarning: "web",
		},
		{
			name: "BPI16 type with a slash",
			api:  "0.10", doc: "[[processes]]\ntype = \"a/b\"\ncommand = [\"x\"]\n",
			wantErr: "a/b",
		},
		{
			name: "BPI16 type with a space",
			api:  "0.7", doc: "[[processes]]\ntype = \"we b\"\ncommand = \"x\"\n",
			wantErr: "we b",
		},
		{
			name: "BPI16 empty type",
			api:  "0.10", doc: "[[processes]]\ncommand = [\"x\"]\n",
			wantErr: "type",
		},
		{
			name: "BPI16 allowed characters",
			api:  "0.10", doc: "[[processes]]\ntype = \"Web.v2_x-1\"\ncommand = [\"x\"]\n",
			want: []Process{with(proc("Web.v2_x-1", "x"), func(p *Process) { p.Direct = true })},
		},
		{
			name: "FIL13 exec-env, labels and slices",
			api:  "0.12", doc: "[[labels]]\nkey = \"k\"\nvalue = \"v\"\n[[processes]]\ntype = \"t\"\ncommand = [\"x\"]\nexec-env = [\"test\"]\n[[slices]]\npaths = [\"a\", \"b/*\"]\n",
			want:   []Process{with(proc("t", "x"), func(p *Process) { p.Direct, p.ExecEnv = true, []string{"test"} })},
			labels: []Label{{Key: "k", Value: "v"}},
			slices: []Slice{{Paths: []string{"a", "b/*"}}},
		},
		{
			name: "BPI15 bom with a top-level version",
			api:  "0.9", doc: "[[bom]]\nname = \"dep\"\nversion = \"1\"\n",
			wantErr: "version",
		},
		{
			name: "malformed",
			api:  "0.9", doc: "[[processes]\n",
			wantErr: "launch.toml",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "launch.toml")
			writeFile(t, path, tc.doc)
			got, err := testDescriptor(t, tc.api).ReadLaunch(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ReadLaunch(%q) error = %v, want one mentioning %q", tc.doc, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadLaunch(%q) = %v", tc.doc, err)
			}
			if !reflect.DeepEqual(got.Processes, tc.want) {
				t.Errorf("ReadLaunch(%q).Processes = %+v, want %+v", tc.doc, got.Processes, tc.want)
			}
			if !reflect.DeepEqual(got.Labels, tc.labels) || !reflect.DeepEqual(got.Slices, tc.slices) {
				t.Errorf("ReadLaunch(%q) labels, slices = %+v, %+v, want %+v, %+v", tc.doc, got.Labels, got.Slices, tc.labels, tc.slices)
			}
			warnings := strings.Join(got.Warnings, "\n")
			if (tc.wantWarning == "") != (warnings == "") || !strings.Contains(warnings, tc.wantWarning) {
				t.Errorf("ReadLaunch(%q).Warnings = %q, want one mentioning %q", tc.doc, got.Warnings, tc.wantWarning)
			}
		})
	}
}

func TestReadLaunchMissingFile(t *testing.T) {
	t.Parallel()
	got, err := testDescriptor(t, "0.10").ReadLaunch(filepath.Join(t.TempDir(), "launch.toml"))
	if err != nil || !reflect.DeepEqual(got, Launch{}) {
		t.Errorf("ReadLaunch(missing) = %+v, %v, want an empty Launch", got, err)
	}
}

func TestReadLayerTypes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, doc string // doc "-" leaves the file out
		want      LayerTypes
		wantErr   string
	}{
		{name: "missing file", doc: "-"},
		{name: "empty file", doc: ""},
		{name: "metadata only", doc: "[metadata]\nlaunch = true\n"},
		{name: "launch", doc: "[types]\nlaunch = true\n", want: LayerTypes{Launch: true}},
		{name: "build and cache", doc: "[types]\nbuild = true\ncache = true\n", want: LayerTypes{Build: true, Cache: true}},
		{name: "all false", doc: "[types]\nlaunch = false\nbuild = false\ncache = false\n"},
		{name: "BPI10 top-level launch", doc: "launch = true\n", wantErr: "types"},
		{name: "BPI10 top-level cache = false", doc: "cache = false\n", wantErr: "types"},
		{name: "BPI10 top-level build beside types", doc: "build = true\n[types]\nlaunch = true\n", wantErr: "types"},
		{name: "malformed", doc: "[types\n", wantErr: "layer.toml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "layer.toml")
			if tc.doc != "-" {
				writeFile(t, path, tc.doc)
			}
			got, err := readLayerTypes(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("readLayerTypes(%q) error = %v, want one mentioning %q", tc.doc, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("readLayerTypes(%q) = %+v, %v, want %+v", tc.doc, got, err, tc.want)
			}
			if got.Any() != (tc.want != LayerTypes{}) {
				t.Errorf("readLayerTypes(%q).Any() = %v", tc.doc, got.Any())
			}
		})
	}
}

// tree lists the entries of dir as names, directories with a trailing /.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestReadLayers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "b.toml"), "[types]\nlaunch = true\n")
	writeFile(t, filepath.Join(dir, "b", "f"), "")
	writeFile(t, filepath.Join(dir, "a.toml"), "[types]\nbuild = true\ncache = true\n")
	writeFile(t, filepath.Join(dir, "a", "bin", "x"), "")
	writeFile(t, filepath.Join(dir, "notoml", "f"), "")                        // BLD-5: renamed
	writeFile(t, filepath.Join(dir, "meta.toml"), "[metadata]\nk = 1\n")       // untyped, no dir
	writeFile(t, filepath.Join(dir, "meta2.toml"), "[metadata]\nk = 1\n")      // untyped, with dir
	writeFile(t, filepath.Join(dir, "meta2", "new"), "")                       //
	writeFile(t, filepath.Join(dir, "meta2.ignore", "old"), "")                // replaced
	writeFile(t, filepath.Join(dir, "nodir.toml"), "[types]\nlaunch = true\n") // typed, contents elsewhere
	writeFile(t, filepath.Join(dir, "launch.toml"), "[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\n")
	writeFile(t, filepath.Join(dir, "build.toml"), "[[unmet]]\nname = \"x\"\n")
	writeFile(t, filepath.Join(dir, "store.toml"), "[metadata]\nk = 1\n")
	writeFile(t, filepath.Join(dir, "a.sbom.cdx.json"), "{}")
	writeFile(t, filepath.Join(dir, "old.ignore", "f"), "")
	writeFile(t, filepath.Join(dir, "file"), "not a layer")

	got, err := readLayers(dir)
	if err != nil {
		t.Fatalf("readLayers() = %v", err)
	}
	want := []Layer{
		{Name: "a", Dir: filepath.Join(dir, "a"), Types: LayerTypes{Build: true, Cache: true}},
		{Name: "b", Dir: filepath.Join(dir, "b"), Types: LayerTypes{Launch: true}},
		{Name: "nodir", Dir: filepath.Join(dir, "nodir"), Types: LayerTypes{Launch: true}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readLayers() = %+v, want %+v", got, want)
	}
	wantTree := []string{
		"a.sbom.cdx.json", "a.toml", "a/", "a/bin/", "a/bin/x", "b.toml", "b/", "b/f", "build.toml", "file",
		"launch.toml", "meta.toml", "meta2.ignore/", "meta2.ignore/new", "meta2.toml", "nodir.toml",
		"notoml.ignore/", "notoml.ignore/f", "old.ignore/", "old.ignore/f", "store.toml",
	}
	if got := tree(t, dir); !reflect.DeepEqual(got, wantTree) {
		t.Errorf("after readLayers() the directory holds %q, want %q", got, wantTree)
	}
}

func TestReadLayersBadToml(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "l.toml"), "launch = true\n")
	if _, err := readLayers(dir); err == nil || !strings.Contains(err.Error(), "types") {
		t.Errorf("readLayers(top-level launch) error = %v, want one mentioning types", err)
	}
}

func TestStageSBOM(t *testing.T) {
	t.Parallel()
	layers := []Layer{
		{Name: "lay", Types: LayerTypes{Launch: true}},
		{Name: "bld", Types: LayerTypes{Build: true}},
		{Name: "cch", Types: LayerTypes{Cache: true}},
		{Name: "lc", Types: LayerTypes{Launch: true, Cache: true}},
		{Name: "all", Types: LayerTypes{Launch: true, Build: true, Cache: true}},
	}
	files := map[string]string{
		"launch.sbom.cdx.json": "launch", "build.sbom.spdx.json": "build", "lay.sbom.cdx.json": "lay",
		"lay.sbom.syft.json": "lay-syft", "bld.sbom.cdx.json": "bld", "cch.sbom.cdx.json": "cch",
		"lc.sbom.spdx.json": "lc", "all.sbom.cdx.json": "all", "gone.sbom.cdx.json": "untyped layer",
	}
	want := map[string]string{
		"launch/org_bp/sbom.cdx.json":      "launch",
		"build/org_bp/sbom.spdx.json":      "build",
		"launch/org_bp/lay/sbom.cdx.json":  "lay",
		"launch/org_bp/lay/sbom.syft.json": "lay-syft",
		"build/org_bp/bld/sbom.cdx.json":   "bld",
		"build/org_bp/cch/sbom.cdx.json":   "cch",
		"cache/org_bp/cch/sbom.cdx.json":   "cch",
		"launch/org_bp/lc/sbom.spdx.json":  "lc",
		"cache/org_bp/lc/sbom.spdx.json":   "lc",
		"launch/org_bp/all/sbom.cdx.json":  "all",
		"cache/org_bp/all/sbom.cdx.json":   "all",
	}
	d := &Descriptor{API: "0.9", APIVersion: api.MustParse("0.9"), Buildpack: Info{ID: "org/bp", Version: "1",
		SBOMFormats: []string{"application/vnd.cyclonedx+json", "application/spdx+json", "application/vnd.syft+json"}}}
	for _, copyFiles := range []bool{true, false} {
		layersDir, sbomDir := t.TempDir(), filepath.Join(t.TempDir(), "sbom")
		for n, c := range files {
			writeFile(t, filepath.Join(layersDir, n), c)
		}
		if err := d.StageSBOM(layersDir, sbomDir, layers, copyFiles); err != nil {
			t.Fatalf("StageSBOM(copy %v) = %v", copyFiles, err)
		}
		got := map[string]string{}
		_ = filepath.WalkDir(sbomDir, func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() {
				rel, _ := filepath.Rel(sbomDir, p)
				data, _ := os.ReadFile(p)
				got[filepath.ToSlash(rel)] = string(data)
			}
			return nil
		})
		w := want
		if !copyFiles {
			w = map[string]string{}
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("StageSBOM(copy %v) wrote %v, want %v", copyFiles, got, w)
		}
	}
}

func TestStageSBOMErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file string
		formats    []string
		want       string
	}{
		{"unsupported txt", "x.sbom.txt", []string{"application/vnd.cyclonedx+json"}, "unsupported"},
		{"unsupported json", "launch.sbom.foo.json", []string{"application/vnd.cyclonedx+json"}, "unsupported"},
		{"undeclared spdx", "launch.sbom.spdx.json", []string{"application/vnd.cyclonedx+json"}, "undeclared"},
		{"no formats", "lay.sbom.cdx.json", nil, "undeclared"},
	}
	for _, tc := range cases {
		for _, copyFiles := range []bool{true, false} {
			layersDir := t.TempDir()
			writeFile(t, filepath.Join(layersDir, tc.file), "{}")
			d := &Descriptor{API: "0.10", APIVersion: api.MustParse("0.10"), Buildpack: Info{ID: "bp", Version: "1", SBOMFormats: tc.formats}}
			err := d.StageSBOM(layersDir, filepath.Join(t.TempDir(), "sbom"), []Layer{{Name: "lay", Types: LayerTypes{Launch: true}}}, copyFiles)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: StageSBOM(copy %v) error = %v, want one mentioning %q", tc.name, copyFiles, err, tc.want)
			}
		}
	}
}

func TestReadOutputsUnmet(t *testing.T) {
	t.Parallel()
	plan := []PlanItem{{Name: "x"}, {Name: "y"}}
	cases := []struct {
		name, buildTOML string
		want            []string
		wantErr         string
	}{
		{name: "no build.toml", buildTOML: "-"},
		{name: "no unmet", buildTOML: ""},
		{name: "one unmet", buildTOML: "[[unmet]]\nname = \"y\"\n", want: []string{"y"}},
		{name: "two unmet", buildTOML: "[[unmet]]\nname = \"x\"\n[[unmet]]\nname = \"y\"\n", want: []string{"x", "y"}},
		{name: "not in the plan", buildTOML: "[[unmet]]\nname = \"z\"\n", wantErr: "z"},
		{name: "empty name", buildTOML: "[[unmet]]\nname = \"\"\n", wantErr: "name"},
		{name: "no name", buildTOML: "[[unmet]]\n", wantErr: "name"},
		{name: "bom with version", buildTOML: "[[bom]]\nname = \"d\"\nversion = \"1\"\n", wantErr: "version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tc.buildTOML != "-" {
				writeFile(t, filepath.Join(dir, "build.toml"), tc.buildTOML)
			}
			res, err := testDescriptor(t, "0.10").readOutputs(dir, plan)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("readOutputs(%q) error = %v, want one mentioning %q", tc.buildTOML, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(res.Unmet, tc.want) {
				t.Errorf("readOutputs(%q).Unmet = %q, %v, want %q", tc.buildTOML, res.Unmet, err, tc.want)
			}
		})
	}
}

// buildpackOnDisk writes bp@1 at Buildpack API v with a bash /bin/build.
func buildpackOnDisk(t *testing.T, v, script string) *Descriptor {
	t.Helper()
	dir := writeDescriptor(t, t.TempDir(), "org/bp", "1", "api = \""+v+"\"\n[buildpack]\nid = \"org/bp\"\nversion = \"1\"\n")
	writeFile(t, filepath.Join(dir, "bin", "build"), "#!/usr/bin/env bash\nset -eu\n"+script+"\n")
	if err := os.Chmod(filepath.Join(dir, "bin", "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := ReadDescriptor(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBuildEnvAndArgs(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0.7", "0.8", "0.10", "0.12"} {
		t.Run("B"+v, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "out")
			d := buildpackOnDisk(t, v, `env -0 > "`+out+`.env"; printf '%s\n' "$@" > "`+out+`.args"; pwd > "`+out+`.cwd"
cp "$3" "`+out+`.plan"; echo to-stdout; echo to-stderr >&2`)
			root := t.TempDir()
			be := BuildEnv{
				AppDir: filepath.Join(root, "app"), PlatformDir: filepath.Join(root, "platform"), LayersDir: filepath.Join(root, "layers"),
				PlanDir: filepath.Join(root, "plans"), UserEnvDir: filepath.Join(root, "platform", "env"), ExecEnv: "test",
				Target: RunTarget{OS: "linux", Arch: "amd64", DistroName: "ubuntu", DistroVersion: "22.04"},
			}
			var stdout, stderr bytes.Buffer
			be.Stdout, be.Stderr = &stdout, &stderr
			for _, p := range []string{be.AppDir, be.PlatformDir} {
				if err := os.MkdirAll(p, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			writeFile(t, filepath.Join(be.UserEnvDir, "FOO"), "bar")
			acc := env.Env{"PATH": os.Getenv("PATH"), "ACC": "yes"}
			res, err := d.Build(context.Background(), be, acc, []PlanItem{{Name: "dep", Metadata: map[string]any{"v": "1"}}})
			if err != nil {
				t.Fatalf("Build() = %v", err)
			}
			if len(res.Layers) != 0 || len(res.Launch.Processes) != 0 {
				t.Errorf("Build() = %+v, want nothing", res)
			}
			if acc["FOO"] != "" {
				t.Error("Build() changed the accumulated environment")
			}
			if stdout.String() != "to-stdout\n" || stderr.String() != "to-stderr\n" {
				t.Errorf("stdout, stderr = %q, %q", stdout.String(), stderr.String())
			}
			layers := filepath.Join(be.LayersDir, "org_bp")
			args := strings.Split(strings.TrimSpace(readString(t, out+".args")), "\n")
			if len(args) != 3 || args[0] != layers || args[1] != be.PlatformDir {
				t.Fatalf("args = %q", args)
			}
			if cwd := strings.TrimSpace(readString(t, out+".cwd")); cwd != be.AppDir {
				t.Errorf("working dir = %q, want %q", cwd, be.AppDir)
			}
			if plan := readString(t, out+".plan"); !strings.Contains(plan, `name = "dep"`) || !strings.Contains(plan, `v = "1"`) {
				t.Errorf("buildpack plan = %q", plan)
			}
			got := env.FromList(strings.Split(readString(t, out+".env"), "\x00"))
			want := map[string]string{"FOO": "bar", "ACC": "yes", "CNB_BUILDPACK_DIR": d.Dir}
			b := api.MustParse(v)
			if b.Supports(api.BuildpackEnvVars) {
				want["CNB_LAYERS_DIR"], want["CNB_PLATFORM_DIR"], want["CNB_BP_PLAN_PATH"] = layers, be.PlatformDir, args[2]
			}
			if b.Supports(api.BuildpackTargets) {
				want["CNB_TARGET_OS"], want["CNB_TARGET_ARCH"], want["CNB_TARGET_DISTRO_NAME"], want["CNB_TARGET_DISTRO_VERSION"] = "linux", "amd64", "ubuntu", "22.04"
			}
			if b.Supports(api.BuildpackExecEnv) {
				want["CNB_EXEC_ENV"] = "test"
			}
			for _, k := range []string{"CNB_LAYERS_DIR", "CNB_PLATFORM_DIR", "CNB_BP_PLAN_PATH", "CNB_TARGET_OS", "CNB_TARGET_ARCH", "CNB_TARGET_ARCH_VARIANT", "CNB_EXEC_ENV"} {
				if _, ok := want[k]; !ok {
					if val, ok := got[k]; ok {
						t.Errorf("B%s: %s = %q, want it unset", v, k, val)
					}
				}
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s = %q, want %q", k, got[k], w)
				}
			}
		})
	}
}

func TestBuildClearEnv(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "env")
	d := buildpackOnDisk(t, "0.10", `env -0 > "`+out+`"`)
	d.Buildpack.ClearEnv = true
	root := t.TempDir()
	be := BuildEnv{AppDir: root, PlatformDir: root, LayersDir: filepath.Join(root, "layers"), PlanDir: filepath.Join(root, "plans"),
		UserEnvDir: filepath.Join(root, "env"), OperatorEnvDir: filepath.Join(root, "bc"), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	writeFile(t, filepath.Join(be.UserEnvDir, "FOO"), "user")
	writeFile(t, filepath.Join(be.OperatorEnvDir, "BAR"), "operator")
	if _, err := d.Build(context.Background(), be, env.Env{"PATH": os.Getenv("PATH")}, nil); err != nil {
		t.Fatal(err)
	}
	got := env.FromList(strings.Split(readString(t, out), "\x00"))
	if _, ok := got["FOO"]; ok || got["BAR"] != "operator" {
		t.Errorf("clear-env: FOO = %q (want unset), BAR = %q (want operator)", got["FOO"], got["BAR"])
	}
}

func TestBuildFailed(t *testing.T) {
	t.Parallel()
	d := buildpackOnDisk(t, "0.10", "exit 7")
	root := t.TempDir()
	be := BuildEnv{AppDir: root, PlatformDir: root, LayersDir: filepath.Join(root, "layers"), PlanDir: filepath.Join(root, "plans"),
		Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	_, err := d.Build(context.Background(), be, env.Env{"PATH": os.Getenv("PATH")}, nil)
	var failed *FailedError
	if !errors.As(err, &failed) || failed.Code != 7 {
		t.Errorf("Build(exit 7) = %v, want a FailedError with code 7", err)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
