package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/internal/buildinfo"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/priv"
	"github.com/pkg/errors"
)

// Session is what a phase's run function gets from the shared front door.
type Session struct {
	API          api.Version
	Values       platform.Values
	Args         []string
	Env          platform.LookupEnv
	Logger       *log.Logger
	Experimental platform.ExperimentalMode
	Deprecation  platform.DeprecationMode
}

// command describes one phase executable.
type command struct {
	phase platform.Phase
	// verb completes "failed to ..." in the one-line error.
	verb string
	// fallback is the exit code of an error that carries none.
	fallback int
	// refuseRoot: detector and builder never run as root (CONFORMANCE PRIV-3).
	refuseRoot bool
	run        func(ctx context.Context, s *Session) error
}

// execute is the shared part of every phase (CONFORMANCE GEN-2..GEN-9):
// the Platform API, the flags, the session's checks, then the phase, whose
// error becomes one line and the exit code it carries.
func execute(ctx context.Context, c command, args []string, env platform.LookupEnv, stdout, stderr io.Writer) int {
	name := string(c.phase)
	if len(args) > 0 {
		name = filepath.Base(args[0])
		args = args[1:]
	}
	early := log.New(stdout, stderr, log.InfoLevel, false)
	v, err := platform.ResolveAPI(env)
	if err != nil {
		early.Errorf("%s", err)
		return platform.CodeOf(err, platform.CodeIncompatiblePlatformAPI)
	}
	vals, rest, code, done := parseFlags(c.phase, name, v, args, stdout, stderr)
	if done {
		return code
	}
	s, code, ok := newSession(c, v, vals, rest, env, stdout, stderr)
	if !ok {
		return code
	}
	if err := c.run(ctx, s); err != nil {
		if ctx.Err() != nil {
			// SIGTERM or SIGINT: the phase stopped its children and
			// removed its temporary files on the way out.
			s.Logger.Errorf("failed to %s: interrupted by a signal", c.verb)
			return c.fallback
		}
		s.Logger.Errorf("failed to %s: %s", c.verb, image.OneLine(err)) // the cause, wrapped, on one line
		return platform.CodeOf(err, c.fallback)
	}
	return 0
}

// parseFlags parses the phase's flags for Platform API v; done says the
// process ends here with code (-h, -version, an unknown flag: GEN-3, GEN-6).
func parseFlags(p platform.Phase, name string, v api.Version, args []string, stdout, stderr io.Writer) (vals platform.Values, rest []string, code int, done bool) {
	vals = platform.Values{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, f := range platform.Flags(p, v) {
		fs.Var(&flagValue{vals: vals, flag: f}, f.Name, usage(f))
	}
	showVersion := fs.Bool("version", false, "print the lifecycle version and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags]%s\n\nFlags (Platform API %s):\n", name, positionalUsage(p), v)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, 0, true
		}
		return nil, nil, platform.CodeUnknownFlag, true
	}
	if *showVersion {
		fmt.Fprintln(stdout, buildinfo.Version)
		return nil, nil, 0, true
	}
	return vals, fs.Args(), 0, false
}

// newSession resolves logging, the positional arguments and the modes, and
// checks the user; !ok says the process ends with code, the error printed.
func newSession(c command, v api.Version, vals platform.Values, args []string, env platform.LookupEnv, stdout, stderr io.Writer) (*Session, int, bool) {
	early := log.New(stdout, stderr, log.InfoLevel, false)
	logging, err := platform.ResolveLogging(c.phase, v, vals, env)
	if err != nil {
		early.Errorf("%s", err)
		return nil, platform.CodeOf(err, platform.CodeGeneric), false
	}
	level, err := log.ParseLevel(logging.Level)
	if err != nil {
		early.Errorf("-log-level: %s", err)
		return nil, platform.CodeGeneric, false
	}
	logger := log.New(stdout, stderr, level, !logging.NoColor)
	s := &Session{API: v, Values: vals, Args: args, Env: env, Logger: logger}
	for _, a := range platform.FlagsAfterArgs(s.Args) {
		logger.Warnf("%q comes after a positional argument and is not read as a flag", a)
	}
	fail := func(err error, fallback int) (*Session, int, bool) {
		logger.Errorf("%s", err)
		return nil, platform.CodeOf(err, fallback), false
	}
	if err := platform.CheckArgs(c.phase, s.Args); err != nil {
		return fail(err, platform.CodeInvalidArgs)
	}
	if s.Experimental, err = platform.ResolveExperimentalMode(env); err != nil {
		return fail(err, platform.CodeGeneric)
	}
	if s.Deprecation, err = platform.ResolveDeprecationMode(env); err != nil {
		return fail(err, platform.CodeGeneric)
	}
	if err := s.Deprecation.Check("platform API "+v.String(), api.DeprecatedPlatform(v), platform.CodeIncompatiblePlatformAPI, logger); err != nil {
		return fail(err, platform.CodeIncompatiblePlatformAPI)
	}
	if c.refuseRoot && priv.IsRoot() {
		logger.Errorf("refusing to run as root: the %s runs buildpack code and must run as the build user", c.phase)
		return nil, platform.CodeGeneric, false
	}
	if c.refuseRoot {
		// The buildpacks run as this process's user: keep its
		// environment, credentials included, from them (PRIV-4).
		if err := priv.HideEnvironment(); err != nil {
			logger.Errorf("hiding the %s's environment from buildpacks: %s", c.phase, err)
			return nil, platform.CodeGeneric, false
		}
	}
	return s, 0, true
}

// flagValue records a flag's occurrences in platform.Values, checking the
// syntax of booleans and integers (a syntax error is a flag error, exit 2).
type flagValue struct {
	vals platform.Values
	flag platform.Flag
}

func (fv *flagValue) String() string { return "" }

func (fv *flagValue) Set(s string) error {
	switch fv.flag.Kind {
	case platform.Bool:
		if _, err := strconv.ParseBool(s); err != nil {
			return errors.Errorf("invalid boolean %q", s)
		}
	case platform.Int:
		if s != "" {
			if n, err := strconv.Atoi(s); err != nil || n < 0 {
				return errors.Errorf("invalid id %q: want a non-negative integer", s)
			}
		}
	}
	fv.vals.Add(fv.flag.Name, s)
	return nil
}

// IsBoolFlag lets "-daemon" stand alone.
func (fv *flagValue) IsBoolFlag() bool { return fv.flag.Kind == platform.Bool }

func usage(f platform.Flag) string {
	if f.Env == "" {
		return f.Usage
	}
	return f.Usage + " (env " + f.Env + ")"
}

func positionalUsage(p platform.Phase) string {
	switch p {
	case platform.Analyzer, platform.Creator:
		return " <image>"
	case platform.Exporter, platform.Rebaser:
		return " <image> [<image>...]"
	}
	return ""
}
