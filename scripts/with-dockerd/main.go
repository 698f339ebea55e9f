// Command with-dockerd runs a command with a Docker daemon to talk to: the
// one at $DOCKER_HOST (else /var/run/docker.sock) if it answers, otherwise
// a private dockerd (internal/testutil.StartDocker: its own directories and
// network namespace, nothing of the host's changes), stopped again when
// the command ends. The command gets DOCKER_HOST; its exit code is ours.
//
// Usage: go run ./scripts/with-dockerd <command> [args...]
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: with-dockerd <command> [args...]")
		return 2
	}
	d, err := testutil.StartDocker()
	if err != nil {
		fmt.Fprintln(os.Stderr, "with-dockerd:", err)
		return 1
	}
	defer func() {
		if err := d.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "with-dockerd: stopping dockerd:", err)
		}
	}()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+d.Host())
	// A signal goes to the command; we outlive it to stop the daemon.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "with-dockerd:", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	signal.Stop(sigs)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if code := exit.ExitCode(); code >= 0 {
			return code
		}
		return 128 + int(exit.Sys().(syscall.WaitStatus).Signal())
	default:
		fmt.Fprintln(os.Stderr, "with-dockerd:", err)
		return 1
	}
}
