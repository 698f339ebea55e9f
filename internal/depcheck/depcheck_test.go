package depcheck

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/cnb-lifecycle/lifecycle"

// deps lists every package pkg reaches, itself included.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", module+"/"+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func packages(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		pkgs = append(pkgs, strings.TrimPrefix(strings.TrimPrefix(p, module), "/"))
	}
	return pkgs
}

func mustNotReach(t *testing.T, pkg string, forbidden ...string) {
	t.Helper()
	for _, d := range deps(t, pkg) {
		if d == module+"/"+pkg {
			continue
		}
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("%s reaches %s (forbidden: %s)", pkg, d, f)
			}
		}
	}
}

// TestLauncherStaysSmall: the launcher ships in every app image, so the
// binary must not reach image or docker code, nor the phases' front door.
func TestLauncherStaysSmall(t *testing.T) {
	mustNotReach(t, "cmd/launcher",
		"github.com/google/go-containerregistry", "github.com/docker", "github.com/moby",
		module+"/internal/cli", module+"/phase", module+"/platform", module+"/image", module+"/cache")
}

// TestNoLibraryReachesCLI: only cmd/* may import internal/cli.
func TestNoLibraryReachesCLI(t *testing.T) {
	for _, p := range packages(t) {
		if strings.HasPrefix(p, "cmd/") || p == "internal/cli" || strings.HasPrefix(p, "acceptance") {
			continue
		}
		mustNotReach(t, p, module+"/internal/cli")
	}
}

// TestLayering checks the rows of STYLE.md §1 that hold today.
func TestLayering(t *testing.T) {
	mustNotReach(t, "buildpack", module+"/platform", module+"/phase")
	mustNotReach(t, "platform", module+"/phase", module+"/cmd")
	mustNotReach(t, "platform/files", module+"/platform", module+"/buildpack", module+"/phase")
	mustNotReach(t, "launch", module+"/buildpack", module+"/platform")
	// The bottom row imports nothing of ours.
	for _, p := range []string{"api", "env", "log", "priv", "internal/fsutil"} {
		for _, d := range deps(t, p) {
			if strings.HasPrefix(d, module+"/") && d != module+"/"+p {
				t.Errorf("%s reaches %s: the bottom row imports nothing of ours", p, d)
			}
		}
	}
}
