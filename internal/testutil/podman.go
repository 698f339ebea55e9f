package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// podmanBinary is Debian's podman (4.3, Docker API 1.41).
const podmanBinary = "podman"

// LaunchPodman starts a private podman API service as root
// (`podman system service`, Docker-compatible API) on a unix socket under
// a new short temporary directory that also holds its storage (graph root,
// run root), its temporary files, its events log and its configuration,
// in a network namespace of its own, and waits until it answers GET
// /_ping. It runs in a mount namespace of its own (Isolate), so that
// nothing it writes lands in /var/lib/containers or /var/tmp. Its
// containers can only start with no default ulimits (the configuration
// says so: these machines refuse podman's). The caller must call Stop.
func LaunchPodman() (*Docker, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("starting %s needs root", podmanBinary)
	}
	bin, err := exec.LookPath(podmanBinary)
	if err != nil {
		return nil, fmt.Errorf("%s is not installed: %s (Debian package podman)", podmanBinary, missingHint)
	}
	return launchDaemon("pdm", podmanBinary, func(dir, sock string) (*exec.Cmd, error) {
		return podmanCommand(bin, dir, sock)
	})
}

// StartPodman is LaunchPodman for one test: the service stops when the
// test ends.
func StartPodman(t testing.TB) *Docker {
	t.Helper()
	p, err := LaunchPodman()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stopping podman: %v", err)
		}
	})
	return p
}

// podmanCommand writes the private service's configuration into dir and
// returns its command.
func podmanCommand(bin, dir, sock string) (*exec.Cmd, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "containers.conf")
	storage := filepath.Join(dir, "storage.conf")
	files := map[string]string{
		conf: fmt.Sprintf("[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = \"cgroupfs\"\n"+
			"events_logger = \"file\"\nevents_logfile_path = %q\ntmp_dir = %q\n",
			filepath.Join(dir, "events.log"), filepath.Join(dir, "libpod")),
		storage: fmt.Sprintf("[storage]\ndriver = \"overlay\"\ngraphroot = %q\nrunroot = %q\n",
			filepath.Join(dir, "root"), filepath.Join(dir, "run")),
	}
	for path, content := range files {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(bin, "--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
		"--tmpdir", filepath.Join(dir, "libpod"), "system", "service", "--time=0", "unix://"+sock)
	cmd.Dir = dir
	cmd.Env = append(dockerdEnv(), "CONTAINERS_CONF="+conf, "CONTAINERS_STORAGE_CONF="+storage, "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return Isolate(cmd), nil
}

// isolatedDirs are the machine-wide directories where the containers tools
// (podman, skopeo: github.com/containers/image) keep caches and temporary
// files of their own when run as root, whatever their flags say.
var isolatedDirs = map[string]string{"/var/lib": "0755", "/var/tmp": "1777"}

// Isolate makes cmd run in a mount namespace of its own in which each of
// /var/lib and /var/tmp is an empty tmpfs, gone when the command ends:
// skopeo and podman, run as root, write a blob-info cache to
// /var/lib/containers/cache, and podman stages loads in /var/tmp, which
// tests must leave as they found them. cmd's other settings stay.
func Isolate(cmd *exec.Cmd) *exec.Cmd {
	if cmd.Err != nil {
		return cmd // the program was not found: Run reports that as it is
	}
	script := ""
	for _, d := range []string{"/var/lib", "/var/tmp"} {
		script += "mount -t tmpfs -o mode=" + isolatedDirs[d] + " cnbtest " + d + " && "
	}
	script += `exec "$@"`
	args := append([]string{"sh", "-c", script, "sh", cmd.Path}, cmd.Args[1:]...)
	cmd.Path, cmd.Args = "/bin/sh", args
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// Go makes the new namespace's mounts private before the script runs.
	cmd.SysProcAttr.Unshareflags |= syscall.CLONE_NEWNS
	return cmd
}

// Podman is the podman CLI talking to the daemon (podman --url), for a
// daemon LaunchPodman started; like Command, its environment has no
// DOCKER_* variables.
func (d *Docker) Podman(args ...string) *exec.Cmd {
	cmd := exec.Command(podmanBinary, append([]string{"--url", d.host}, args...)...)
	cmd.Env = dockerdEnv()
	return cmd
}
