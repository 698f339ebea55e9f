// Command builder is the lifecycle's builder phase (/cnb/lifecycle/builder).
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
	code := cli.RunBuilder(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
