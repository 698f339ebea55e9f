package platform

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/pkg/errors"
)

// Values is what the command line said: for each flag given, its values in
// the order given. Flags not given are absent. A Bool flag given bare has
// the value "true".
type Values map[string][]string

// Add records one occurrence of flag name.
func (vs Values) Add(name, value string) { vs[name] = append(vs[name], value) }

// resolver turns Values plus the environment into typed inputs, flag > env
// > default (CONFORMANCE GEN-3). Only flags defined for the phase at the
// requested API are consulted, and so only their env twins. The first
// problem met is kept and reported by err.
type resolver struct {
	defined map[string]Flag
	vals    Values
	env     LookupEnv
	err     error
}

func newResolver(p Phase, v api.Version, vals Values, env LookupEnv) *resolver {
	r := &resolver{defined: map[string]Flag{}, vals: vals, env: env}
	for _, f := range Flags(p, v) {
		r.defined[f.Name] = f
	}
	return r
}

func (r *resolver) fail(err error) {
	if r.err == nil {
		r.err = Exit(CodeInvalidArgs, err)
	}
}

// raw returns the last flag value, else the non-empty env value. fromFlag
// tells which; ok is false when neither is set.
func (r *resolver) raw(name string) (value string, fromFlag, ok bool) {
	f, defined := r.defined[name]
	if !defined {
		return "", false, false
	}
	if vs := r.vals[name]; len(vs) > 0 {
		return vs[len(vs)-1], true, true
	}
	if f.Env != "" {
		if v, set := r.env(f.Env); set && v != "" {
			return v, false, true
		}
	}
	return "", false, false
}

// str is an optional string: empty means unset.
func (r *resolver) str(name, def string) string {
	if v, _, ok := r.raw(name); ok && v != "" {
		return v
	}
	return def
}

// dir is a directory made absolute; an explicitly empty flag means the
// working directory (PLATFORMS.md §3.3).
func (r *resolver) dir(name, def string) string {
	v, fromFlag, ok := r.raw(name)
	switch {
	case ok && fromFlag && v == "":
		v = "."
	case !ok || v == "":
		v = def
	}
	return r.abs(name, v)
}

// path is a file path made absolute; empty means the default (which may be
// "" for an optional path).
func (r *resolver) path(name, def string) string {
	v := r.str(name, def)
	if v == "" {
		return ""
	}
	return r.abs(name, v)
}

func (r *resolver) abs(name, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		r.fail(errors.Wrapf(err, "resolving -%s %q", name, p))
		return p
	}
	return a
}

func (r *resolver) boolean(name string) bool {
	v, fromFlag, ok := r.raw(name)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(errors.Errorf("%s: invalid boolean %q", r.source(name, fromFlag), v))
	}
	return b
}

func (r *resolver) integer(name string, def int) int {
	v, fromFlag, ok := r.raw(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.fail(errors.Errorf("%s: invalid id %q: want a non-negative integer", r.source(name, fromFlag), v))
	}
	return n
}

// list gathers a repeatable flag; without flags the env twin is split on
// commas. Empty items are dropped (Tekton passes -tag=).
func (r *resolver) list(name string) []string {
	f, defined := r.defined[name]
	if !defined {
		return nil
	}
	items := r.vals[name]
	if len(items) == 0 && f.Env != "" {
		if v, ok := r.env(f.Env); ok {
			items = strings.Split(v, ",")
		}
	}
	var out []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

func (r *resolver) source(name string, fromFlag bool) string {
	if fromFlag {
		return "-" + name
	}
	return r.defined[name].Env
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// Logging is the log set-up every phase shares (CONFORMANCE GEN-6).
type Logging struct {
	Level   string
	NoColor bool
}

// ResolveLogging reads -log-level/CNB_LOG_LEVEL and -no-color/CNB_NO_COLOR.
func ResolveLogging(p Phase, v api.Version, vals Values, env LookupEnv) (Logging, error) {
	r := newResolver(p, v, vals, env)
	l := Logging{Level: r.str("log-level", "info"), NoColor: r.boolean("no-color")}
	if r.err != nil {
		// A bad CNB_NO_COLOR is a generic error like a bad level (exit 1).
		return l, Exit(CodeGeneric, errors.Cause(r.err))
	}
	return l, nil
}
