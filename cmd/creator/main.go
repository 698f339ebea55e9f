// Command creator is the lifecycle's creator phase (/cnb/lifecycle/creator).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cnb-lifecycle/lifecycle/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.RunCreator(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
