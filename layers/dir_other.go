//go:build !linux

package layers

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// dirHandle is an open directory of the walk; elsewhere than on Linux it is
// its path, and entries are reached by joined paths.
type dirHandle struct {
	path string
}

func openDir(path string) (*dirHandle, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrInvalid}
	}
	return &dirHandle{path: path}, nil
}

func (d *dirHandle) openDir(name string) (*dirHandle, error) {
	return &dirHandle{path: filepath.Join(d.path, name)}, nil
}

func (d *dirHandle) Close() error { return nil }

func (d *dirHandle) names() ([]string, error) {
	f, err := os.Open(d.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}

func (d *dirHandle) lstat(name string) (fs.FileInfo, error) {
	return os.Lstat(filepath.Join(d.path, name))
}

func (d *dirHandle) openFile(name string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(d.path, name))
}

func (d *dirHandle) readlink(name string) (string, error) {
	return os.Readlink(filepath.Join(d.path, name))
}

func openFilePath(path string) (io.ReadCloser, error) { return os.Open(path) }
