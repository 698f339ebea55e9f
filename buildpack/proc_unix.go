//go:build unix

package buildpack

import (
	"os/exec"
	"syscall"
	"time"
)

// stopTogether makes cmd the leader of a process group of its own and, when
// its context ends (SIGTERM or SIGINT to the phase), sends SIGTERM to the
// whole group, then SIGKILL after a grace period: a buildpack's children
// (a shell script's sleep, a compiler) stop with it (issue 8 §7).
func stopTogether(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
	cmd.WaitDelay = 5 * time.Second
}
