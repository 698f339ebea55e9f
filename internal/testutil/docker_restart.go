package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Halt stops a daemon LaunchDocker started as a service manager would
// (SIGTERM, then SIGKILL of its process group after a while) but keeps its
// data root, so that Restart brings it back with its images: tests of a
// daemon that goes away under a phase. Stop still cleans up afterwards.
// (A SIGKILLed private dockerd does not come back: its managed containerd
// does not restart on the same state directory.)
func (d *Docker) Halt() error {
	if d.proc == nil {
		return fmt.Errorf("the daemon on %s was not started by this package", d.host)
	}
	if d.proc.exited() {
		return fmt.Errorf("%s on %s had already exited: %v", d.name, d.host, d.proc.waitErr)
	}
	pgid := d.proc.pid()
	_ = d.proc.terminate(dockerStopTimeout, true, d.logTail)
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	if pid := d.containerdPID(); pid > 0 && d.ownsProcess(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		for i := 0; i < 100 && processAlive(pid); i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// Restart starts a halted daemon again on the same socket and data root
// and waits until it answers.
func (d *Docker) Restart() error {
	if d.proc == nil {
		return fmt.Errorf("the daemon on %s was not started by this package", d.host)
	}
	if !d.proc.exited() {
		return fmt.Errorf("%s on %s is still running", d.name, d.host)
	}
	logFile, err := os.OpenFile(d.logPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer logFile.Close()
	_ = os.Remove(filepath.Join(d.dir, "d.pid"))
	cmd := dockerdCommand(d.proc.cmd.Path, d.dir, strings.TrimPrefix(d.host, "unix://"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := d.start(cmd); err != nil {
		return fmt.Errorf("restarting %s: %v", d.name, err)
	}
	return d.waitReady()
}
