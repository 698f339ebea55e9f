// Command lifecycle is every build phase in one binary, for builder images:
// /cnb/lifecycle/<phase> are symlinks to it, and it runs the phase its
// argv[0] names (analyzer, detector, restorer, builder, exporter, rebaser,
// creator). The launcher stays a binary of its own, small, in every app
// image.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/cnb-lifecycle/lifecycle/internal/cli"
	"github.com/cnb-lifecycle/lifecycle/platform"
)

type runFunc func(context.Context, []string, platform.LookupEnv, io.Writer, io.Writer) int

var phases = map[string]runFunc{
	"analyzer": cli.RunAnalyzer,
	"detector": cli.RunDetector,
	"restorer": cli.RunRestorer,
	"builder":  cli.RunBuilder,
	"exporter": cli.RunExporter,
	"rebaser":  cli.RunRebaser,
	"creator":  cli.RunCreator,
}

func main() {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	run, ok := phases[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "ERROR: lifecycle: run as one of analyzer, detector, restorer, builder, exporter, rebaser, creator (a link to this binary), not %q\n", name)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
