//go:build !linux

package layout

// swap puts the directory newDir at path by two renames (swapByRename) and
// returns the directory holding the previous layout, for the caller to
// remove.
func swap(newDir, path string) (string, error) {
	return swapByRename(newDir, path)
}

// isMountPoint is false where mounts are not looked into.
func isMountPoint(string) bool { return false }
