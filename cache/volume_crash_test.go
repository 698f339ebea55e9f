package cache

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestVolumeRecoversFromAKilledExport lays out what an export killed
// between any two steps of its cache write leaves behind (issue 8 §2
// "crash between two steps of a swap"; CCH-1, CCH-4): a staging directory,
// a half-copied blob, a half-written metadata.json.new, blobs no metadata
// names. The next open reads the old metadata, the next staging directory
// removes the dead export's one but not a live export's, and the next
// commit collects the rest.
func TestVolumeRecoversFromAKilledExport(t *testing.T) {
	dir := t.TempDir()
	v, err := OpenVolume(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := hash(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	b := hash(t, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("blob"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := v.Add(src, a); err != nil {
		t.Fatal(err)
	}
	if err := v.Commit(md(a.String())); err != nil {
		t.Fatal(err)
	}

	// A live export (another process: its own open of the directory).
	live, err := OpenVolume(dir)
	if err != nil {
		t.Fatal(err)
	}
	liveStaging, err := live.StagingDir()
	if err != nil {
		t.Fatal(err)
	}
	// What a killed export left: its staging directory (no lock holder),
	// an added blob the old metadata does not name, a temporary copy and
	// a torn metadata.json.new.
	dead := filepath.Join(dir, "staging-killed")
	for _, f := range []string{filepath.Join(dead, "layer-000.tar.gz"), filepath.Join(dir, "blobs", ".add-123")} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Add(src, b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "metadata.json.new"), []byte(`{"buildpacks":[{"id":`), 0o644); err != nil {
		t.Fatal(err)
	}

	next, err := OpenVolume(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, warn := next.Metadata()
	if warn != nil || got.Buildpacks[0].Layers["a"].SHA != a.String() || !next.Has(a) {
		t.Fatalf("after a killed export the cache reads %+v (warning %q), want the previous metadata with its blob", got, warn)
	}
	staging, err := next.StagingDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the killed export's staging directory is still there (%v)", err)
	}
	if _, err := os.Stat(liveStaging); err != nil {
		t.Errorf("a live export's staging directory was removed: %v", err)
	}
	if err := next.Add(src, b); err != nil {
		t.Fatal(err)
	}
	if err := next.Commit(md(b.String())); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "blobs", "*"))
	hidden, _ := filepath.Glob(filepath.Join(dir, "blobs", ".*"))
	if len(left) != 1 || len(hidden) != 0 || !next.Has(b) {
		t.Errorf("blobs after the next commit: %v %v, want only %s", left, hidden, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "metadata.json.new")); !os.IsNotExist(err) {
		t.Errorf("metadata.json.new left after a commit (%v)", err)
	}
	next.Discard(staging)
	live.Discard(liveStaging)
	if _, err := os.Stat(liveStaging); !os.IsNotExist(err) {
		t.Errorf("Discard left %s", liveStaging)
	}
}

// TestVolumeCommitStates checks every state a commit passes through, as a
// kill at that point would leave it: the metadata read is always complete
// and every blob it names is present (CCH-1).
func TestVolumeCommitStates(t *testing.T) {
	a := hash(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	b := hash(t, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
	steps := []struct {
		name string
		do   func(t *testing.T, v *Volume, src string)
	}{
		{"blob added", func(t *testing.T, v *Volume, src string) {
			if err := v.Add(src, b); err != nil {
				t.Fatal(err)
			}
		}},
		{"new metadata written, not renamed", func(t *testing.T, v *Volume, src string) {
			if err := os.WriteFile(v.metadataPath()+".new", []byte(`{"buildpacks":[]}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"metadata renamed, old blob not yet collected", func(t *testing.T, v *Volume, src string) {
			data, err := json.Marshal(md(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(v.metadataPath()+".new", data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(v.metadataPath()+".new", v.metadataPath()); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for n := range steps {
		t.Run(steps[n].name, func(t *testing.T) {
			dir := t.TempDir()
			v, err := OpenVolume(dir)
			if err != nil {
				t.Fatal(err)
			}
			src := filepath.Join(dir, "src")
			if err := os.WriteFile(src, []byte("blob"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := v.Add(src, a); err != nil {
				t.Fatal(err)
			}
			if err := v.Commit(md(a.String())); err != nil {
				t.Fatal(err)
			}
			for _, s := range steps[:n+1] {
				s.do(t, v, src)
			}
			reopened, err := OpenVolume(dir)
			if err != nil {
				t.Fatal(err)
			}
			got, warn := reopened.Metadata()
			if warn != nil || len(shas(got)) != 1 {
				t.Fatalf("metadata after a kill at %q: %+v, warning %q", steps[n].name, got, warn)
			}
			for _, sha := range shas(got) {
				if h := hash(t, sha[len("sha256:"):]); !reopened.Has(h) {
					t.Errorf("metadata names %s, which is not in the cache", sha)
				}
			}
			// The next export commits over whatever was left.
			if err := reopened.Add(src, a); err != nil {
				t.Fatal(err)
			}
			if err := reopened.Commit(md(a.String())); err != nil {
				t.Fatalf("the next commit: %v", err)
			}
		})
	}
}
