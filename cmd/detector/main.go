// Command detector is the lifecycle's detector phase (/cnb/lifecycle/detector).
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
	code := cli.RunDetector(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
