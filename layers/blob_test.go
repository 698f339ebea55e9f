package layers

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cnb-lifecycle/lifecycle/archive"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func TestWriteBlob(t *testing.T) {
	src := mustTree(t, time.Now(), tree...)
	blobs := t.TempDir()
	res, path, err := WriteBlob(context.Background(), Spec{Path: src, TarPath: "/layers/bp/layer"}, blobs)
	if err != nil {
		t.Fatalf("WriteBlob() = %v", err)
	}
	if want := filepath.Join(blobs, res.Digest.Hex); path != want {
		t.Errorf("WriteBlob() path = %s, want %s", path, want)
	}
	if entries, _ := os.ReadDir(blobs); len(entries) != 1 {
		t.Errorf("blob dir holds %d entries, want 1 (no temporary files)", len(entries))
	}
	layer := FileLayer(path, res, types.OCILayer)
	if err := validate.Layer(layer); err != nil {
		t.Errorf("validate.Layer(FileLayer(%s)) = %v", path, err)
	}
	if mt, _ := layer.MediaType(); mt != types.OCILayer {
		t.Errorf("MediaType() = %s, want %s", mt, types.OCILayer)
	}

	// A failed write leaves nothing in the blob directory.
	if _, _, err := WriteBlob(context.Background(), Spec{Path: filepath.Join(src, "nope"), TarPath: "/x"}, blobs); err == nil {
		t.Errorf("WriteBlob(missing dir) = nil, want an error")
	}
	if entries, _ := os.ReadDir(blobs); len(entries) != 1 {
		t.Errorf("blob dir holds %d entries after a failed write, want 1", len(entries))
	}
}

// Write, then archive.Extract of the gunzipped layer gives the tree back.
func TestExtractRoundTrip(t *testing.T) {
	src := mustTree(t, time.Now(), append(slices.Clone(tree), node{path: "b/suid", body: "s", mode: 0o4755})...)
	res, path, err := WriteBlob(context.Background(), Spec{Path: src, TarPath: "/layers/bp/layer", UID: os.Getuid(), GID: os.Getgid()}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rc, err := FileLayer(path, res, types.DockerLayer).Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	dest := t.TempDir()
	if err := archive.Extract(context.Background(), rc, dest); err != nil {
		t.Fatalf("Extract() = %v", err)
	}
	got := filepath.Join(dest, "layers/bp/layer")
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		want, _ := os.Lstat(p)
		fi, err := os.Lstat(filepath.Join(got, rel))
		if err != nil {
			t.Errorf("Lstat(%s) = %v", rel, err)
			return nil
		}
		if fi.Mode() != want.Mode() {
			t.Errorf("mode of %s = %v, want %v", rel, fi.Mode(), want.Mode())
		}
		switch {
		case want.Mode()&fs.ModeSymlink != 0:
			a, _ := os.Readlink(p)
			b, _ := os.Readlink(filepath.Join(got, rel))
			if a != b {
				t.Errorf("Readlink(%s) = %q, want %q", rel, b, a)
			}
		case want.Mode().IsRegular():
			a, _ := os.ReadFile(p)
			b, _ := os.ReadFile(filepath.Join(got, rel))
			if string(a) != string(b) {
				t.Errorf("contents of %s = %q, want %q", rel, b, a)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// RPR-5: sockets are skipped, hardlinks are stored as separate files.
func TestWriteSocketsAndHardlinks(t *testing.T) {
	dir := mustTree(t, time.Now(), node{path: "f", body: "data"})
	if err := os.Link(filepath.Join(dir, "f"), filepath.Join(dir, "g")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		t.Skipf("no unix socket: %v", err)
	}
	defer l.Close()
	_, gz := mustWrite(t, Spec{Path: dir, TarPath: "/"}, WithCompressionLevel(gzip.NoCompression))
	entries := mustReadTar(t, gz)
	if got := names(entries); !slices.Equal(got, []string{"f", "g"}) {
		t.Fatalf("names = %q, want [f g]", got)
	}
	for _, e := range entries {
		if e.body != "data" {
			t.Errorf("%s body = %q, want %q", e.hdr.Name, e.body, "data")
		}
	}
}

// TestWriteTar: the uncompressed tar has the diffID Write reports for the
// same spec, and TarFileLayer serves it with Digest == DiffID.
func TestWriteTar(t *testing.T) {
	dir := t.TempDir()
	mustRandomFile(t, filepath.Join(dir, "data"), 3<<20)
	spec := Spec{Path: dir, TarPath: "/layers/bp/layer"}
	want, _ := mustWrite(t, spec)
	path := filepath.Join(t.TempDir(), "layer.tar")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := WriteTar(context.Background(), spec, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.DiffID != want.DiffID || res.Digest != res.DiffID {
		t.Errorf("WriteTar diffID %s digest %s, Write diffID %s", res.DiffID, res.Digest, want.DiffID)
	}
	fi, _ := os.Stat(path)
	if fi.Size() != res.UncompressedSize || res.Size != res.UncompressedSize {
		t.Errorf("tar is %d bytes, result says %d/%d", fi.Size(), res.UncompressedSize, res.Size)
	}
	l := TarFileLayer(path, res)
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		t.Fatal(err)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != res.DiffID.String() {
		t.Errorf("sha256 of TarFileLayer.Uncompressed = %s, want %s", got, res.DiffID)
	}
}
