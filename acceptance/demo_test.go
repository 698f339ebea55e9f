package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemo runs the README's first command, the demo, as a user would: it
// builds samples/app with samples/buildpacks through the creator into an
// OCI layout and runs the image with runc (TGT-5, CRE-1, LCH). It needs
// root, as make test does (runc, the creator's privilege drop).
func TestDemo(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("the demo needs root (runc and the creator's privilege drop); run the suite as root, as make test does")
	}
	// The build user must reach the demo's directories.
	dir, err := os.MkdirTemp("", "cnb-demo-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(modRoot, "scripts", "demo.sh"))
	cmd.Env = append(os.Environ(), "DEMO_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{
		"| Hello from an app built by a from-scratch Cloud Native Buildpacks lifecycle!",
		"(greeted by the samples/greeter buildpack, running as uid 1000)",
		"Layer: 'banner', Created by buildpack: samples/banner@0.1.0",
		"web: greet message.txt",
		"GREETER=the samples/greeter buildpack",
		"digest:  sha256:",
	} {
		wantContains(t, "demo output", string(out), want)
	}
	// make build writes the lifecycle's and launcher's SBOMs, which the
	// demo's creator takes into the image (EXP-16).
	if strings.Contains(string(out), "No SBOM files") {
		t.Errorf("demo output warns about missing lifecycle SBOMs:\n%s", out)
	}
}
