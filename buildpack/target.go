package buildpack

import (
	"os"
	"path/filepath"
	"strings"
)

// Target is a [[targets]] entry of buildpack.toml (CONFORMANCE BPI-7, BPI-9).
// The spec names the variant key "variant"; the reference lifecycle reads
// "arch-variant"; both are accepted.
type Target struct {
	OS          string   `toml:"os"`
	Arch        string   `toml:"arch"`
	Variant     string   `toml:"variant"`
	ArchVariant string   `toml:"arch-variant"`
	Distros     []Distro `toml:"distros"`
}

// Distro is a [[targets.distros]] entry.
type Distro struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
}

// variant returns the architecture variant under either key.
func (t Target) variant() string {
	if t.Variant != "" {
		return t.Variant
	}
	return t.ArchVariant
}

func (t Target) String() string {
	s := t.OS + "/" + t.Arch
	if v := t.variant(); v != "" {
		s += "/" + v
	}
	var ds []string
	for _, d := range t.Distros {
		ds = append(ds, d.Name+"@"+d.Version)
	}
	if len(ds) > 0 {
		s += " (" + strings.Join(ds, ", ") + ")"
	}
	return s
}

// RunTarget describes the image the app will run on (platform.md "Target
// Data"): from analyzed.toml, completed from the build container.
type RunTarget struct {
	OS            string
	Arch          string
	ArchVariant   string
	DistroName    string
	DistroVersion string
}

// bionicStackID is the one stack id the spec translates into a target.
const bionicStackID = "io.buildpacks.stacks.bionic"

// EffectiveTargets returns the buildpack's targets, inferred when it declares
// none (buildpack.md "Targets" and the [[stacks]] deprecation; CONFORMANCE
// BPI-9): the bionic stack means linux/amd64 ubuntu 18.04, stack "*" means
// any target, otherwise bin/build means linux on any architecture. A nil
// result means "matches anything".
func (d *Descriptor) EffectiveTargets() []Target {
	if len(d.Targets) > 0 {
		return d.Targets
	}
	var out []Target
	for _, s := range d.Stacks {
		switch s.ID {
		case "*":
			return nil
		case bionicStackID:
			out = append(out, Target{OS: "linux", Arch: "amd64", Distros: []Distro{{Name: "ubuntu", Version: "18.04"}}})
		}
	}
	if len(out) > 0 {
		return out
	}
	if _, err := os.Stat(filepath.Join(d.Dir, "bin", "build")); err == nil {
		return []Target{{OS: "linux"}}
	}
	for _, exe := range []string{"build.bat", "build.exe"} {
		if _, err := os.Stat(filepath.Join(d.Dir, "bin", exe)); err == nil {
			return []Target{{OS: "windows"}}
		}
	}
	return nil
}

// SupportsTarget reports whether the buildpack can run on rt: some target
// matches on os, arch and variant, and on distro when both sides name one
// (empty fields match anything; CONFORMANCE DET-13).
func (d *Descriptor) SupportsTarget(rt RunTarget) bool {
	ts := d.EffectiveTargets()
	if len(ts) == 0 {
		return true
	}
	for _, t := range ts {
		if t.matches(rt) {
			return true
		}
	}
	return false
}

func (t Target) matches(rt RunTarget) bool {
	if !fieldMatches(t.OS, rt.OS) || !fieldMatches(t.Arch, rt.Arch) || !fieldMatches(t.variant(), rt.ArchVariant) {
		return false
	}
	if len(t.Distros) == 0 || rt.DistroName == "" {
		return true
	}
	for _, dist := range t.Distros {
		if fieldMatches(dist.Name, rt.DistroName) && fieldMatches(dist.Version, rt.DistroVersion) {
			return true
		}
	}
	return false
}

func fieldMatches(want, have string) bool {
	return want == "" || have == "" || want == "*" || want == have
}
