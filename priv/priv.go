// Package priv handles the process's user: refusing root, handing
// directories to the build user and dropping to it (CONFORMANCE PRIV-1..3),
// keeping its environment from the buildpacks it starts (PRIV-4).
package priv

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/pkg/errors"
)

// IsRoot reports whether the process runs with effective uid 0.
func IsRoot() bool { return os.Geteuid() == 0 }

// EnsureOwner makes each existing directory usable by uid:gid: when it is
// not already writable by them (owner, group-writable for gid, or
// world-writable), it is chowned recursively (lchown for links). Missing
// directories are skipped; without root nothing can be chowned, so nothing
// is tried (kpack and Tekton run as the build user already).
func EnsureOwner(uid, gid int, dirs ...string) error {
	if !IsRoot() {
		return nil
	}
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		fi, err := os.Stat(dir)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return errors.Wrapf(err, "checking %s", dir)
		}
		if writableBy(fi, uid, gid) {
			continue
		}
		err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			err = os.Lchown(p, uid, gid)
			if errors.Is(err, syscall.EROFS) {
				// A read-only mount inside (pack mounts the run image's
				// layout so) is not the build user's to write: leave it.
				if fi.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			return err
		})
		if err != nil {
			return errors.Wrapf(err, "chowning %s to %d:%d", dir, uid, gid)
		}
	}
	return nil
}

func writableBy(fi os.FileInfo, uid, gid int) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	mode := fi.Mode().Perm()
	switch {
	case int(st.Uid) == uid:
		return mode&0o200 != 0
	case int(st.Gid) == gid:
		return mode&0o020 != 0
	}
	return mode&0o002 != 0
}

// Drop switches the whole process to uid:gid (setresgid, then setresuid)
// when it runs as root. A process that is not root already runs as the build
// user the platform chose (kpack, Tekton: no capabilities, ids from the
// pod), so it stays as it is. A failed switch is an error (exit 1, "exec as
// user", CONFORMANCE PRIV-2).
func Drop(uid, gid int) error {
	if !IsRoot() || (os.Geteuid() == uid && os.Getegid() == gid) {
		return nil
	}
	if err := syscall.Setgroups(nil); err != nil {
		return errors.Wrapf(err, "exec as user %d:%d: clearing groups", uid, gid)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return errors.Wrapf(err, "exec as user %d:%d: setting group", uid, gid)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return errors.Wrapf(err, "exec as user %d:%d: setting user", uid, gid)
	}
	return nil
}
