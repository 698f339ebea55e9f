//go:build !linux

package archive

import "os"

// dirHandle is an open directory below the extraction root in which files are
// created.
type dirHandle struct {
	r *os.Root
}

// openDirHandle opens dir through root, so that it lies inside root.
func openDirHandle(root *os.Root, dir string) (*dirHandle, error) {
	r, err := root.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &dirHandle{r: r}, nil
}

func (d *dirHandle) Close() error { return d.r.Close() }

// create makes the new regular file base in d; it fails if base exists.
func (d *dirHandle) create(base string) (newFile, error) {
	return d.r.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}
