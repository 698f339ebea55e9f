// Command launcher is the app image's entrypoint (/cnb/lifecycle/launcher,
// and /cnb/process/<type> through symlinks). It calls the small front door
// in launch, never internal/cli, so that it does not carry the image code
// into every app image (CONFORMANCE LCH-9).
//
// It installs no signal handlers: until it replaces itself with the process
// (execve), the default actions apply, and start-up stays short.
package main

import (
	"context"
	"os"

	"github.com/cnb-lifecycle/lifecycle/launch"
)

func main() {
	os.Exit(launch.Run(context.Background(), os.Args, os.Environ(), os.Stdout, os.Stderr))
}
