package layout

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

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

// isMountPoint tells whether path is a mount point of this process's mount
// namespace (/proc/self/mountinfo, fifth field).
func isMountPoint(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unescapeMount(fields[4]) == abs {
			return true
		}
	}
	return false
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for _, c := range s[i+1 : i+4] {
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + byte(c-'0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
