package acceptance

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

const (
	cdxFormat  = `"application/vnd.cyclonedx+json"`
	spdxFormat = `"application/spdx+json"`
	syftFormat = `"application/vnd.syft+json"`
)

func sbomFormats(formats ...string) string {
	s := "  sbom-formats = ["
	for i, f := range formats {
		if i > 0 {
			s += ", "
		}
		s += f
	}
	return s + "]"
}

// sbomGroup writes org/sb (B0.9, cdx and spdx) with SBOMs for launch, build
// and layers of each kind, and B (B0.12, syft) with a launch SBOM.
func sbomGroup(w *workspace) {
	w.addBuilds(
		bbp{id: "org/sb", api: "0.9", info: sbomFormats(cdxFormat, spdxFormat), script: `put launch.sbom.cdx.json '{"launch":"A"}'
put build.sbom.spdx.json '{"build":"A"}'
layer lay launch
put lay.sbom.cdx.json '{"layer":"lay"}'
layer bld build
put bld.sbom.cdx.json '{"layer":"bld"}'
layer cch cache
put cch.sbom.cdx.json '{"layer":"cch"}'
layer lc launch cache
put lc.sbom.spdx.json '{"layer":"lc"}'
layer bc build cache
put bc.sbom.cdx.json '{"layer":"bc"}'
layer nosbom launch build cache`},
		bbp{id: "B", api: "0.12", info: sbomFormats(syftFormat), script: `put launch.sbom.syft.json '{"launch":"B"}'`},
	)
	w.writePlanTOML("")
}

// filesUnder maps the regular files under dir (relative, slash separated)
// to their contents.
func filesUnder(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", dir, err)
	}
	return out
}

func TestBLD8_BPI14_SBOMStaging(t *testing.T) {
	t.Parallel()
	for _, platform := range []string{"0.8", "0.9", "0.12", "0.15"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			sbomGroup(w)
			wantCode(t, "builder", w.build(platform, nil), 0)
			want := map[string]string{
				"launch/org_sb/sbom.cdx.json":     `{"launch":"A"}`,
				"build/org_sb/sbom.spdx.json":     `{"build":"A"}`,
				"launch/org_sb/lay/sbom.cdx.json": `{"layer":"lay"}`,
				"build/org_sb/bld/sbom.cdx.json":  `{"layer":"bld"}`,
				"build/org_sb/cch/sbom.cdx.json":  `{"layer":"cch"}`,
				"cache/org_sb/cch/sbom.cdx.json":  `{"layer":"cch"}`,
				"launch/org_sb/lc/sbom.spdx.json": `{"layer":"lc"}`,
				"cache/org_sb/lc/sbom.spdx.json":  `{"layer":"lc"}`,
				"build/org_sb/bc/sbom.cdx.json":   `{"layer":"bc"}`,
				"cache/org_sb/bc/sbom.cdx.json":   `{"layer":"bc"}`,
				"launch/B/sbom.syft.json":         `{"launch":"B"}`,
			}
			got := filesUnder(t, filepath.Join(w.Layers, "sbom"))
			wantEqual(t, "files under <layers>/sbom", got, want)
			// The buildpack's own files stay.
			for _, f := range []string{"launch.sbom.cdx.json", "lay.sbom.cdx.json"} {
				if !exists(filepath.Join(w.layersOf("org/sb"), f)) {
					t.Errorf("%s was removed from the buildpack's layers directory", f)
				}
			}
		})
	}
}

func TestBLD8_NoSBOMDirAtP07(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	sbomGroup(w)
	wantCode(t, "builder", w.build("0.7", nil), 0)
	if p := filepath.Join(w.Layers, "sbom"); exists(p) {
		t.Errorf("%s exists at P0.7: %v", p, filesUnder(t, p))
	}
}

func TestBPI14_BadSBOM_Exit52(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, info, script, want string
	}{
		{"unsupported extension txt", sbomFormats(cdxFormat), "put x.sbom.txt x", "unsupported"},
		{"unsupported json format", sbomFormats(cdxFormat), "put launch.sbom.foo.json '{}'", "unsupported"},
		{"undeclared spdx", sbomFormats(cdxFormat), "put launch.sbom.spdx.json '{}'", "undeclared"},
		{"undeclared layer cdx", sbomFormats(syftFormat), "layer l launch\nput l.sbom.cdx.json '{}'", "undeclared"},
		{"no sbom-formats", "", "put build.sbom.syft.json '{}'", "undeclared"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(bbp{id: "A", api: "0.10", info: tc.info, script: tc.script}, bbp{id: "B", api: "0.12"})
			w.writePlanTOML("")
			res := w.build("0.12", nil)
			wantCode(t, "builder("+tc.name+")", res, 52)
			wantContains(t, "builder stderr", res.stderr, tc.want)
			if w.buildRan("B") != 0 {
				t.Error("B ran after A's bad SBOM")
			}
		})
	}
}

// bomNames reads a JSON array of bom entries and returns their names.
func bomNames(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	var entries []map[string]any
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatalf("%s is not a JSON array of objects: %v\n%s", path, err, data)
	}
	var names []string
	for _, e := range entries {
		n, _ := e["name"].(string)
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func TestBPI15_LegacyBOM(t *testing.T) {
	t.Parallel()
	for _, platform := range []string{"0.7", "0.8", "0.9", "0.12"} {
		t.Run("P"+platform, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.addBuilds(
				bbp{id: "A", api: "0.9", script: launchTOML(`[[bom]]
name = "dep"
[bom.metadata]
version = "1.0"`) + `printf '[[bom]]\nname = "tool"\n[bom.metadata]\nversion = "2"\n' > "$L/build.toml"`},
				bbp{id: "B", api: "0.7", script: launchTOML("[[bom]]\nname = \"dep2\"")},
			)
			w.writePlanTOML("")
			res := w.build(platform, nil)
			wantCode(t, "builder", res, 0)
			wantContains(t, "builder stderr", res.stderr, "bom")
			md, raw := w.metadata()
			launchJSON := filepath.Join(w.Layers, "sbom", "launch", "sbom.legacy.json")
			buildJSON := filepath.Join(w.Layers, "sbom", "build", "sbom.legacy.json")
			if apiAtLeast(platform, "0.9") {
				if _, ok := raw["bom"]; ok {
					t.Errorf("P%s: metadata.toml has bom", platform)
				}
				wantEqual(t, "launch sbom.legacy.json names", bomNames(t, launchJSON), []string{"dep", "dep2"})
				wantEqual(t, "build sbom.legacy.json names", bomNames(t, buildJSON), []string{"tool"})
				return
			}
			var names []string
			for _, e := range md.BOM {
				n, _ := e["name"].(string)
				names = append(names, n)
				if n == "dep" {
					if m, _ := e["metadata"].(map[string]any); m["version"] != "1.0" {
						t.Errorf("bom entry dep has metadata %v, want version 1.0", e["metadata"])
					}
				}
			}
			sort.Strings(names)
			wantEqual(t, "metadata.toml bom names", names, []string{"dep", "dep2"})
			for _, p := range []string{launchJSON, buildJSON} {
				if exists(p) {
					t.Errorf("P%s: %s exists", platform, p)
				}
			}
		})
	}
}
