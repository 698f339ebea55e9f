//go:build !unix

package buildpack

import "os/exec"

// stopTogether leaves cmd to exec.CommandContext's default (kill the
// process) where process groups are not available.
func stopTogether(*exec.Cmd) {}
