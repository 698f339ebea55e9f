// Package sbom writes the software bill of materials of a Go binary of the
// lifecycle from the build information the Go linker stamps into it (the
// data `go version -m` prints): the main module, every module it was built
// from with its version and go.sum hash, and the Go toolchain. The exporter
// puts these files in the app image's SBOM layer (CONFORMANCE EXP-16), so
// they are CycloneDX 1.5 and SPDX 2.3 JSON, the two formats the Buildpack API
// names for SBOMs.
//
// The output is reproducible: the same binary and creation time give the
// same bytes. Nothing is downloaded and no license is guessed (build info
// carries none), so license fields say NOASSERTION.
package sbom

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// Module is one Go module of a binary.
type Module struct {
	Path    string
	Version string
	// Sum is the go.sum hash ("h1:<base64 sha256>"), "" for the main module
	// or a module replaced by a directory.
	Sum string
}

// PURL is the package URL of the module (pkg:golang/<path>@<version>).
func (m Module) PURL() string {
	p := "pkg:golang/" + m.Path
	if m.Version != "" {
		p += "@" + m.Version
	}
	return p
}

// Binary is what an SBOM describes: one executable.
type Binary struct {
	// Name is the executable's name ("lifecycle", "launcher").
	Name string
	// Main is the main module; its Version is the lifecycle's version.
	Main Module
	// Deps are the other modules linked in, sorted by path.
	Deps []Module
	// GoVersion is the toolchain that built it ("go1.26.0").
	GoVersion string
	// Settings are the build settings that matter to a reader (GOOS,
	// GOARCH, CGO_ENABLED, vcs.revision, ...), sorted by key.
	Settings [][2]string
}

// keptSettings are the build settings copied into the SBOM. Flags such as
// -ldflags are left out: they say how, not what.
var keptSettings = map[string]bool{
	"GOOS": true, "GOARCH": true, "GOAMD64": true, "GOARM64": true, "CGO_ENABLED": true,
	"vcs": true, "vcs.revision": true, "vcs.time": true, "vcs.modified": true,
}

// Read reads the build information of the executable at path; version
// replaces the main module's "(devel)".
func Read(path, name, version string) (Binary, error) {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return Binary{}, errors.Wrapf(err, "reading the Go build information of %s", path)
	}
	return FromBuildInfo(info, name, version), nil
}

// FromBuildInfo turns build information into a Binary.
func FromBuildInfo(info *debug.BuildInfo, name, version string) Binary {
	b := Binary{Name: name, GoVersion: info.GoVersion, Main: Module{Path: info.Main.Path, Version: info.Main.Version}}
	if version != "" {
		b.Main.Version = "v" + strings.TrimPrefix(version, "v")
	}
	for _, d := range info.Deps {
		m := Module{Path: d.Path, Version: d.Version, Sum: d.Sum}
		if r := d.Replace; r != nil {
			m = Module{Path: r.Path, Version: r.Version, Sum: r.Sum}
		}
		b.Deps = append(b.Deps, m)
	}
	sort.Slice(b.Deps, func(i, j int) bool { return b.Deps[i].Path < b.Deps[j].Path })
	for _, s := range info.Settings {
		if keptSettings[s.Key] {
			b.Settings = append(b.Settings, [2]string{s.Key, s.Value})
		}
	}
	sort.Slice(b.Settings, func(i, j int) bool { return b.Settings[i][0] < b.Settings[j][0] })
	return b
}

// Created is when the SBOM says it was made: SOURCE_DATE_EPOCH (the value of
// sourceDateEpoch, "" when unset) wins, then the commit time stamped into
// the binary, then 1980-01-01T00:00:01Z, the time the lifecycle gives
// reproducible files.
func (b Binary) Created(sourceDateEpoch string) (time.Time, error) {
	if sourceDateEpoch != "" {
		var secs int64
		if _, err := fmt.Sscanf(sourceDateEpoch, "%d", &secs); err != nil || fmt.Sprint(secs) != sourceDateEpoch {
			return time.Time{}, errors.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", sourceDateEpoch)
		}
		return time.Unix(secs, 0).UTC(), nil
	}
	for _, s := range b.Settings {
		if s[0] == "vcs.time" {
			if t, err := time.Parse(time.RFC3339, s[1]); err == nil {
				return t.UTC(), nil
			}
		}
	}
	return time.Date(1980, 1, 1, 0, 0, 1, 0, time.UTC), nil
}

// fingerprint identifies the binary's contents for the document's serial
// number and namespace: the same modules, toolchain and settings give the
// same value.
func (b Binary) fingerprint() [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s@%s\n%s\n", b.Name, b.Main.Path, b.Main.Version, b.GoVersion)
	for _, d := range b.Deps {
		fmt.Fprintf(h, "%s@%s %s\n", d.Path, d.Version, d.Sum)
	}
	for _, s := range b.Settings {
		fmt.Fprintf(h, "%s=%s\n", s[0], s[1])
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// goPURL is the package URL of the Go toolchain's standard library.
func (b Binary) goPURL() string {
	return "pkg:golang/stdlib@" + strings.TrimPrefix(b.GoVersion, "go")
}

func marshal(v any) ([]byte, error) {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Files are the SBOM files of b made at created, by file name:
// <name>.sbom.cdx.json and <name>.sbom.spdx.json, the names the exporter
// looks for next to the launcher (-launcher-sbom).
func (b Binary) Files(created time.Time) (map[string][]byte, error) {
	cdx, err := b.CycloneDX(created)
	if err != nil {
		return nil, err
	}
	spdx, err := b.SPDX(created)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{b.Name + ".sbom.cdx.json": cdx, b.Name + ".sbom.spdx.json": spdx}, nil
}
