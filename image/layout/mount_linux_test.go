package layout

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestWriteIntoMountPoint: a layout directory that is a mount point (pack
// mounts the output layout so) cannot be renamed; Write fills it in place,
// replacing index.json last and dropping the blobs only the previous image
// used.
func TestWriteIntoMountPoint(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test makes a bind mount: run it as root, as make test does")
	}
	src := t.TempDir()
	path := filepath.Join(t.TempDir(), "app", "latest")
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "--bind", src, path).CombinedOutput(); err != nil {
		t.Fatalf("mount --bind: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", path).Run() })
	if !isMountPoint(path) {
		t.Fatalf("isMountPoint(%s) = false for a bind mount", path)
	}
	a := testutil.BusyboxImage(t, testutil.WithRandomLayers(1, 2048))
	b := testutil.BusyboxImage(t, testutil.WithRandomLayers(1, 4096))
	for _, img := range []v1.Image{a, b} {
		want, _ := img.Digest()
		got, err := Write(context.Background(), path, img, "latest")
		if err != nil {
			t.Fatalf("Write into a mount point = %v", err)
		}
		if got != want {
			t.Errorf("Write = %s, want %s", got, want)
		}
		read, d, err := Read(path, v1.Hash{})
		if err != nil || d != want {
			t.Fatalf("Read = %s, %v; want %s", d, err, want)
		}
		if _, err := read.ConfigFile(); err != nil {
			t.Fatal(err)
		}
	}
	aLayers, _ := a.Layers()
	onlyA, _ := aLayers[len(aLayers)-1].Digest()
	if _, err := os.Stat(blobPath(path, onlyA)); !os.IsNotExist(err) {
		t.Errorf("blob %s of the previous image is still there (%v)", onlyA, err)
	}
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		if e.Name() != "blobs" && e.Name() != indexFile && e.Name() != markerFile {
			t.Errorf("stray %s left in the layout", e.Name())
		}
	}
}
