package launch

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/env"
)

// Exit codes of the launcher (platform.md "launcher"; CONFORMANCE §23).
// Once the process runs, the exit code is the process's own: the launcher
// replaces itself with it (LCH-8).
const (
	codePlatformAPI  = 11
	codeBuildpackAPI = 12
	codeLaunch       = 82
)

// Environment variables the launcher reads (platform.md "launcher" inputs).
const (
	envPlatformAPI     = "CNB_PLATFORM_API"
	envLayersDir       = "CNB_LAYERS_DIR"
	envAppDir          = "CNB_APP_DIR"
	envExecEnv         = "CNB_EXEC_ENV"
	envProcessType     = "CNB_PROCESS_TYPE"
	envDeprecationMode = "CNB_DEPRECATION_MODE"
)

// Defaults of the launcher's inputs.
const (
	defaultLayersDir = "/layers"
	defaultAppDir    = "/workspace"
	defaultExecEnv   = "production"
)

// exitError carries the exit code the launcher ends with when err stops it
// before the process runs.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode attaches an exit code to err (nil stays nil).
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// codeOf is the exit code attached to err, else the generic launch error.
func codeOf(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return codeLaunch
}

// execFunc replaces the running program with path (argv, envv) after
// changing into dir. It only returns on failure. Tests swap it to capture
// what would run.
type execFunc func(path string, argv, envv []string, dir string) error

// execve is the real execFunc: chdir, then execve(2), so the process keeps
// the launcher's PID (platform.md "SHOULD replace the lifecycle with the
// process in memory"; CONFORMANCE LCH-8).
func execve(path string, argv, envv []string, dir string) error {
	if err := os.Chdir(dir); err != nil {
		return errors.Wrapf(err, "changing into working directory %s", dir)
	}
	return errors.Wrapf(syscall.Exec(path, argv, envv), "executing %s", path)
}

// Run is the launcher's front door: args are the launcher's own argv
// (argv[0] included) and environ its environment as os.Environ gives it. It
// selects the process, builds its environment, runs exec.d and replaces
// itself with the process; it only returns when that fails, with the exit
// code of the failure.
func Run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	l := &launcher{stdout: stdout, stderr: stderr, exec: execve}
	if err := l.run(ctx, args, environ); err != nil {
		fmt.Fprintf(stderr, "ERROR: failed to launch: %s\n", err)
		return codeOf(err)
	}
	return 0
}

// launcher is one launch. exec is the last step, a field so that unit tests
// see what would be executed without replacing the test process.
type launcher struct {
	stdout, stderr io.Writer
	exec           execFunc
}

// inputs are the launcher's resolved inputs (platform.md "launcher").
type inputs struct {
	platform          api.Version
	layersDir, appDir string
	execEnv           string
	argv0             string
	userArgs          []string
	env               env.Env
}

// readInputs resolves the inputs from argv and the environment (LCH inputs).
func readInputs(args, environ []string) (inputs, error) {
	vars := env.FromList(environ)
	in := inputs{env: vars, argv0: "launcher", execEnv: defaultExecEnv}
	if len(args) > 0 {
		in.argv0, in.userArgs = args[0], args[1:]
	}
	s := vars[envPlatformAPI]
	if s == "" {
		return in, withCode(codePlatformAPI, errors.Errorf(
			"%s is not set: the app image must name the Platform API it was built with", envPlatformAPI))
	}
	v, err := api.Parse(s)
	if err != nil || !api.SupportedPlatform().Contains(v) {
		return in, withCode(codePlatformAPI, errors.Errorf(
			"platform API %q (%s) is not supported by this launcher (supported: %s)", s, envPlatformAPI, api.SupportedPlatform()))
	}
	in.platform = v
	if in.layersDir, err = absDir(vars[envLayersDir], defaultLayersDir); err != nil {
		return in, err
	}
	if in.appDir, err = absDir(vars[envAppDir], defaultAppDir); err != nil {
		return in, err
	}
	if e := vars[envExecEnv]; e != "" && v.Supports(api.PlatformExecEnv) {
		in.execEnv = e
	}
	return in, nil
}

// absDir is value, or def when empty, made absolute.
func absDir(value, def string) (string, error) {
	if value == "" {
		value = def
	}
	abs, err := filepath.Abs(value)
	return abs, errors.Wrapf(err, "resolving directory %s", value)
}

// run does one launch: inputs, metadata, process, environment, exec.d, exec.
func (l *launcher) run(ctx context.Context, args, environ []string) error {
	in, err := readInputs(args, environ)
	if err != nil {
		return err
	}
	mdPath := MetadataPath(in.layersDir)
	md, err := ReadMetadata(mdPath)
	if err != nil {
		return err
	}
	bpAPIs, err := buildpackAPIs(md, mdPath)
	if err != nil {
		return withCode(codeBuildpackAPI, err)
	}
	if t, ok := in.env[envProcessType]; ok {
		fmt.Fprintf(l.stderr, "Warning: %s is not supported by this launcher (it is set to %q); it is ignored\n", envProcessType, t)
		fmt.Fprintln(l.stderr, "Warning: to run a process type, use /cnb/process/<type> as the entrypoint or run the launcher without arguments for the default process")
	}
	p, err := selectProcess(md, bpAPIs, in)
	if err != nil {
		return err
	}
	layers, err := listLayers(in.layersDir, md.Buildpacks)
	if err != nil {
		return err
	}
	e, err := buildEnv(in.env, layers, p.Type)
	if err != nil {
		return err
	}
	r := execDRun{layers: layers, typ: p.Type, appDir: in.appDir, stdout: l.stdout, stderr: l.stderr, keep: protected(in.env)}
	if err := runExecD(ctx, r, e); err != nil {
		return err
	}
	if p.Direct {
		return l.execDirect(p, e)
	}
	return l.execShell(p, e, layers, in)
}

// execDirect runs the process without a shell (CONFORMANCE LCH-8): the
// command is looked up on the built PATH and replaces the launcher.
func (l *launcher) execDirect(p plan, e env.Env) error {
	if err := checkDir(p.WorkingDir); err != nil {
		return err
	}
	path, err := lookPath(p.Command[0], e["PATH"], p.WorkingDir)
	if err != nil {
		return err
	}
	argv := append(append([]string{}, p.Command...), p.Args...)
	return l.exec(path, argv, e.List(), p.WorkingDir)
}

// checkDir fails unless dir is a directory.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return errors.Wrapf(err, "working directory %s", dir)
	}
	if !fi.IsDir() {
		return errors.Errorf("working directory %s is not a directory", dir)
	}
	return nil
}
