// Command restorer is the lifecycle's restorer phase (/cnb/lifecycle/restorer).
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
	code := cli.RunRestorer(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
