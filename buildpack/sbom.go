package buildpack

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
)

// sbomMediaTypes maps SBOM file extensions to their media types
// (buildpack.md "Software-Bill-of-Materials").
func sbomMediaType(ext string) (string, bool) {
	switch ext {
	case "cdx.json":
		return "application/vnd.cyclonedx+json", true
	case "spdx.json":
		return "application/spdx+json", true
	case "syft.json":
		return "application/vnd.syft+json", true
	}
	return "", false
}

// sbomFile is a <name>.sbom.<ext> file in a buildpack's layers directory.
type sbomFile struct {
	path, base, ext string
}

// sbomFiles lists and validates the buildpack's SBOM files (CONFORMANCE
// BPI-14): the extension must be a supported format and its media type
// declared in sbom-formats.
func (d *Descriptor) sbomFiles(layersDir string) ([]sbomFile, error) {
	entries, err := os.ReadDir(layersDir)
	if err != nil {
		return nil, errors.Wrapf(err, "reading %s", layersDir)
	}
	var out []sbomFile
	for _, e := range entries {
		base, ext, ok := strings.Cut(e.Name(), ".sbom.")
		if !ok || e.IsDir() {
			continue
		}
		mt, known := sbomMediaType(ext)
		if !known {
			return nil, errors.Errorf("%s: unsupported SBOM format %q (want cdx.json, spdx.json or syft.json)", filepath.Join(layersDir, e.Name()), ext)
		}
		if !contains(d.Buildpack.SBOMFormats, mt) {
			return nil, errors.Errorf("%s: undeclared SBOM media type %s: add it to sbom-formats in %s's buildpack.toml", filepath.Join(layersDir, e.Name()), mt, d)
		}
		out = append(out, sbomFile{path: filepath.Join(layersDir, e.Name()), base: base, ext: ext})
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// StageSBOM copies the buildpack's SBOM files under sbomDir (<layers>/sbom,
// CONFORMANCE BLD-8): launch.sbom and launch layers' SBOMs to
// launch/<bp>/[<layer>/], build.sbom and other layers' to build/<bp>/...,
// and cache layers' also to cache/<bp>/<layer>/, each named sbom.<ext>.
// SBOMs of untyped layers are dropped. With copy false the files are only
// validated (Platform API < 0.8).
func (d *Descriptor) StageSBOM(layersDir, sbomDir string, layers []Layer, copyFiles bool) error {
	files, err := d.sbomFiles(layersDir)
	if err != nil || !copyFiles {
		return err
	}
	bp := EscapeID(d.Buildpack.ID)
	for _, f := range files {
		var dests []string
		switch f.base {
		case "launch":
			dests = []string{filepath.Join(sbomDir, "launch", bp)}
		case "build":
			dests = []string{filepath.Join(sbomDir, "build", bp)}
		default:
			for _, l := range layers {
				if l.Name != f.base {
					continue
				}
				if l.Types.Launch {
					dests = append(dests, filepath.Join(sbomDir, "launch", bp, l.Name))
				} else {
					dests = append(dests, filepath.Join(sbomDir, "build", bp, l.Name))
				}
				if l.Types.Cache {
					dests = append(dests, filepath.Join(sbomDir, "cache", bp, l.Name))
				}
			}
		}
		for _, dir := range dests {
			if err := copyFile(f.path, filepath.Join(dir, "sbom."+f.ext)); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return errors.Wrapf(err, "making %s", filepath.Dir(dst))
	}
	in, err := os.Open(src)
	if err != nil {
		return errors.Wrapf(err, "reading %s", src)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return errors.Wrapf(err, "writing %s", dst)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return errors.Wrapf(err, "copying %s to %s", src, dst)
	}
	return errors.Wrapf(out.Close(), "writing %s", dst)
}
