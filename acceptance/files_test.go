package acceptance

import (
	"os"
	"reflect"
	"testing"

	"github.com/BurntSushi/toml"
)

// groupFile is group.toml (platform.md "group.toml").
type groupFile struct {
	Group []groupEntry `toml:"group"`
}

type groupEntry struct {
	ID       string `toml:"id"`
	Version  string `toml:"version"`
	API      string `toml:"api"`
	Homepage string `toml:"homepage"`
}

// planFile is plan.toml (platform.md "plan.toml").
type planFile struct {
	Entries []planEntry `toml:"entries"`
}

type planEntry struct {
	Providers []planProvider `toml:"providers"`
	Requires  []planRequire  `toml:"requires"`
}

type planProvider struct {
	ID      string `toml:"id"`
	Version string `toml:"version"`
}

type planRequire struct {
	Name     string         `toml:"name"`
	Metadata map[string]any `toml:"metadata"`
}

// The TOML helpers of the acceptance tests: a file or a text, into a
// value or a generic map; a decoding error fails the test with the text.

// readTOML decodes the file at path into v and returns its metadata.
func readTOML(t *testing.T, path string, v any) toml.MetaData {
	t.Helper()
	md, err := toml.DecodeFile(path, v)
	if err != nil {
		data, _ := os.ReadFile(path)
		t.Fatalf("reading %s: %v\n%s", path, err, data)
	}
	return md
}

// decodeTOML decodes TOML text into v.
func decodeTOML(t *testing.T, doc string, v any) {
	t.Helper()
	if _, err := toml.Decode(doc, v); err != nil {
		t.Fatalf("decoding %q: %v", doc, err)
	}
}

// readTOMLMap decodes a TOML file into a generic map.
func readTOMLMap(t *testing.T, path string) map[string]any {
	t.Helper()
	var m map[string]any
	readTOML(t, path, &m)
	return m
}

// decodeTOMLMap decodes TOML text into a generic map.
func decodeTOMLMap(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	decodeTOML(t, doc, &m)
	return m
}

func readGroup(t *testing.T, path string) groupFile {
	t.Helper()
	var g groupFile
	readTOML(t, path, &g)
	return g
}

func readPlan(t *testing.T, path string) planFile {
	t.Helper()
	var p planFile
	readTOML(t, path, &p)
	return p
}

// refs lists a group as id@version.
func (g groupFile) refs() []string {
	out := []string{}
	for _, e := range g.Group {
		out = append(out, e.ID+"@"+e.Version)
	}
	return out
}

// wantGroup fails the test unless the group file at path lists want
// (id@version) in that order.
func wantGroup(t *testing.T, path string, want ...string) groupFile {
	t.Helper()
	g := readGroup(t, path)
	if want == nil {
		want = []string{}
	}
	if got := g.refs(); !reflect.DeepEqual(got, want) {
		t.Errorf("group in %s = %v, want %v", path, got, want)
	}
	return g
}

// names lists the dependency name of each plan entry (that of its first
// requirement).
func (p planFile) names() []string {
	out := []string{}
	for _, e := range p.Entries {
		name := ""
		if len(e.Requires) > 0 {
			name = e.Requires[0].Name
		}
		out = append(out, name)
	}
	return out
}

// bpAt is id@1.0.0.
func bpAt(id string) string { return id + "@1.0.0" }

func bpsAt(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = bpAt(id)
	}
	return out
}
