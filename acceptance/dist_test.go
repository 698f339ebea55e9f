package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestDist: the lifecycle tarball (make dist) has lifecycle.toml with every
// supported API under supported and the version the binaries were built
// with, and lifecycle/<phase> links that run that phase of the multi-call
// binary; run under another name the binary refuses clearly.
func TestDist(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator),
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
