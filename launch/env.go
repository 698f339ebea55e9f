package launch

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/env"
)

// bpLayers are the layer directories of one buildpack in the image, in
// ascending name order.
type bpLayers struct {
	id   string
	dirs []string
}

// listLayers lists the layer directories of every buildpack, in metadata
// order (the order of /bin/build). Every directory under
// <layers>/<escaped id>/ counts: the image only holds launch layers, so
// <layer>.toml is not read. Missing buildpack directories are skipped.
func listLayers(layersDir string, bps []Buildpack) ([]bpLayers, error) {
	out := make([]bpLayers, 0, len(bps))
	for _, bp := range bps {
		dirs, err := subdirs(filepath.Join(layersDir, strings.ReplaceAll(bp.ID, "/", "_")))
		if err != nil {
			return nil, err
		}
		out = append(out, bpLayers{id: bp.ID, dirs: dirs})
	}
	return out, nil
}

// subdirs lists the directories (symlinks to directories included) in dir,
// sorted by name; a missing dir has none.
func subdirs(dir string) ([]string, error) {
	return entries(dir, true)
}

// files lists the entries of dir that are not directories, sorted by name;
// a missing dir has none.
func files(dir string) ([]string, error) {
	return entries(dir, false)
}

func entries(dir string, wantDirs bool) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, errors.Wrapf(err, "reading directory %s", dir)
	}
	var out []string
	for _, ent := range ents {
		p := filepath.Join(dir, ent.Name())
		fi, err := os.Stat(p)
		if os.IsNotExist(err) {
			continue // a dangling symlink
		}
		if err != nil {
			return nil, errors.Wrapf(err, "reading %s", p)
		}
		if fi.IsDir() == wantDirs {
			out = append(out, p)
		}
	}
	return out, nil
}

// pathsToRemove are dropped from PATH before the process runs (platform.md
// "Launch Environment"; CONFORMANCE LCH-5, PRC-2).
func pathsToRemove() []string { return []string{"/cnb/process", "/cnb/lifecycle"} }

// baseEnv is the container environment without the launcher's own inputs
// and with /cnb/process and /cnb/lifecycle removed from PATH (LCH-5).
func baseEnv(container env.Env) env.Env {
	e := container.Clone()
	for _, k := range []string{envLayersDir, envAppDir, envProcessType, envPlatformAPI, envDeprecationMode} {
		delete(e, k)
	}
	if p, ok := e["PATH"]; ok {
		var keep []string
		for _, dir := range filepath.SplitList(p) {
			if !removedPath(dir) {
				keep = append(keep, dir)
			}
		}
		e["PATH"] = strings.Join(keep, string(os.PathListSeparator))
	}
	return e
}

func removedPath(dir string) bool {
	clean := filepath.Clean(dir)
	for _, r := range pathsToRemove() {
		if clean == r {
			return true
		}
	}
	return false
}

// protected are the variables of e the lifecycle must not override at launch
// (buildpack.md "Provided by the Platform"; CONFORMANCE ENV-7): HOME and
// BPL_*.
func protected(e env.Env) env.Env {
	out := env.Env{}
	for k, v := range e {
		if k == "HOME" || strings.HasPrefix(k, "BPL_") {
			out[k] = v
		}
	}
	return out
}

// restore puts the protected values back into e.
func restore(e, keep env.Env) {
	for k, v := range keep {
		e[k] = v
	}
}

// buildEnv is the process environment before exec.d (CONFORMANCE LCH-5,
// ENV-4..7). For each buildpack in order: its layers' bin and lib dirs are
// prepended to PATH and LD_LIBRARY_PATH (so its layers appear in ascending
// name order, ahead of earlier buildpacks'), then each layer's env/,
// env.launch/ and env.launch/<typ>/ files apply in layer name order.
func buildEnv(container env.Env, layers []bpLayers, typ string) (env.Env, error) {
	e := baseEnv(container)
	keep := protected(e)
	for _, bp := range layers {
		prependSubdirs(e, "PATH", bp.dirs, "bin")
		prependSubdirs(e, "LD_LIBRARY_PATH", bp.dirs, "lib")
		for _, layer := range bp.dirs {
			// One call per layer: a .delim file applies to the whole layer (ENV-5).
			if err := env.ApplyLayer(e, envDirs(layer, typ)...); err != nil {
				return nil, err
			}
		}
	}
	restore(e, keep)
	return e, nil
}

// envDirs are the launch env dirs of a layer, in the order they apply.
func envDirs(layer, typ string) []string {
	dirs := []string{filepath.Join(layer, "env"), filepath.Join(layer, "env.launch")}
	if typ != "" {
		dirs = append(dirs, filepath.Join(layer, "env.launch", typ))
	}
	return dirs
}

// prependSubdirs prepends <layer>/<sub> of every layer that has it to
// variable name, keeping the layers' order.
func prependSubdirs(e env.Env, name string, layers []string, sub string) {
	var add []string
	for _, layer := range layers {
		p := filepath.Join(layer, sub)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			add = append(add, p)
		}
	}
	if len(add) == 0 {
		return
	}
	if old := e[name]; old != "" {
		add = append(add, old)
	}
	e[name] = strings.Join(add, string(os.PathListSeparator))
}
