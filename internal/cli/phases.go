package cli

import (
	"context"
	"io"

	"github.com/cnb-lifecycle/lifecycle/platform"
)

// RunAnalyzer is the analyzer's front door.
func RunAnalyzer(ctx context.Context, args []string, env platform.LookupEnv, stdout, stderr io.Writer) int {
	return execute(ctx, command{phase: platform.Analyzer, verb: "analyze", fallback: platform.CodeAnalyze,
		run: runAnalyze}, args, env, stdout, stderr)
}

// RunDetector is the detector's front door.
func RunDetector(ctx context.Context, args []string, env platform.LookupEnv, stdout, stderr io.Writer) int {
	return execute(ctx, command{phase: platform.Detector, verb: "detect", fallback: platform.CodeDetect,
		refuseRoot: true, run: runDetect}, args, env, stdout, stderr)
}

// RunRestorer is the restorer's front door.
func RunRestorer(ctx context.Context, args []string, env platform.LookupEnv, stdout, stderr io.Writer) int {
	return execute(ctx, command{phase: platform.Restorer, verb: "restore", fallback: platform.CodeRestore,
		run: runRestore}, args, env, stdout, stderr)
}

// RunBuilder is the builder's front door.
func RunBuilder(ctx context.Context, args []string, env platform.LookupEnv, stdout, stderr io.Writer) int {
	return execute(ctx, command{phase: platform.Builder, verb: "build", fallback: platform.CodeBuild,
		refuseRoot: true, run: runBuild}, args, env, stdout, stderr)
}

// RunExporter is the exporter's front door.
func RunExporter(ctx context.Context, args []string, env platform.LookupEnv, stdout, stderr io.Writer) int {
	return execute(ctx, command{phase: platform.Exporter, verb: "export", fallback: platform.CodeExport,
		run: runExport}, args, env, stdout, stderr)
}

// RunRebaser is the rebaser's front door.
func RunRebaser(ctx context.Context, args []string, env platform.LookupEnv, stdout, stderr io.Writer) int {
	return execute(ctx, command{phase: platform.Rebaser, verb: "rebase", fallback: platform.CodeRebase,
		run: runRebase}, args, env, stdout, stderr)
}

// RunCreator is the creator's front door.
func RunCreator(ctx context.Context, args []string, env platform.LookupEnv, stdout, stderr io.Writer) int {
	return execute(ctx, command{phase: platform.Creator, verb: "create", fallback: platform.CodeGeneric,
		run: runCreate}, args, env, stdout, stderr)
}
