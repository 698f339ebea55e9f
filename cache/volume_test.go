package cache

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/platform/files"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func hash(t *testing.T, hex string) v1.Hash {
	t.Helper()
	h, err := v1.NewHash("sha256:" + hex)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func md(shas ...string) Metadata {
	layers := map[string]files.BuildpackLayerMetadata{}
	for i, s := range shas {
		layers[string(rune('a'+i))] = files.BuildpackLayerMetadata{SHA: s, Cache: true}
	}
	return Metadata{Buildpacks: []files.BuildpackLayersMetadata{{ID: "bp", Version: "1", Layers: layers}}}
}

// TestVolumeCommit covers CCH-1 (atomic commit, old entries kept until the
// new metadata is in place, unreferenced blobs removed after) and CCH-4.
func TestVolumeCommit(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenVolume(filepath.Join(dir, "missing")); err == nil {
		t.Error("OpenVolume(missing) succeeded, want an error (CCH-1: the directory must exist)")
	}
	v, err := OpenVolume(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, warn := v.Metadata(); len(got.Buildpacks) != 0 || warn != nil {
		t.Errorf("Metadata() of an empty cache = %+v, %q", got, warn)
	}
	a, b := hash(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), hash(t, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
	src := filepath.Join(dir, "src")
	os.WriteFile(src, []byte("blob"), 0o644)
	if err := v.Add(src, a); err != nil {
		t.Fatal(err)
	}
	if err := v.Commit(md(a.String())); err != nil {
		t.Fatal(err)
	}
	// A commit naming a blob that is not there fails and keeps the old state.
	if err := v.Commit(md(b.String())); err == nil {
		t.Fatal("Commit(missing blob) succeeded")
	}
	if got, _ := v.Metadata(); got.Buildpacks[0].Layers["a"].SHA != a.String() || !v.Has(a) {
		t.Errorf("failed commit damaged the cache: %+v", got)
	}
	if err := v.Add(src, b); err != nil {
		t.Fatal(err)
	}
	if err := v.Commit(md(b.String())); err != nil {
		t.Fatal(err)
	}
	if v.Has(a) || !v.Has(b) {
		t.Errorf("after commit: has a = %v, has b = %v, want false, true", v.Has(a), v.Has(b))
	}
	os.WriteFile(filepath.Join(dir, "metadata.json"), []byte("{not json"), 0o644)
	if got, warn := v.Metadata(); len(got.Buildpacks) != 0 || warn == nil {
		t.Errorf("Metadata() of corrupt metadata = %+v, %q, want empty with a warning (CCH-4)", got, warn)
	}
}

// TestVolumeUncompressedEntries: a layer added from a ".tar" file is stored
// uncompressed and read back as it is, beside gzipped entries, and is kept
// or collected by Commit like them (CCH-1, CCH-5).
func TestVolumeUncompressedEntries(t *testing.T) {
	dir := t.TempDir()
	v, err := OpenVolume(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, b := hash(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), hash(t, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
	tarFile := filepath.Join(dir, "layer.tar")
	os.WriteFile(tarFile, []byte("plain tar bytes"), 0o644)
	if err := v.Add(tarFile, a); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(v.TarPath(a)); err != nil || !v.Has(a) {
		t.Fatalf("uncompressed entry not stored at %s: %v", v.TarPath(a), err)
	}
	rc, err := v.Uncompressed(a)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "plain tar bytes" {
		t.Errorf("Uncompressed = %q", got)
	}
	if err := v.Commit(md(a.String())); err != nil {
		t.Fatal(err)
	}
	if !v.Has(a) {
		t.Error("Commit collected the uncompressed entry it names")
	}
	if err := v.Add(tarFile, b); err != nil {
		t.Fatal(err)
	}
	if err := v.Commit(md(b.String())); err != nil {
		t.Fatal(err)
	}
	if v.Has(a) {
		t.Error("Commit kept an uncompressed entry it does not name")
	}
	if err := v.Remove(b); err != nil || v.Has(b) {
		t.Errorf("Remove = %v, has = %v", err, v.Has(b))
	}
}

// TestVolumeLockSerialisesBuilds: builds sharing a cache directory add
// their blobs and commit under the exclusive lock while readers hold the
// shared one: a reader always finds every blob the metadata it read names
// (issue 8 §4).
func TestVolumeLockSerialisesBuilds(t *testing.T) {
	dir := t.TempDir()
	v, err := OpenVolume(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "src")
	os.WriteFile(src, []byte("blob"), 0o644)
	done := make(chan error)
	const builds = 8
	for i := range builds {
		go func(i int) {
			var err error
			for round := range 20 {
				h := hash(t, fmt.Sprintf("%02x%02x%060d", i, round, 0))
				unlock, lerr := v.Lock(true)
				if lerr != nil {
					err = lerr
					break
				}
				if err = v.Add(src, h); err == nil {
					err = v.Commit(md(h.String()))
				}
				unlock()
				if err != nil {
					break
				}
			}
			done <- err
		}(i)
	}
	readerErr := make(chan error)
	go func() {
		for range 200 {
			unlock, err := v.Lock(false)
			if err != nil {
				readerErr <- err
				return
			}
			got, _ := v.Metadata()
			for _, sha := range shas(got) {
				h, _ := v1.NewHash(sha)
				if !v.Has(h) {
					unlock()
					readerErr <- fmt.Errorf("metadata names %s, which is not in the cache", sha)
					return
				}
			}
			unlock()
		}
		readerErr <- nil
	}()
	for range builds {
		if err := <-done; err != nil {
			t.Errorf("build: %v", err)
		}
	}
	if err := <-readerErr; err != nil {
		t.Error(err)
	}
}
