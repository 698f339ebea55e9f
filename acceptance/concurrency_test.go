package acceptance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// TestConcurrency_TwoBuildsOneCacheOneTag: two builds of different
// content run at the same time, sharing one cache directory and pushing the
// same tag, three rounds over. Each round both succeed, the tag names one of
// the two complete images they reported, the cache directory's metadata
// names only blobs it has, and the next build restores from it (issue 8 §4;
// CCH-1, CCH-3, EXP-14, EXP-15).
func TestConcurrency_TwoBuildsOneCacheOneTag(t *testing.T) {
	t.Parallel()
	a, cacheDir := newCacheWorkspace(t)
	b, _ := newCacheWorkspace(t)
	if a.appRef != b.appRef {
		t.Fatalf("the two builds push %s and %s, want one tag", a.appRef, b.appRef)
	}
	env := []string{"CNB_PLATFORM_API=0.12"}
	for round := 0; round < 3; round++ {
		digests := make([]string, 2)
		results := make([][]result, 2)
		var wg sync.WaitGroup
		for i, w := range []*exportWorkspace{a, b} {
			w.freshLayers(t)
			w.write(filepath.Join(w.App, "index.txt"), fmt.Sprintf("build %d of round %d\n", i, round))
			wg.Add(1)
			go func() {
				defer wg.Done()
				// The phases of one build in order; the two builds overlap.
				var rs []result
				for _, step := range []func() result{
					func() result {
						return w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env})
					},
					func() result { return w.detect("0.12", nil) },
					func() result {
						return w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-cache-dir", cacheDir}, env: env})
					},
					func() result { return w.build("0.12", nil) },
					func() result {
						return w.run("exporter", runOpts{args: []string{"-layers", w.Layers, "-app", w.App, "-cache-dir", cacheDir,
							"-launcher", filepath.Join(binDir, "launcher"), w.appRef}, env: env})
					},
				} {
					r := step()
					rs = append(rs, r)
					if r.code != 0 {
						break
					}
				}
				results[i] = rs
			}()
		}
		wg.Wait()
		for i, rs := range results {
			last := rs[len(rs)-1]
			if len(rs) != 5 || last.code != 0 {
				t.Fatalf("round %d: build %d failed at step %d with %d:\n%s", round, i, len(rs), last.code, last.output())
			}
			w := []*exportWorkspace{a, b}[i]
			d, _ := anaGet(readTOMLMap(t, filepath.Join(w.Layers, "report.toml")), "image", "digest")
			digests[i], _ = d.(string)
		}
		if digests[0] == "" || digests[0] == digests[1] {
			t.Fatalf("round %d: reported digests %q: want two different images", round, digests)
		}
		tag := testutil.Digest(t, a.appRef).String()
		if tag != digests[0] && tag != digests[1] {
			t.Errorf("round %d: the tag names %s, neither of the images pushed (%v)", round, tag, digests)
		}
		wantComplete(t, a.appRef)
		wantCacheConsistent(t, cacheDir)
	}
	// The cache the races left restores.
	a.freshLayers(t)
	restore, _ := a.cycle(t, cacheDir)
	wantContains(t, "restorer after the races", restore.stdout, "Restoring data for 'example/deps:deps' from cache")
}

// wantCacheConsistent: every blob metadata.json names is in the cache.
func wantCacheConsistent(t *testing.T, dir string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "metadata.json"))
	if err != nil {
		t.Fatalf("cache metadata: %v", err)
	}
	var md struct {
		Buildpacks []struct {
			Layers map[string]struct {
				SHA string `json:"sha"`
			} `json:"layers"`
		} `json:"buildpacks"`
	}
	if err := json.Unmarshal(data, &md); err != nil {
		t.Fatalf("cache metadata is not JSON: %v", err)
	}
	n := 0
	for _, bp := range md.Buildpacks {
		for name, l := range bp.Layers {
			if l.SHA == "" {
				continue
			}
			n++
			alg, hex, _ := cutHash(l.SHA)
			gz := filepath.Join(dir, "blobs", alg+"-"+hex+".tar.gz")
			tar := filepath.Join(dir, "blobs", alg+"-"+hex+".tar")
			if !exists(gz) && !exists(tar) {
				t.Errorf("the cache metadata names layer %s (%s), whose blob is missing", name, l.SHA)
			}
		}
	}
	if n == 0 {
		t.Error("the cache metadata names no layer")
	}
}

func cutHash(s string) (alg, hex string, ok bool) {
	for i := range s {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return "", s, false
}
