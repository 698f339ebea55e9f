package launch

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/BurntSushi/toml"
	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/env"
)

// execDRun describes the exec.d pass of one launch.
type execDRun struct {
	layers []bpLayers
	// typ is the process type, "" for a user-provided command (then only
	// the first pass runs).
	typ            string
	appDir         string
	stdout, stderr io.Writer
	// keep holds the variables exec.d output must not override (ENV-7).
	keep env.Env
}

// execDFiles lists the exec.d executables in the order they run
// (platform.md "launcher" Execution; CONFORMANCE LCH-6): first every
// <layer>/exec.d/* of every buildpack and layer, then every
// <layer>/exec.d/<typ>/*; each pass in buildpack order, layer name order and
// file name order. Directories are not run.
func execDFiles(layers []bpLayers, typ string) ([]string, error) {
	var out []string
	for _, pass := range layerSubdirs(layers, "exec.d", typ) {
		fs, err := files(pass)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// layerSubdirs lists <layer>/<sub>/ for every layer, then <layer>/<sub>/<typ>/
// for every layer when typ is set: the two passes of exec.d and profile.d.
func layerSubdirs(layers []bpLayers, sub, typ string) []string {
	var first, second []string
	for _, bp := range layers {
		for _, layer := range bp.dirs {
			first = append(first, filepath.Join(layer, sub))
			if typ != "" {
				second = append(second, filepath.Join(layer, sub, typ))
			}
		}
	}
	return append(first, second...)
}

// runExecD runs every exec.d executable in order, each in the environment
// left by the previous ones, and sets the variables it prints on fd 3.
func runExecD(ctx context.Context, r execDRun, e env.Env) error {
	paths, err := execDFiles(r.layers, r.typ)
	if err != nil {
		return err
	}
	for _, p := range paths {
		vars, err := execD(ctx, p, e, r.appDir, r.stdout, r.stderr)
		if err != nil {
			return err
		}
		for k, v := range vars {
			e[k] = v
		}
		restore(e, r.keep)
	}
	return nil
}

// execD runs one exec.d executable with working directory appDir, env e,
// the launcher's stdout and stderr, and a pipe as fd 3, and parses what it
// writes there: TOML with top-level string values (buildpack.md "Exec.d
// Output").
func execD(ctx context.Context, path string, e env.Env, appDir string, stdout, stderr io.Writer) (map[string]string, error) {
	rd, wr, err := os.Pipe()
	if err != nil {
		return nil, errors.Wrapf(err, "running exec.d %s", path)
	}
	defer rd.Close()
	cmd := exec.CommandContext(ctx, path)
	cmd.Dir, cmd.Env = appDir, e.List()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.ExtraFiles = []*os.File{wr}
	err = cmd.Start()
	wr.Close()
	if err != nil {
		return nil, errors.Wrapf(err, "running exec.d %s", path)
	}
	type readResult struct {
		data []byte
		err  error
	}
	done := make(chan readResult, 1)
	go func() {
		data, err := io.ReadAll(rd)
		done <- readResult{data, err}
	}()
	if err := cmd.Wait(); err != nil {
		return nil, errors.Wrapf(err, "running exec.d %s", path)
	}
	out := <-done
	if out.err != nil {
		return nil, errors.Wrapf(out.err, "reading the output of exec.d %s", path)
	}
	vars, err := parseExecDOutput(out.data)
	return vars, errors.Wrapf(err, "parsing the output of exec.d %s", path)
}

// parseExecDOutput reads exec.d TOML: every key a variable name, every value
// a string.
func parseExecDOutput(data []byte) (map[string]string, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			return nil, errors.Errorf("%s: want a string, got %T", k, v)
		}
		out[k] = s
	}
	return out, nil
}
