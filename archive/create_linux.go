//go:build linux

package archive

import (
	"io/fs"
	"os"
	"syscall"
)

// dirHandle is an open directory below the extraction root in which files are
// created with openat(2) and plain system calls on the new descriptor: going
// through *os.File would register every new file with the runtime poller
// (four fcntl calls and a failing epoll_ctl per regular file), which doubles
// the system calls per file when restoring many small files (W2).
type dirHandle struct {
	f *os.File
}

// openDirHandle opens dir through root, so that it lies inside root.
func openDirHandle(root *os.Root, dir string) (*dirHandle, error) {
	f, err := root.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	return &dirHandle{f: f}, nil
}

func (d *dirHandle) Close() error { return d.f.Close() }

// create makes the new regular file base, a single path component, in d. It
// fails if base exists, even as a symlink (O_EXCL), so nothing is written
// through a link.
func (d *dirHandle) create(base string) (newFile, error) {
	for {
		fd, err := syscall.Openat(int(d.f.Fd()), base, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "openat", Path: base, Err: err}
		}
		return rawFile(fd), nil
	}
}

// rawFile is a file descriptor written with plain system calls.
type rawFile int

func (f rawFile) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Write(int(f), p[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

func (f rawFile) Chmod(mode fs.FileMode) error {
	m := uint32(mode.Perm())
	if mode&fs.ModeSetuid != 0 {
		m |= syscall.S_ISUID
	}
	if mode&fs.ModeSetgid != 0 {
		m |= syscall.S_ISGID
	}
	if mode&fs.ModeSticky != 0 {
		m |= syscall.S_ISVTX
	}
	return ignoringEINTR(func() error { return syscall.Fchmod(int(f), m) })
}

func (f rawFile) Chown(uid, gid int) error {
	return ignoringEINTR(func() error { return syscall.Fchown(int(f), uid, gid) })
}

func (f rawFile) Seek(offset int64, whence int) (int64, error) {
	return syscall.Seek(int(f), offset, whence)
}

func (f rawFile) Truncate(size int64) error {
	return ignoringEINTR(func() error { return syscall.Ftruncate(int(f), size) })
}

func (f rawFile) Close() error { return syscall.Close(int(f)) }

func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}
