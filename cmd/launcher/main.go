// Command launcher is the app image's entrypoint (/cnb/lifecycle/launcher,
// and /cnb/process/<type> through symlinks). It calls the small front door
// in launch, never internal/cli, so that it does not carry the image code
// into every app image (CONFORMANCE LCH-9).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cnb-lifecycle/lifecycle/launch"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := launch.Run(ctx, os.Args, os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
