package sbom

import (
	"bytes"
	"encoding/json"
	"regexp"
	"runtime/debug"
	"testing"
	"time"
)

func fakeInfo() *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/cnb-lifecycle/lifecycle", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "github.com/pkg/errors", Version: "v0.9.1", Sum: "h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4="},
			{Path: "github.com/google/go-containerregistry", Version: "v0.22.1", Sum: "h1:abc=",
				Replace: &debug.Module{Path: "example.com/fork/ggcr", Version: "v0.22.2", Sum: "h1:def="}},
		},
		Settings: []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "-ldflags", Value: "-s -w"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "CGO_ENABLED", Value: "0"}},
	}
}

// TestEXP16_FromBuildInfo: modules sorted, replacements followed, the
// version given replaces (devel), flags left out.
func TestEXP16_FromBuildInfo(t *testing.T) {
	b := FromBuildInfo(fakeInfo(), "lifecycle", "0.90.0")
	if b.Main.Version != "v0.90.0" {
		t.Errorf("main version = %q", b.Main.Version)
	}
	if len(b.Deps) != 2 || b.Deps[0].Path != "example.com/fork/ggcr" || b.Deps[0].Version != "v0.22.2" || b.Deps[1].Path != "github.com/pkg/errors" {
		t.Errorf("deps = %+v", b.Deps)
	}
	for _, s := range b.Settings {
		if s[0] == "-ldflags" {
			t.Errorf("settings keep %v", s)
		}
	}
	if got := b.Deps[1].PURL(); got != "pkg:golang/github.com/pkg/errors@v0.9.1" {
		t.Errorf("purl = %q", got)
	}
}

func TestEXP16_Created(t *testing.T) {
	b := FromBuildInfo(fakeInfo(), "lifecycle", "")
	for _, tc := range []struct {
		epoch, want string
		bad         bool
	}{
		{"", "2026-12-01T10:00:00Z", false},
		{"0", "1970-01-01T00:00:00Z", false},
		{"1700000000", "2023-11-14T22:13:20Z", false},
		{"soon", "", true},
		{"12x", "", true},
	} {
		got, err := b.Created(tc.epoch)
		if (err != nil) != tc.bad || (!tc.bad && got.Format(time.RFC3339) != tc.want) {
			t.Errorf("Created(%q) = %v, %v; want %s (error: %v)", tc.epoch, got, err, tc.want, tc.bad)
		}
	}
	b.Settings = nil
	if got, _ := b.Created(""); got.Year() != 1980 {
		t.Errorf("Created without vcs.time = %v, want 1980", got)
	}
}

// TestEXP16_Documents: both documents parse, carry the required fields,
// list every module, are reproducible, and their ids are well formed.
func TestEXP16_Documents(t *testing.T) {
	b := FromBuildInfo(fakeInfo(), "launcher", "0.90.0")
	at := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	files, err := b.Files(at)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := FromBuildInfo(fakeInfo(), "launcher", "0.90.0").Files(at)
	for name, data := range files {
		if !bytes.Equal(data, again[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}

	var cdx struct {
		BOMFormat, SpecVersion, SerialNumber string
		Version                              int
		Metadata                             struct {
			Timestamp string
			Component struct{ Name, Version, Purl string }
		}
		Components   []struct{ Name, Version, Purl string }
		Dependencies []struct {
			Ref       string
			DependsOn []string
		}
	}
	if err := json.Unmarshal(files["launcher.sbom.cdx.json"], &cdx); err != nil {
		t.Fatal(err)
	}
	uuid := regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if cdx.BOMFormat != "CycloneDX" || cdx.SpecVersion != "1.5" || cdx.Version != 1 || !uuid.MatchString(cdx.SerialNumber) ||
		cdx.Metadata.Timestamp != "2026-12-05T00:00:00Z" || cdx.Metadata.Component.Name != "launcher" {
		t.Errorf("CycloneDX header = %+v", cdx)
	}
	if len(cdx.Components) != 3 || cdx.Components[0].Name != "stdlib" || cdx.Components[1].Purl != "pkg:golang/example.com/fork/ggcr@v0.22.2" {
		t.Errorf("CycloneDX components = %+v", cdx.Components)
	}
	if len(cdx.Dependencies) != 1 || len(cdx.Dependencies[0].DependsOn) != 3 || cdx.Dependencies[0].Ref != cdx.Metadata.Component.Purl {
		t.Errorf("CycloneDX dependencies = %+v", cdx.Dependencies)
	}

	var spdx struct {
		SPDXVersion, DataLicense, SPDXID, Name, DocumentNamespace string
		CreationInfo                                              struct {
			Created  string
			Creators []string
		}
		Packages []struct {
			SPDXID, Name, VersionInfo, DownloadLocation string
		}
		Relationships []struct{ SpdxElementID, RelationshipType, RelatedSpdxElement string }
	}
	if err := json.Unmarshal(files["launcher.sbom.spdx.json"], &spdx); err != nil {
		t.Fatal(err)
	}
	if spdx.SPDXVersion != "SPDX-2.3" || spdx.DataLicense != "CC0-1.0" || spdx.SPDXID != "SPDXRef-DOCUMENT" ||
		spdx.DocumentNamespace == "" || spdx.CreationInfo.Created != "2026-12-05T00:00:00Z" || len(spdx.CreationInfo.Creators) != 1 {
		t.Errorf("SPDX header = %+v", spdx)
	}
	id := regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)
	ids := map[string]bool{"SPDXRef-DOCUMENT": true}
	for _, p := range spdx.Packages {
		if !id.MatchString(p.SPDXID) || ids[p.SPDXID] || p.DownloadLocation == "" {
			t.Errorf("SPDX package %+v: bad or repeated id", p)
		}
		ids[p.SPDXID] = true
	}
	if len(spdx.Packages) != 4 || len(spdx.Relationships) != 4 {
		t.Errorf("SPDX packages %d, relationships %d; want 4 and 4", len(spdx.Packages), len(spdx.Relationships))
	}
	for _, r := range spdx.Relationships {
		if !ids[r.SpdxElementID] || !ids[r.RelatedSpdxElement] {
			t.Errorf("SPDX relationship %+v names an unknown element", r)
		}
	}
}
