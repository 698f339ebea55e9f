// Command launcher is the app image's entrypoint (/cnb/lifecycle/launcher).
// It calls the small front door in launch, never internal/cli, so that it
// does not carry the image code into every app image.
package main

import (
	"context"
	"os"

	"github.com/cnb-lifecycle/lifecycle/launch"
)

func main() {
	os.Exit(launch.Run(context.Background(), os.Args, os.LookupEnv, os.Stdout, os.Stderr))
}
