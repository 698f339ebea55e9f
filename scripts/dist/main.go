// Command dist packs the lifecycle for builder authors (make dist):
//
//   - lifecycle-v<version>+linux.<arch>.tgz, the tarball pack builder create
//     reads: lifecycle.toml (the supported Buildpack and Platform APIs and
//     the version) and lifecycle/<phase> for every phase, links to the one
//     multi-call binary lifecycle/lifecycle, beside lifecycle/launcher and
//     the SBOMs of both (lifecycle.sbom.cdx.json, launcher.sbom.spdx.json...);
//   - lifecycle-image.tar (docker load) and lifecycle-image/ (an OCI layout):
//     the lifecycle image for pack's untrusted flow (--lifecycle-image),
//     /cnb/lifecycle/ with the labels platforms read.
//
// Usage: go run ./scripts/dist -bin <dir with lifecycle and launcher> -version <semver> -out <dir>
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/internal/sbom"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The phases linked to the multi-call binary.
var phases = []string{"analyzer", "detector", "restorer", "builder", "exporter", "rebaser", "creator"}

var mtime = time.Date(1980, 1, 1, 0, 0, 1, 0, time.UTC)

func main() {
	bin := flag.String("bin", "out/lifecycle", "directory holding the lifecycle and launcher binaries")
	version := flag.String("version", "", "lifecycle version (semver)")
	out := flag.String("out", "out/dist", "output directory")
	repo := flag.String("image", "cnb-lifecycle/lifecycle", "repository of the lifecycle image")
	flag.Parse()
	if err := run(*bin, *version, *out, *repo); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

// apis lists every supported version of a range, as lifecycle.toml and the
// lifecycle image label give them: nothing is deprecated.
type apiSet struct {
	Deprecated []string `json:"deprecated"`
	Supported  []string `json:"supported"`
}

func versions(r api.Range) apiSet {
	s := apiSet{Deprecated: []string{}}
	for v := r.Min; r.Max.AtLeast(v); v.Minor++ {
		s.Supported = append(s.Supported, v.String())
	}
	return s
}

func run(bin, version, out, repo string) error {
	if version == "" {
		return fmt.Errorf("-version is required")
	}
	d, err := readDist(bin, version)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tgz, err := d.writeTarball(out)
	if err != nil {
		return err
	}
	img, err := d.image()
	if err != nil {
		return err
	}
	tag, err := writeImage(img, out, repo, version)
	if err != nil {
		return err
	}
	size := int64(len(d.multi) + len(d.launcher))
	fmt.Printf("%s\n%s (%s)\n/cnb/lifecycle: %.1f MB\n", tgz, tag, filepath.Join(out, "lifecycle-image.tar"), float64(size)/1e6)
	return nil
}

// dist is what goes into the tarball and the image.
type dist struct {
	version         string
	multi, launcher []byte // the lifecycle multi-call binary and the launcher
	bp, pl          apiSet
	sboms           []entry
}

func readDist(bin, version string) (*dist, error) {
	d := &dist{version: version, bp: versions(api.SupportedBuildpack()), pl: versions(api.SupportedPlatform())}
	var err error
	if d.multi, err = os.ReadFile(filepath.Join(bin, "lifecycle")); err != nil {
		return nil, err
	}
	if d.launcher, err = os.ReadFile(filepath.Join(bin, "launcher")); err != nil {
		return nil, err
	}
	if d.sboms, err = sbomFiles(bin, version); err != nil {
		return nil, err
	}
	return d, nil
}

// files are the lifecycle directory's entries under prefix.
func (d *dist) files(prefix string) []entry {
	es := []entry{{name: prefix + "/", mode: 0o755, dir: true},
		{name: prefix + "/lifecycle", mode: 0o755, data: d.multi},
		{name: prefix + "/launcher", mode: 0o755, data: d.launcher}}
	for _, p := range phases {
		es = append(es, entry{name: prefix + "/" + p, link: "lifecycle"})
	}
	for _, f := range d.sboms {
		es = append(es, entry{name: prefix + "/" + f.name, mode: 0o644, data: f.data})
	}
	return es
}

// writeTarball writes the tarball pack reads, with lifecycle.toml, and
// returns its path.
func (d *dist) writeTarball(out string) (string, error) {
	var desc strings.Builder
	fmt.Fprintf(&desc, "[apis]\n[apis.buildpack]\n  deprecated = []\n  supported = %s\n[apis.platform]\n  deprecated = []\n  supported = %s\n\n[lifecycle]\n  version = %q\n",
		tomlList(d.bp.Supported), tomlList(d.pl.Supported), d.version)
	arch := map[string]string{"amd64": "x86-64"}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH
	}
	tgz := filepath.Join(out, fmt.Sprintf("lifecycle-v%s+linux.%s.tgz", d.version, arch))
	tarData, err := tarOf(append([]entry{{name: "lifecycle.toml", mode: 0o644, data: []byte(desc.String())}}, d.files("lifecycle")...))
	if err != nil {
		return "", err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(tarData)
	if err := zw.Close(); err != nil {
		return "", err
	}
	return tgz, os.WriteFile(tgz, gz.Bytes(), 0o644)
}

// image is the lifecycle image. Platforms run its phases as root (or as
// the build user they name): root must exist, and phases need a /tmp.
func (d *dist) image() (v1.Image, error) {
	system := []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\n")},
		{name: "etc/group", mode: 0o644, data: []byte("root:x:0:\n")},
		{name: "root/", mode: 0o700, dir: true},
		{name: "tmp/", mode: 0o1777, dir: true},
		{name: "cnb/", mode: 0o755, dir: true},
	}
	layerData, err := tarOf(append(system, d.files("cnb/lifecycle")...))
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerData)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: "cnb-lifecycle " + d.version}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	apis, _ := json.Marshal(map[string]apiSet{"buildpack": d.bp, "platform": d.pl})
	builderMD, _ := json.Marshal(map[string]any{"lifecycle": map[string]any{"version": d.version,
		"apis": map[string]apiSet{"buildpack": d.bp, "platform": d.pl}}})
	cf.OS, cf.Architecture, cf.Created = "linux", runtime.GOARCH, v1.Time{Time: mtime}
	cf.Config.WorkingDir = "/layers"
	cf.Config.Labels = map[string]string{
		"io.buildpacks.lifecycle.version": d.version,
		"io.buildpacks.lifecycle.apis":    string(apis),
		"io.buildpacks.builder.metadata":  string(builderMD),
	}
	return mutate.ConfigFile(img, cf)
}

// writeImage writes img as a docker load archive and an OCI layout, and
// returns its tag.
func writeImage(img v1.Image, out, repo, version string) (name.Tag, error) {
	tag, err := name.NewTag(repo + ":" + version)
	if err != nil {
		return tag, err
	}
	if err := tarball.WriteToFile(filepath.Join(out, "lifecycle-image.tar"), tag, img); err != nil {
		return tag, err
	}
	lp := filepath.Join(out, "lifecycle-image")
	os.RemoveAll(lp)
	p, err := layout.Write(lp, empty.Index)
	if err != nil {
		return tag, err
	}
	return tag, p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": version}))
}

func tomlList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

type entry struct {
	name, link string
	mode       int64
	dir        bool
	data       []byte
}

// sbomFiles are the SBOMs of the lifecycle and launcher binaries in bin,
// made from their own build information (CONFORMANCE EXP-16: the exporter
// copies them from /cnb/lifecycle into the app image's SBOM layer), in
// name order.
func sbomFiles(bin, version string) ([]entry, error) {
	var out []entry
	for _, n := range []string{"launcher", "lifecycle"} {
		b, err := sbom.Read(filepath.Join(bin, n), n, version)
		if err != nil {
			return nil, err
		}
		created, err := b.Created(os.Getenv("SOURCE_DATE_EPOCH"))
		if err != nil {
			return nil, err
		}
		fs, err := b.Files(created)
		if err != nil {
			return nil, err
		}
		for name, data := range fs {
			out = append(out, entry{name: name, data: data})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// tarOf is a reproducible tar of the entries, owned by root.
func tarOf(es []entry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: mtime, Format: tar.FormatPAX}
		switch {
		case e.dir:
			h.Typeflag = tar.TypeDir
		case e.link != "":
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, e.link, 0o777
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
