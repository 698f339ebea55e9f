package priv

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestEnsureOwnerLeavesReadOnlyMounts: a read-only mount below a directory
// handed to the build user is left as it is (pack mounts the run image's
// layout so inside the layout directory), the rest is chowned.
func TestEnsureOwnerLeavesReadOnlyMounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test mounts a read-only bind mount: run it as root, as make test does")
	}
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	src := filepath.Join(t.TempDir(), "src")
	for _, d := range []string{ro, src} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "blob"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mine"), []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "--bind", src, ro).CombinedOutput(); err != nil {
		t.Fatalf("mount --bind: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", ro).Run() })
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", ro).CombinedOutput(); err != nil {
		t.Fatalf("remount ro: %v\n%s", err, out)
	}
	if err := EnsureOwner(1000, 1000, dir); err != nil {
		t.Fatalf("EnsureOwner = %v, want the read-only mount skipped", err)
	}
	for p, want := range map[string]uint32{filepath.Join(dir, "mine"): 1000, filepath.Join(ro, "blob"): 0} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Sys().(*syscall.Stat_t).Uid; got != want {
			t.Errorf("%s owned by %d, want %d", p, got, want)
		}
	}
}
