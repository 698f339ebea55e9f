package acceptance

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// runKilled starts bin like run and SIGKILLs it once kill reports true
// (polled every millisecond); it returns the result and whether the kill
// came before the binary exited on its own.
func (w *workspace) runKilled(bin string, o runOpts, kill func(started time.Time) bool) (result, bool) {
	w.t.Helper()
	cmd, stdout, stderr := w.command(bin, o)
	started := time.Now()
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	killed := false
	var err error
	// The kill condition is polled until the binary exits; a generous
	// bound stops a hung binary.
	deadline := time.After(5 * time.Minute)
wait:
	for {
		select {
		case err = <-exited:
			break wait
		case <-deadline:
			_ = cmd.Process.Kill()
			err = <-exited
			w.t.Fatalf("%s did not finish within 5 minutes\n%s%s", bin, stdout.String(), stderr.String())
		case <-time.After(time.Millisecond):
			if !killed && kill(started) {
				killed = cmd.Process.Signal(syscall.SIGKILL) == nil
			}
		}
	}
	r := w.outcome(bin, err, stdout, stderr)
	return r, killed && r.code != 0
}

// TestCrash_CacheSurvivesSIGKILL kills the exporter with SIGKILL at many
// points of its run (at sixteenths of the length of an export, and at the
// moments its cache directory shows a staging directory, a layer in it, a
// new blob, a new metadata file);
// after each kill a whole build runs on the same cache directory: the
// restorer and exporter succeed, and the layer the cache gives back is
// either the right one or not restored at all, never wrong (issue 8 §2
// "cache updates are atomic"; CCH-1, CCH-3, CCH-4, CCH-6, RES-5, RES-6).
// The last build's cache is restored intact, and no staging directory of
// a killed export is left.
func TestCrash_CacheSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	w := newBulkWorkspace(t, "16384", "cache", "build")
	cacheDir := filepath.Join(w.Root, "cache")
	w.mkdir(cacheDir)
	w.cycle(t, cacheDir)
	env := []string{"CNB_PLATFORM_API=0.12"}
	exportArgs := []string{"-layers", w.Layers, "-app", w.App, "-cache-dir", cacheDir,
		"-launcher", filepath.Join(binDir, "launcher"), w.appRef}

	appears := func(glob string) func(time.Time) bool {
		before, _ := filepath.Glob(filepath.Join(cacheDir, glob))
		seen := map[string]bool{}
		for _, b := range before {
			seen[b] = true
		}
		return func(time.Time) bool {
			now, _ := filepath.Glob(filepath.Join(cacheDir, glob))
			for _, n := range now {
				if !seen[n] {
					return true
				}
			}
			return false
		}
	}
	metadataChanged := func() func(time.Time) bool {
		fi, _ := os.Stat(filepath.Join(cacheDir, "metadata.json"))
		return func(time.Time) bool {
			now, err := os.Stat(filepath.Join(cacheDir, "metadata.json"))
			return err == nil && fi != nil && !os.SameFile(fi, now)
		}
	}
	type point struct {
		name string
		kill func() func(time.Time) bool
	}
	// The kill points spread over the length of an export left to run,
	// so that they cover it whatever the machine's speed.
	w.freshLayers(t)
	wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env}), 0)
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	wantCode(t, "builder", w.build("0.12", nil), 0)
	start := time.Now()
	res, _ := w.runKilled("exporter", runOpts{args: exportArgs, env: env}, func(time.Time) bool { return false })
	wantCode(t, "timed exporter", res, 0)
	length := time.Since(start)
	const spread = 16
	var points []point
	for i := 0; i < spread; i++ {
		d := length * time.Duration(i) / spread
		points = append(points, point{fmt.Sprintf("%d/%d of an export", i, spread), func() func(time.Time) bool {
			return func(started time.Time) bool { return time.Since(started) >= d }
		}})
	}
	points = append(points,
		point{"staging directory made", func() func(time.Time) bool { return appears("staging-*") }},
		point{"a layer written in staging", func() func(time.Time) bool { return appears("staging-*/*") }},
		point{"new blob in the cache", func() func(time.Time) bool { return appears("blobs/sha256-*") }},
		point{"metadata.json replaced", metadataChanged},
	)

	kills := 0
	for _, p := range points {
		// A build up to the export, on what the previous kill left.
		w.freshLayers(t)
		wantCode(t, "analyzer", w.run("analyzer", runOpts{args: []string{"-layers", w.Layers, "-run-image", w.runRef, w.appRef}, env: env}), 0)
		wantCode(t, "detector", w.detect("0.12", nil), 0)
		restore := w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-cache-dir", cacheDir}, env: env})
		wantCode(t, "restorer after a killed export ("+p.name+")", restore, 0)
		wantCode(t, "builder", w.build("0.12", nil), 0)
		if got := w.bulkFound(t); got == "bad" {
			t.Fatalf("after a kill at %q the restorer gave back wrong layer contents\n%s%s", p.name, restore.stdout, restore.stderr)
		}
		res, killed := w.runKilled("exporter", runOpts{args: exportArgs, env: env}, p.kill())
		switch {
		case killed:
			kills++
		case res.code != 0:
			t.Fatalf("exporter (not killed, %s) exit %d\n%s%s", p.name, res.code, res.stdout, res.stderr)
		default:
			t.Logf("the exporter finished before the kill point %q", p.name)
		}
	}
	// How many kills landed depends on the machine; the first point is
	// always before the end.
	t.Logf("%d of %d exports killed (an export took %s)", kills, len(points), length)
	if kills == 0 {
		t.Error("no export was killed")
	}
	// An export that runs to the end, then a build that must get the
	// layer back intact.
	w.freshLayers(t)
	w.cycle(t, cacheDir)
	w.wantRestored(t, cacheDir)
	if left, _ := filepath.Glob(filepath.Join(cacheDir, "staging-*")); len(left) > 0 {
		t.Errorf("staging directories of killed exports left: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(cacheDir, "blobs", ".add-*")); len(left) > 0 {
		t.Errorf("temporary blob copies left: %v", left)
	}
}
