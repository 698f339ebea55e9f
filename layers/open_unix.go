//go:build unix

package layers

import (
	"io"
	"io/fs"
	"syscall"
)

// openFile opens a regular file for reading. It skips os.Open, which registers
// every file with the runtime poller (four fcntl calls and a failing epoll_ctl
// for a regular file): for a layer of many small files (W2) that doubled the
// system calls per file. O_NOFOLLOW refuses a file that became a symlink
// since the walk saw it.
func openFile(path string) (io.ReadCloser, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return rawFile(fd), nil
	}
}

// rawFile is a file descriptor read with plain system calls; regular files
// block in the kernel either way.
type rawFile int

func (f rawFile) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(f), p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f rawFile) Close() error {
	return syscall.Close(int(f))
}
