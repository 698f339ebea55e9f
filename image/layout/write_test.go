package layout

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// mustWrite writes img at p and checks the digest Write returns.
func mustWrite(t *testing.T, p string, img v1.Image, refName string) v1.Hash {
	t.Helper()
	got, err := Write(context.Background(), p, img, refName)
	if err != nil {
		t.Fatalf("Write(%s): %v", p, err)
	}
	if want, err := img.Digest(); err != nil || got != want {
		t.Fatalf("Write(%s) = %v, want %v (%v)", p, got, want, err)
	}
	return got
}

func mustRead(t *testing.T, p string) (v1.Image, v1.Hash) {
	t.Helper()
	img, h, err := Read(p, v1.Hash{})
	if err != nil {
		t.Fatalf("Read(%s): %v", p, err)
	}
	return img, h
}

// TestRoundTrip writes images of both media type families and reads them
// back: same manifest, config and layers (TGT-7, TGT-8).
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		img  func(t *testing.T) v1.Image
		mt   types.MediaType
	}{
		{"busybox docker", func(t *testing.T) v1.Image { return testutil.BusyboxImage(t, testutil.WithRandomLayers(2, 4096)) }, types.DockerManifestSchema2},
		{"busybox oci", func(t *testing.T) v1.Image {
			return testutil.BusyboxImage(t, testutil.WithOCIMediaTypes(), testutil.WithRandomLayers(1, 4096))
		}, types.OCIManifestSchema1},
		{"random", func(t *testing.T) v1.Image { return testutil.RandomImage(t, 3, 1024) }, types.DockerManifestSchema2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := tc.img(t)
			p := filepath.Join(t.TempDir(), "layout", "127.0.0.1:5000", "app", "latest")
			digest := mustWrite(t, p, img, "latest")

			got, gotDigest := mustRead(t, p)
			if gotDigest != digest {
				t.Errorf("Read(%s) digest = %v, want %v", p, gotDigest, digest)
			}
			if err := validate.Image(got); err != nil {
				t.Errorf("validate.Image(Read(%s)): %v", p, err)
			}
			if mt, _ := got.MediaType(); mt != tc.mt {
				t.Errorf("MediaType() = %s, want %s", mt, tc.mt)
			}
			wantManifest, _ := img.RawManifest()
			if gotManifest, _ := got.RawManifest(); !bytes.Equal(gotManifest, wantManifest) {
				t.Errorf("RawManifest() differs:\n%s\nwant\n%s", gotManifest, wantManifest)
			}
			wantConfig, _ := img.RawConfigFile()
			if gotConfig, _ := got.RawConfigFile(); !bytes.Equal(gotConfig, wantConfig) {
				t.Errorf("RawConfigFile() differs")
			}
			wantLayers, _ := img.Layers()
			gotLayers, _ := got.Layers()
			if len(gotLayers) != len(wantLayers) {
				t.Fatalf("Layers() has %d layers, want %d", len(gotLayers), len(wantLayers))
			}
			for i, gl := range gotLayers {
				wl := wantLayers[i]
				gd, _ := gl.Digest()
				wd, _ := wl.Digest()
				gdiff, _ := gl.DiffID()
				wdiff, _ := wl.DiffID()
				if gd != wd || gdiff != wdiff {
					t.Errorf("layer %d = %v (diffID %v), want %v (%v)", i, gd, gdiff, wd, wdiff)
				}
				if !bytes.Equal(readAll(t, gl.Compressed), readAll(t, wl.Compressed)) {
					t.Errorf("layer %d: compressed contents differ", i)
				}
				if !bytes.Equal(readAll(t, gl.Uncompressed), readAll(t, wl.Uncompressed)) {
					t.Errorf("layer %d: uncompressed contents differ", i)
				}
				bf, ok := gl.(blobFile)
				if !ok || bf.BlobPath() != filepath.Join(p, "blobs", "sha256", gd.Hex) {
					t.Errorf("layer %d: no BlobPath into the layout (%T)", i, gl)
				}
			}

			// index.json: one manifest, annotated with the ref name (TGT-7).
			var idx v1.IndexManifest
			raw, err := os.ReadFile(filepath.Join(p, "index.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &idx); err != nil {
				t.Fatal(err)
			}
			if len(idx.Manifests) != 1 || idx.Manifests[0].Digest != digest || idx.Manifests[0].MediaType != tc.mt ||
				idx.Manifests[0].Annotations[AnnotationRefName] != "latest" {
				t.Errorf("index.json = %s", raw)
			}
			if got := entries(t, filepath.Dir(p)); !slices.Equal(got, []string{"latest"}) {
				t.Errorf("parent holds %v, want only latest", got)
			}
			checkModes(t, p)
		})
	}
}

// checkModes: directories 0755, files 0644.
func checkModes(t *testing.T, p string) {
	t.Helper()
	for rel, e := range tree(t, p) {
		mode, _, _ := strings.Cut(e, " ")
		want := "-rw-r--r--"
		if strings.HasPrefix(mode, "d") {
			want = "drwxr-xr-x"
		}
		if mode != want {
			t.Errorf("%s has mode %s, want %s", rel, mode, want)
		}
	}
}

// TestWriteLinksBlobFiles: a layer with a BlobPath is linked, not copied;
// one without is streamed. Both give the same layout.
func TestWriteLinksBlobFiles(t *testing.T) {
	dir := t.TempDir()
	fl := newFileLayer(t, dir, bytes.Repeat([]byte("layer"), 1000))
	if err := os.Chmod(fl.path, 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), fl)
	if err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(dir, "linked")
	mustWrite(t, linked, img, "linked")
	blob := filepath.Join(linked, "blobs", "sha256", fl.digest.Hex)
	srcIno, _ := inode(t, fl.path)
	if ino, nlink := inode(t, blob); ino != srcIno || nlink != 2 {
		t.Errorf("blob %s: inode %d, %d links; want the layer file's (%d), 2 links", blob, ino, nlink, srcIno)
	}
	checkModes(t, linked)

	img2, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), streamed{fl})
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(dir, "copied")
	mustWrite(t, copied, img2, "linked")
	if ino, nlink := inode(t, filepath.Join(copied, "blobs", "sha256", fl.digest.Hex)); ino == srcIno || nlink != 1 {
		t.Errorf("streamed blob shares the layer file's inode %d (%d links)", ino, nlink)
	}
	if a, b := tree(t, linked), tree(t, copied); !mapsEqual(a, b) {
		t.Errorf("linked and streamed layouts differ:\n%v\n%v", a, b)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestWriteReusesBlobs: an image built on one read from the same path is
// written over it with its blobs linked, not rewritten, and the old
// layout's other blobs are gone.
func TestWriteReusesBlobs(t *testing.T) {
	p := filepath.Join(t.TempDir(), "index.docker.io", "library", "app", "latest")
	a := testutil.BusyboxImage(t, testutil.WithRandomLayers(2, 2048))
	da := mustWrite(t, p, a, "latest")

	readA, _ := mustRead(t, p)
	m, _ := readA.Manifest()
	inodes := map[v1.Hash]uint64{}
	for _, d := range m.Layers {
		inodes[d.Digest], _ = inode(t, filepath.Join(p, "blobs", "sha256", d.Digest.Hex))
	}

	extra, err := random.Layer(1024, types.DockerLayer)
	if err != nil {
		t.Fatal(err)
	}
	b, err := mutate.Append(readA, mutate.Addendum{Layer: extra, History: v1.History{CreatedBy: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	db := mustWrite(t, p, b, "latest")

	gotB, got := mustRead(t, p)
	if got != db {
		t.Errorf("Read(%s) = %v, want %v", p, got, db)
	}
	if err := validate.Image(gotB); err != nil {
		t.Errorf("validate.Image: %v", err)
	}
	for h, ino := range inodes {
		gotIno, nlink := inode(t, filepath.Join(p, "blobs", "sha256", h.Hex))
		if gotIno != ino || nlink != 1 {
			t.Errorf("blob %s: inode %d with %d links, want inode %d with 1 link (the old layout removed)", h, gotIno, nlink, ino)
		}
	}
	cfgA, _ := readA.ConfigName()
	for _, h := range []v1.Hash{da, cfgA} {
		if _, err := os.Stat(filepath.Join(p, "blobs", "sha256", h.Hex)); !os.IsNotExist(err) {
			t.Errorf("blob %s of the old image remains (%v)", h, err)
		}
	}
	mb, _ := gotB.Manifest()
	if n := len(entries(t, filepath.Join(p, "blobs", "sha256"))); n != len(mb.Layers)+2 {
		t.Errorf("the layout holds %d blobs, want %d", n, len(mb.Layers)+2)
	}
	if got := entries(t, filepath.Dir(p)); !slices.Equal(got, []string{"latest"}) {
		t.Errorf("parent holds %v, want only latest", got)
	}
}

// TestWriteSharedLayers: a layer that appears twice is written once.
func TestWriteSharedLayers(t *testing.T) {
	l, err := random.Layer(512, types.DockerLayer)
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l, l)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "x")
	mustWrite(t, p, img, "x")
	if n := len(entries(t, filepath.Join(p, "blobs", "sha256"))); n != 3 {
		t.Errorf("the layout holds %d blobs, want 3", n)
	}
	got, _ := mustRead(t, p)
	if err := validate.Image(got); err != nil {
		t.Errorf("validate.Image: %v", err)
	}
}

// TestWriteFailureKeepsPrevious: a failed write leaves the previous layout
// byte for byte and no temporary directory.
func TestWriteFailureKeepsPrevious(t *testing.T) {
	parent := t.TempDir()
	p := filepath.Join(parent, "app")
	prev := testutil.BusyboxImage(t)
	mustWrite(t, p, prev, "app")
	before := tree(t, p)

	big, err := random.Layer(1<<20, types.DockerLayer)
	if err != nil {
		t.Fatal(err)
	}
	readPrev, _ := mustRead(t, p)
	for _, tc := range []struct {
		name  string
		layer v1.Layer
		ctx   func() context.Context
	}{
		{"compressed fails midway", failing{big, 4096}, context.Background},
		{"digest mismatch", lying{big}, context.Background},
		{"cancelled", big, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := mutate.AppendLayers(readPrev, tc.layer)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Write(tc.ctx(), p, img, "app"); err == nil {
				t.Fatalf("Write(%s) succeeded, want an error", p)
			} else if !strings.Contains(err.Error(), p) {
				t.Errorf("Write(%s) = %v, does not name the path", p, err)
			}
			if after := tree(t, p); !mapsEqual(before, after) {
				t.Errorf("the previous layout changed:\n%v\n%v", before, after)
			}
			if got := entries(t, parent); !slices.Equal(got, []string{"app"}) {
				t.Errorf("parent holds %v, want only app", got)
			}
		})
	}
	if got, _ := mustRead(t, p); validate.Image(got) != nil {
		t.Errorf("the previous image is no longer valid")
	}
}

// TestWriteNew creates the parent directories.
func TestWriteNew(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "b", "c", "latest")
	mustWrite(t, p, testutil.RandomImage(t, 1, 10), "latest")
	for d := filepath.Dir(p); d != filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(p)))); d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("%s: %v", d, err)
		}
	}
}

// TestWriteRefusesNonLayout: Write replaces only layouts and empty
// directories.
func TestWriteRefusesNonLayout(t *testing.T) {
	dir := t.TempDir()
	img := testutil.RandomImage(t, 1, 10)

	notLayout := filepath.Join(dir, "home")
	mkdir(t, notLayout)
	write(t, filepath.Join(notLayout, "precious"), "x")
	file := filepath.Join(dir, "file")
	write(t, file, "x")
	link := filepath.Join(dir, "link")
	if err := os.Symlink(notLayout, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{notLayout, file, link} {
		if _, err := Write(context.Background(), p, img, "x"); err == nil {
			t.Errorf("Write(%s) succeeded, want an error", p)
		}
	}
	if got := tree(t, notLayout); len(got) != 2 {
		t.Errorf("%s changed: %v", notLayout, got)
	}

	empty := filepath.Join(dir, "empty")
	mkdir(t, empty)
	mustWrite(t, empty, img, "x")
	// A layout without index.json (an interrupted copy) may be replaced.
	partial := filepath.Join(dir, "partial")
	copyDir(t, empty, partial)
	if err := os.Remove(filepath.Join(partial, "index.json")); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, partial, img, "x")
	if got := entries(t, dir); !slices.Equal(got, []string{"empty", "file", "home", "link", "partial"}) {
		t.Errorf("%s holds %v", dir, got)
	}
}

// TestSwapByRename covers the two-rename swap used where the file system
// cannot exchange names.
func TestSwapByRename(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "app")
	for i, content := range []string{"first", "second"} {
		n := filepath.Join(dir, "new")
		mkdir(t, n)
		write(t, filepath.Join(n, "index.json"), content)
		old, err := swapByRename(n, p)
		if err != nil {
			t.Fatalf("swapByRename #%d: %v", i, err)
		}
		if (old == "") != (i == 0) {
			t.Errorf("swapByRename #%d = %q", i, old)
		}
		if old != "" {
			if got, _ := os.ReadFile(filepath.Join(old, "layout", "index.json")); string(got) != "first" {
				t.Errorf("the previous layout aside holds %q", got)
			}
			if err := os.RemoveAll(old); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := os.ReadFile(filepath.Join(p, "index.json")); string(got) != content {
			t.Errorf("after swap #%d, index.json = %q, want %q", i, got, content)
		}
	}
	if got := entries(t, dir); !slices.Equal(got, []string{"app"}) {
		t.Errorf("%s holds %v", dir, got)
	}
}

// TestWriteCopiesAcrossFileSystems: a blob file on another file system
// (tmpfs /dev/shm) cannot be linked and is copied, and checked.
func TestWriteCopiesAcrossFileSystems(t *testing.T) {
	shm, err := os.MkdirTemp("/dev/shm", "layout-test-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	fl := newFileLayer(t, shm, bytes.Repeat([]byte("x"), 10000))
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), fl)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "app")
	mustWrite(t, p, img, "app")
	blob := filepath.Join(p, "blobs", "sha256", fl.digest.Hex)
	if got, err := os.ReadFile(blob); err != nil || len(got) != 10000 {
		t.Errorf("blob %s: %d bytes, %v", blob, len(got), err)
	}
	if _, nlink := inode(t, fl.path); nlink != 1 {
		t.Errorf("the layer file has %d links, want 1 (it is on another file system)", nlink)
	}
	checkModes(t, p)

	// A file that is not the blob it claims to be is caught while copying.
	write(t, fl.path, strings.Repeat("y", 10000))
	if _, err := Write(context.Background(), p, img, "app"); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Errorf("Write with a wrong blob file = %v, want a digest error", err)
	}
}
