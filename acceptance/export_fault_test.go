package acceptance

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// TestEXP_FailedPushLosesNothing: when blob uploads fail mid-export the
// exporter exits 62, the tag still names the previous image, and the
// committed volume cache is untouched (issue 5 "Nothing lost"; CCH-1).
func TestEXP_FailedPushLosesNothing(t *testing.T) {
	t.Parallel()
	w, cacheDir := newCacheWorkspace(t)
	var failing atomic.Bool
	proxy := anaProxy(t, sharedRegistry(t).Host(), func(r *http.Request) (int, string) {
		if failing.Load() && strings.Contains(r.URL.Path, "/blobs/uploads") {
			return http.StatusInternalServerError, "BLOB_UPLOAD_UNKNOWN"
		}
		return 0, ""
	})
	repo := registryRepo(t, "app") + ":latest"
	w.appRef = proxy + "/" + repo
	w.cycle(t, cacheDir)
	before := testutil.Digest(t, sharedRegistry(t).Ref(repo))
	cacheBefore, err := os.ReadFile(filepath.Join(cacheDir, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}

	w.write(filepath.Join(w.App, "index.txt"), "a change that needs an upload\n")
	failing.Store(true)
	env := []string{"CNB_PLATFORM_API=0.12"}
	wantCode(t, "builder", w.build("0.12", nil), 0)
	res := w.run("exporter", runOpts{args: []string{"-layers", w.Layers, "-app", w.App, "-cache-dir", cacheDir,
		"-launcher", filepath.Join(binDir, "launcher"), w.appRef}, env: env})
	wantCode(t, "exporter with failing uploads", res, 62)
	wantContains(t, "exporter stderr", res.stderr, "ERROR: ")
	if after := testutil.Digest(t, sharedRegistry(t).Ref(repo)); after != before {
		t.Errorf("tag moved to %s after a failed export, want %s", after, before)
	}
	cacheAfter, err := os.ReadFile(filepath.Join(cacheDir, "metadata.json"))
	if err != nil || string(cacheAfter) != string(cacheBefore) {
		t.Errorf("cache metadata changed by a failed export (err %v)", err)
	}
	blobs, _ := filepath.Glob(filepath.Join(cacheDir, "blobs", "*"))
	if len(blobs) == 0 {
		t.Error("the cache lost its blobs")
	}
}
