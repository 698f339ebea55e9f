package env

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// PathVars are the POSIX path variables (platform.md "POSIX Path Variables").
func PathVars() []string {
	return []string{"PATH", "LD_LIBRARY_PATH", "LIBRARY_PATH", "CPATH", "PKG_CONFIG_PATH"}
}

// IsPathVar reports whether name is a POSIX path variable.
func IsPathVar(name string) bool {
	for _, p := range PathVars() {
		if p == name {
			return true
		}
	}
	return false
}

// Env is a set of environment variables.
type Env map[string]string

// FromList reads KEY=VALUE strings as os.Environ gives them.
func FromList(list []string) Env {
	e := Env{}
	for _, kv := range list {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			e[k] = v
		}
	}
	return e
}

// List renders the environment as sorted KEY=VALUE strings for exec.
func (e Env) List() []string {
	out := make([]string, 0, len(e))
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// Clone returns a copy of e.
func (e Env) Clone() Env {
	c := make(Env, len(e))
	for k, v := range e {
		c[k] = v
	}
	return c
}

// BuildBase keeps only the variables a buildpack inherits from the
// lifecycle's own environment (CONFORMANCE BPI-5): HOME, HOSTNAME, the proxy
// variables in both cases, CNB_STACK_ID and the POSIX path variables.
// Everything else, registry credentials included (PRIV-4), is dropped.
func BuildBase(lookup func(string) (string, bool)) Env {
	keep := append([]string{"HOME", "HOSTNAME", "CNB_STACK_ID",
		"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"}, PathVars()...)
	out := Env{}
	for _, k := range keep {
		if v, ok := lookup(k); ok {
			out[k] = v
		}
	}
	return out
}

// ApplyUserDir applies user-provided variables from <platform>/env
// (CONFORMANCE ENV-1): each regular file is one variable, named after the
// file, its contents taken verbatim. POSIX path variables are prepended to
// the current value with the path list separator; others override. A
// missing directory applies nothing.
func ApplyUserDir(e Env, dir string) error {
	files, err := readVarFiles(dir)
	if err != nil {
		return err
	}
	for _, f := range files {
		if IsPathVar(f.name) && e[f.name] != "" {
			e[f.name] = f.value + string(os.PathListSeparator) + e[f.name]
		} else {
			e[f.name] = f.value
		}
	}
	return nil
}

// Action is a modification rule for a variable file without a suffix, or
// named by its suffix (buildpack.md "Environment Variable Modification
// Rules").
type Action string

// Modification rules.
const (
	Override Action = "override"
	Default  Action = "default"
	Prepend  Action = "prepend"
	Append   Action = "append"
)

// ApplyDir applies a directory of variable files with suffix rules
// (CONFORMANCE ENV-5): NAME.override, NAME.default (only if unset or empty),
// NAME.prepend, NAME.append (joined with the contents of NAME.delim if that
// file exists, else with nothing), and plain NAME, which follows noSuffix
// (override for buildpack layers, default for <build-config>/env: ENV-2).
// Unknown suffixes are ignored; files apply in name order.
func ApplyDir(e Env, dir string, noSuffix Action) error {
	files, err := readVarFiles(dir)
	if err != nil {
		return err
	}
	applyFiles(e, files, delimiters(files), noSuffix)
	return nil
}

// ApplyLayer applies a layer's variable directories in order (env/ then
// env.build/, or env/, env.launch/, env.launch/<process>/) with no suffix
// meaning override. A NAME.delim file in any of them applies to every
// prepend and append of NAME in the layer (CONFORMANCE ENV-5, the spec's
// scoping). Missing directories are skipped.
func ApplyLayer(e Env, dirs ...string) error {
	all := make([][]varFile, len(dirs))
	delims := map[string]string{}
	for i, dir := range dirs {
		files, err := readVarFiles(dir)
		if err != nil {
			return err
		}
		all[i] = files
		for k, v := range delimiters(files) {
			delims[k] = v
		}
	}
	for _, files := range all {
		applyFiles(e, files, delims, Override)
	}
	return nil
}

func delimiters(files []varFile) map[string]string {
	delims := map[string]string{}
	for _, f := range files {
		if base, suffix, ok := strings.Cut(f.name, "."); ok && suffix == "delim" {
			delims[base] = f.value
		}
	}
	return delims
}

func applyFiles(e Env, files []varFile, delims map[string]string, noSuffix Action) {
	for _, f := range files {
		name, suffix, hasSuffix := strings.Cut(f.name, ".")
		action := noSuffix
		if hasSuffix {
			action = Action(suffix)
		}
		switch action {
		case Override:
			e[name] = f.value
		case Default:
			if e[name] == "" {
				e[name] = f.value
			}
		case Prepend:
			e[name] = join(f.value, delims[name], e[name])
		case Append:
			e[name] = join(e[name], delims[name], f.value)
		}
	}
}

// PrependBuildPaths puts the well-known subdirectories of one buildpack's
// build layers in front of the POSIX path variables (CONFORMANCE ENV-3):
// bin to PATH, lib to LD_LIBRARY_PATH and LIBRARY_PATH, include to CPATH,
// pkgconfig to PKG_CONFIG_PATH, for those that exist. layerDirs are in
// name order and stay in that order in the result, ahead of what earlier
// buildpacks added.
func PrependBuildPaths(e Env, layerDirs []string) {
	for _, m := range []struct{ sub, name string }{
		{"bin", "PATH"}, {"lib", "LD_LIBRARY_PATH"}, {"lib", "LIBRARY_PATH"},
		{"include", "CPATH"}, {"pkgconfig", "PKG_CONFIG_PATH"},
	} {
		var add []string
		for _, l := range layerDirs {
			p := filepath.Join(l, m.sub)
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				add = append(add, p)
			}
		}
		if len(add) > 0 {
			e[m.name] = join(strings.Join(add, string(os.PathListSeparator)), string(os.PathListSeparator), e[m.name])
		}
	}
}

func join(first, delim, second string) string {
	switch {
	case first == "":
		return second
	case second == "":
		return first
	}
	return first + delim + second
}

type varFile struct{ name, value string }

// readVarFiles reads the regular files of dir (following symlinks to files,
// skipping directories), sorted by name.
func readVarFiles(dir string) ([]varFile, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, errors.Wrapf(err, "reading env dir %s", dir)
	}
	var out []varFile
	for _, ent := range entries {
		p := filepath.Join(dir, ent.Name())
		fi, err := os.Stat(p)
		if err != nil {
			return nil, errors.Wrapf(err, "reading env file %s", p)
		}
		// A name with '=' would set another variable than it names
		// ("A=B" with "x" is A set to "B=x"); one starting with '.' names
		// no variable at all.
		if fi.IsDir() || strings.ContainsAny(ent.Name(), "=\x00") || strings.HasPrefix(ent.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, errors.Wrapf(err, "reading env file %s", p)
		}
		out = append(out, varFile{name: ent.Name(), value: string(data)})
	}
	return out, nil
}
