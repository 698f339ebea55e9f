package layout

import (
	"os"

	"github.com/pkg/errors"
	"golang.org/x/sys/unix"
)

// swap puts the directory newDir at path. On Linux the two names are
// exchanged in one step (renameat2 RENAME_EXCHANGE), so that path always
// holds a complete layout, and newDir is left holding the previous one for
// the caller to remove; the returned directory is what to remove. Where the
// file system cannot exchange names it falls back to swapByRename.
func swap(newDir, path string) (string, error) {
	err := unix.Renameat2(unix.AT_FDCWD, newDir, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return newDir, nil
	case errors.Is(err, unix.ENOENT):
		// No previous layout.
		return "", os.Rename(newDir, path)
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP):
		return swapByRename(newDir, path)
	}
	return "", &os.LinkError{Op: "exchange", Old: newDir, New: path, Err: err}
}
