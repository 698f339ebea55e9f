package layout

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestReadDigest picks a manifest by digest, and by ref name among several.
func TestReadDigest(t *testing.T) {
	dir := t.TempDir()
	a, b := testutil.RandomImage(t, 1, 100), testutil.RandomImage(t, 1, 100)
	pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	da, db := mustWrite(t, pa, a, "a"), mustWrite(t, pb, b, "b")

	if _, got, err := Read(pa, da); err != nil || got != da {
		t.Errorf("Read(a, %v) = %v, %v", da, got, err)
	}
	if _, _, err := Read(pa, db); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Read(a, %v) = %v, want ErrNotFound", db, err)
	}

	// A layout "b" whose index.json has a's manifest first and b's second:
	// the ref name "b" picks the second, a digest either.
	for _, blob := range entries(t, filepath.Join(pa, "blobs", "sha256")) {
		if err := os.Link(filepath.Join(pa, "blobs", "sha256", blob), filepath.Join(pb, "blobs", "sha256", blob)); err != nil {
			t.Fatal(err)
		}
	}
	var ia, ib v1.IndexManifest
	readJSON(t, filepath.Join(pa, "index.json"), &ia)
	readJSON(t, filepath.Join(pb, "index.json"), &ib)
	ib.Manifests = append(ia.Manifests, ib.Manifests...)
	writeJSON(t, filepath.Join(pb, "index.json"), ib)
	if _, got, err := Read(pb, v1.Hash{}); err != nil || got != db {
		t.Errorf("Read(b) = %v, %v; want %v", got, err, db)
	}
	if _, got, err := Read(pb, da); err != nil || got != da {
		t.Errorf("Read(b, %v) = %v, %v", da, got, err)
	}
	// Without a matching ref name, the first.
	pc := filepath.Join(dir, "c")
	if err := os.Rename(pb, pc); err != nil {
		t.Fatal(err)
	}
	if _, got, err := Read(pc, v1.Hash{}); err != nil || got != da {
		t.Errorf("Read(c) = %v, %v; want %v", got, err, da)
	}
}

func readJSON(t *testing.T, p string, v any) {
	t.Helper()
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, p string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadErrors: a missing layout is ErrNotFound (ANA-4), a corrupt one a
// plain error naming the path (ANA-8 lets the analyzer treat it as absent).
func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	mustWrite(t, good, testutil.RandomImage(t, 1, 100), "good")
	_, digest := mustRead(t, good)

	for _, tc := range []struct {
		name     string
		setup    func(p string)
		notFound bool
	}{
		{"missing directory", func(string) {}, true},
		{"missing index.json", func(p string) { mkdir(t, p) }, true},
		{"empty index", func(p string) {
			mkdir(t, p)
			write(t, filepath.Join(p, "index.json"), `{"schemaVersion":2,"manifests":[]}`)
		}, true},
		{"corrupt index.json", func(p string) { mkdir(t, p); write(t, filepath.Join(p, "index.json"), `{"schemaVersion":`) }, false},
		{"missing manifest blob", func(p string) {
			copyDir(t, good, p)
			if err := os.Remove(filepath.Join(p, "blobs", "sha256", digest.Hex)); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"corrupt manifest blob", func(p string) {
			copyDir(t, good, p)
			write(t, filepath.Join(p, "blobs", "sha256", digest.Hex), `{"schemaVersion": 2}`)
		}, false},
		{"nested index only", func(p string) {
			mkdir(t, p)
			write(t, filepath.Join(p, "index.json"), `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:`+hexA+`","size":1}]}`)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			tc.setup(p)
			img, _, err := Read(p, v1.Hash{})
			if err == nil {
				t.Fatalf("Read(%s) = %v, want an error", p, img)
			}
			if errors.Is(err, image.ErrNotFound) != tc.notFound {
				t.Errorf("Read(%s) = %v; ErrNotFound %v, want %v", p, err, !tc.notFound, tc.notFound)
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("Read(%s) = %v, does not name the path", p, err)
			}
		})
	}

	t.Run("corrupt config is an error on use", func(t *testing.T) {
		p := filepath.Join(dir, "bad-config")
		copyDir(t, good, p)
		img, _ := mustRead(t, p)
		cfg, _ := img.ConfigName()
		write(t, filepath.Join(p, "blobs", "sha256", cfg.Hex), `{}`)
		img, _ = mustRead(t, p)
		if _, err := img.ConfigFile(); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("ConfigFile() = %v, want an error naming %s", err, p)
		}
	})
}
