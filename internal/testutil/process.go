package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// process supervises one server process of the tests (a registry, a
// dockerd, a podman service): started from an OS thread kept for it, so
// that its Pdeathsig holds (and, given a network namespace, inside that
// namespace), waited for in the background, told to stop with SIGTERM and
// killed after a while.
type process struct {
	name    string // for messages: "docker-registry", "dockerd"
	host    string // where it answers, for messages
	cmd     *exec.Cmd
	done    chan struct{} // closed once it has exited
	waitErr error
}

// startProcess starts cmd, in the network namespace of netns unless nil.
func startProcess(name, host string, cmd *exec.Cmd, netns *os.File) (*process, error) {
	p := &process{name: name, host: host, cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that started the child exits:
		// keep that thread to this goroutine, alive until the child is
		// gone. A thread that entered another namespace is never unlocked:
		// the runtime discards it with the goroutine.
		runtime.LockOSThread()
		if netns != nil {
			if err := enterNetns(netns); err != nil {
				started <- err
				return
			}
		}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting %s: %v", name, err)
	}
	return p, nil
}

// pid is the process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exited says whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitReady calls ready until it succeeds, the process exits, or timeout
// passes; log is the process's log, for the error.
func (p *process) waitReady(timeout time.Duration, ready func() error, log func() string) error {
	deadline := time.Now().Add(timeout)
	for {
		if p.exited() {
			return fmt.Errorf("%s exited before it answered on %s: %v\n%s", p.name, p.host, p.waitErr, log())
		}
		err := ready()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer on %s within %s: %v\n%s", p.name, p.host, timeout, err, log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// terminate sends SIGTERM and waits; after timeout it kills the process
// (and, with group, its process group) and says so. A process that had
// exited on its own is an error too.
func (p *process) terminate(timeout time.Duration, group bool, log func() string) error {
	if p.exited() {
		return fmt.Errorf("%s on %s had exited on its own: %v\n%s", p.name, p.host, p.waitErr, log())
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
	}
	if group {
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	} else {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
	return fmt.Errorf("%s on %s ignored SIGTERM for %s and was killed", p.name, p.host, timeout)
}
