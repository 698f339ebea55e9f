package phase

import (
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/pkg/errors"
)

// appSlices assigns every path of the app directory to the first slice
// whose globs match it or one of its parent directories, or to the rest (-1)
// (buildpack.md "Slice Layers"; CONFORMANCE EXP-5). counts holds the number
// of files and links per slice: a slice that matched nothing gets no layer.
func appSlices(appDir string, slices []launch.Slice, logger *log.Logger) (map[string]int, []int, error) {
	patterns := make([][]string, len(slices))
	for i, s := range slices {
		for _, p := range s.Paths {
			rel, ok := slicePattern(appDir, p)
			if !ok {
				logger.Warnf("slice path %q is outside the app directory %s: ignored", p, appDir)
				continue
			}
			patterns[i] = append(patterns[i], rel)
		}
	}
	assign := map[string]int{}
	counts := make([]int, len(slices))
	err := filepath.WalkDir(appDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(appDir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		// The earliest slice matching the path or a parent directory wins.
		idx := matchSlice(patterns, rel)
		if parent, ok := assign[path.Dir(rel)]; ok && parent >= 0 && (idx < 0 || parent < idx) {
			idx = parent
		}
		assign[rel] = idx
		if idx >= 0 && !d.IsDir() {
			counts[idx]++
		}
		return nil
	})
	return assign, counts, errors.Wrapf(err, "walking %s for slices", appDir)
}

// slicePattern makes a slice glob relative to the app directory; absolute
// globs must lie inside it, relative ones must not climb out of it.
func slicePattern(appDir, p string) (string, bool) {
	if filepath.IsAbs(p) {
		rel, err := filepath.Rel(appDir, p)
		if err != nil {
			return "", false
		}
		p = rel
	}
	p = path.Clean(filepath.ToSlash(p))
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

func matchSlice(patterns [][]string, rel string) int {
	for i, ps := range patterns {
		for _, p := range ps {
			if ok, _ := path.Match(p, rel); ok || p == "." {
				return i
			}
		}
	}
	return -1
}
