package acceptance

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// TestDist: the lifecycle tarball (make dist) has lifecycle.toml with every
// supported API under supported and the version the binaries were built
// with, and lifecycle/<phase> links that run that phase of the multi-call
// binary; run under another name the binary refuses clearly.
func TestDist(t *testing.T) {
	t.Parallel()
	x := makeDist(t)
	var desc struct {
		APIs      map[string]struct{ Deprecated, Supported []string } `toml:"apis"`
		Lifecycle struct{ Version string }                            `toml:"lifecycle"`
	}
	if _, err := toml.DecodeFile(filepath.Join(x, "lifecycle.toml"), &desc); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(desc.APIs["platform"].Supported, ","); got != "0.7,0.8,0.9,0.10,0.11,0.12,0.13,0.14,0.15" {
		t.Errorf("platform supported = %s", got)
	}
	if got := strings.Join(desc.APIs["buildpack"].Supported, ","); got != "0.7,0.8,0.9,0.10,0.11,0.12" {
		t.Errorf("buildpack supported = %s", got)
	}
	if len(desc.APIs["platform"].Deprecated)+len(desc.APIs["buildpack"].Deprecated) != 0 || desc.Lifecycle.Version != "1.2.3" {
		t.Errorf("lifecycle.toml = %+v, want nothing deprecated and version 1.2.3", desc)
	}
	for _, p := range []string{"analyzer", "detector", "restorer", "builder", "exporter", "rebaser", "creator", "launcher"} {
		cmd := exec.Command(filepath.Join(x, "lifecycle", p), "-version")
		cmd.Env = []string{"CNB_PLATFORM_API=0.12"}
		out, err := cmd.CombinedOutput()
		if p == "launcher" {
			continue // the launcher has no -version; it only has to be there
		}
		if err != nil || strings.TrimSpace(string(out)) != "1.2.3" {
			t.Errorf("lifecycle/%s -version = %q, %v; want 1.2.3", p, out, err)
		}
	}
	res, err := exec.Command(filepath.Join(x, "lifecycle", "lifecycle")).CombinedOutput()
	if err == nil || !strings.Contains(string(res), "run as one of analyzer") {
		t.Errorf("lifecycle under its own name = %q, %v; want a clear refusal", res, err)
	}
	if fi, err := os.Stat(filepath.Join(x, "lifecycle", "launcher")); err != nil || fi.Size() > 5<<20 {
		t.Errorf("lifecycle/launcher: %v (size must stay small)", err)
	}
}

// TestEXP16_DistSBOMs: make dist ships lifecycle.sbom.{cdx,spdx}.json and
// launcher.sbom.{cdx,spdx}.json made from the binaries' own build
// information, listing go-containerregistry (lifecycle) and BurntSushi/toml
// (both) at the versions go.mod pins; an exporter given that directory as
// -launcher-sbom puts the launcher's in the app image's SBOM layer and the
// lifecycle's in <layers>/sbom/build (CONFORMANCE EXP-16, SBOM-1).
func TestEXP16_DistSBOMs(t *testing.T) {
	t.Parallel()
	x := makeDist(t)
	modVersion := func(m string) string {
		cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", m)
		cmd.Dir = modRoot
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -m %s: %v", m, err)
		}
		return strings.TrimSpace(string(out))
	}
	ggcr := "github.com/google/go-containerregistry"
	tomlMod := "github.com/BurntSushi/toml"
	ggcrV, tomlV := modVersion(ggcr), modVersion(tomlMod)
	lc := filepath.Join(x, "lifecycle")
	type cdx struct {
		BOMFormat, SpecVersion string
		Metadata               struct {
			Component struct{ Name, Version string }
		}
		Components []struct{ Name, Version, Purl string }
	}
	readCDX := func(what string, data []byte) map[string]string {
		var b cdx
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if b.BOMFormat != "CycloneDX" || b.SpecVersion != "1.5" || b.Metadata.Component.Version != "v1.2.3" {
			t.Errorf("%s: format %q %q, component %+v; want CycloneDX 1.5 of v1.2.3", what, b.BOMFormat, b.SpecVersion, b.Metadata.Component)
		}
		mods := map[string]string{}
		for _, c := range b.Components {
			mods[c.Name] = c.Version
			if want := "pkg:golang/" + c.Name + "@" + c.Version; c.Name != "stdlib" && c.Purl != want {
				t.Errorf("%s: %s purl = %q, want %q", what, c.Name, c.Purl, want)
			}
		}
		return mods
	}
	life := readCDX("lifecycle.sbom.cdx.json", []byte(readFileT(t, filepath.Join(lc, "lifecycle.sbom.cdx.json"))))
	if life[ggcr] != ggcrV || life[tomlMod] != tomlV {
		t.Errorf("lifecycle.sbom.cdx.json lists %s %q and %s %q, want %s and %s", ggcr, life[ggcr], tomlMod, life[tomlMod], ggcrV, tomlV)
	}
	for _, f := range []string{"lifecycle.sbom.spdx.json", "launcher.sbom.spdx.json"} {
		var doc struct {
			SPDXVersion string
			Packages    []struct{ Name, VersionInfo string }
		}
		if err := json.Unmarshal([]byte(readFileT(t, filepath.Join(lc, f))), &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		found := false
		for _, p := range doc.Packages {
			found = found || (p.Name == tomlMod && p.VersionInfo == tomlV)
		}
		if doc.SPDXVersion != "SPDX-2.3" || !found {
			t.Errorf("%s: version %q, %s %s listed: %v", f, doc.SPDXVersion, tomlMod, tomlV, found)
		}
	}

	// The exporter takes them into the image.
	w := newExportWorkspace(t)
	wantCode(t, "exporter", w.buildAndExport(t, "-launcher-sbom", lc), 0)
	buildSBOM := w.readFile(filepath.Join(w.Layers, "sbom", "build", "buildpacksio_lifecycle", "sbom.cdx.json"))
	if readCDX("<layers>/sbom/build lifecycle SBOM", []byte(buildSBOM))[ggcr] != ggcrV {
		t.Errorf("<layers>/sbom/build/buildpacksio_lifecycle/sbom.cdx.json does not list %s %s", ggcr, ggcrV)
	}
	img := testutil.Pull(t, w.appRef)
	cf, _ := img.ConfigFile()
	var lmd struct {
		SBOM struct{ SHA string } `json:"sbom"`
	}
	json.Unmarshal([]byte(cf.Config.Labels["io.buildpacks.lifecycle.metadata"]), &lmd)
	inLayer := map[string][]byte{}
	for name, data := range layerFiles(t, img, lmd.SBOM.SHA) {
		inLayer[strings.TrimPrefix(name, "/")] = data
	}
	want := strings.TrimPrefix(filepath.Join(w.Layers, "sbom", "launch", "buildpacksio_lifecycle", "launcher", "sbom.cdx.json"), "/")
	data, ok := inLayer[want]
	if !ok {
		names := make([]string, 0, len(inLayer))
		for n := range inLayer {
			names = append(names, n)
		}
		t.Fatalf("SBOM layer has no %s: %q", want, names)
	}
	if launcher := readCDX("image's launcher SBOM", data); launcher[tomlMod] != tomlV || launcher[ggcr] != "" {
		t.Errorf("image's launcher SBOM lists %s %q and %s %q; want %s and no %s (the launcher does not link it)",
			tomlMod, launcher[tomlMod], ggcr, launcher[ggcr], tomlV, ggcr)
	}
	if _, ok := inLayer[strings.TrimSuffix(want, "cdx.json")+"spdx.json"]; !ok {
		t.Errorf("SBOM layer has no launcher SPDX SBOM")
	}
}

// makeDist builds the lifecycle and launcher as make build does (version
// 1.2.3), runs scripts/dist on them and returns the directory the lifecycle
// tarball was extracted into.
func makeDist(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-trimpath", "-o", bin+string(filepath.Separator),
		"-ldflags", "-X github.com/cnb-lifecycle/lifecycle/internal/buildinfo.Version=1.2.3", "./cmd/lifecycle", "./cmd/launcher")
	build.Dir = modRoot
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dist := exec.Command("go", "run", "./scripts/dist", "-bin", bin, "-version", "1.2.3", "-out", filepath.Join(dir, "dist"))
	dist.Dir = modRoot
	if out, err := dist.CombinedOutput(); err != nil {
		t.Fatalf("dist: %v\n%s", err, out)
	}
	tgz, _ := filepath.Glob(filepath.Join(dir, "dist", "lifecycle-v1.2.3+linux.*.tgz"))
	if len(tgz) != 1 {
		t.Fatalf("no lifecycle tarball in %s", filepath.Join(dir, "dist"))
	}
	x := filepath.Join(dir, "x")
	os.MkdirAll(x, 0o755)
	if out, err := exec.Command("tar", "-xzf", tgz[0], "-C", x).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	return x
}

func readFileT(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
