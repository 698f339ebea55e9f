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

// execute is the shared part of every phase (CONFORMANCE GEN-2..GEN-9).
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

	vals := platform.Values{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := platform.Flags(c.phase, v)
	for _, f := range flags {
		fs.Var(&flagValue{vals: vals, flag: f}, f.Name, usage(f))
	}
	showVersion := fs.Bool("version", false, "print the lifecycle version and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags]%s\n\nFlags (Platform API %s):\n", name, positionalUsage(c.phase), v)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return platform.CodeUnknownFlag
	}
	if *showVersion {
		fmt.Fprintln(stdout, buildinfo.Version)
		return 0
	}

	logging, err := platform.ResolveLogging(c.phase, v, vals, env)
	if err != nil {
		early.Errorf("%s", err)
		return platform.CodeOf(err, platform.CodeGeneric)
	}
	level, err := log.ParseLevel(logging.Level)
	if err != nil {
		early.Errorf("-log-level: %s", err)
		return platform.CodeGeneric
	}
	logger := log.New(stdout, stderr, level, !logging.NoColor)

	s := &Session{API: v, Values: vals, Args: fs.Args(), Env: env, Logger: logger}
	for _, a := range platform.FlagsAfterArgs(s.Args) {
		logger.Warnf("%q comes after a positional argument and is not read as a flag", a)
	}
	if err := platform.CheckArgs(c.phase, s.Args); err != nil {
		logger.Errorf("%s", err)
		return platform.CodeOf(err, platform.CodeInvalidArgs)
	}
	if s.Experimental, err = platform.ResolveExperimentalMode(env); err != nil {
		logger.Errorf("%s", err)
		return platform.CodeOf(err, platform.CodeGeneric)
	}
	if s.Deprecation, err = platform.ResolveDeprecationMode(env); err != nil {
		logger.Errorf("%s", err)
		return platform.CodeOf(err, platform.CodeGeneric)
	}
	if err := s.Deprecation.Check("platform API "+v.String(), api.DeprecatedPlatform(v), platform.CodeIncompatiblePlatformAPI, logger); err != nil {
		logger.Errorf("%s", err)
		return platform.CodeOf(err, platform.CodeIncompatiblePlatformAPI)
	}
	if c.refuseRoot && priv.IsRoot() {
		logger.Errorf("refusing to run as root: the %s runs buildpack code and must run as the build user", c.phase)
		return platform.CodeGeneric
	}
	if c.refuseRoot {
		// The buildpacks run as this process's user: keep its
		// environment, credentials included, from them (PRIV-4).
		if err := priv.HideEnvironment(); err != nil {
			logger.Errorf("hiding the %s's environment from buildpacks: %s", c.phase, err)
			return platform.CodeGeneric
		}
	}

	if err := c.run(ctx, s); err != nil {
		if ctx.Err() != nil {
			// SIGTERM or SIGINT: the phase stopped its children and
			// removed its temporary files on the way out.
			logger.Errorf("failed to %s: interrupted by a signal", c.verb)
			return c.fallback
		}
		code := platform.CodeOf(err, c.fallback)
		logger.Errorf("failed to %s: %s", c.verb, image.OneLine(err)) // the cause, wrapped, on one line
		return code
	}
	return 0
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
