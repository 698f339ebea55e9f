package priv

import "syscall"

// HideEnvironment marks the process not dumpable (prctl PR_SET_DUMPABLE 0),
// so that processes of the same user, the buildpacks it starts, can neither
// read its /proc/<pid>/environ, which may hold CNB_REGISTRY_AUTH, nor its
// memory (CONFORMANCE PRIV-4, AUTH-4). Call it after Drop: a change of user
// may make the process dumpable again. The children are not affected: exec
// makes a process of the same user dumpable.
func HideEnvironment() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0); errno != 0 {
		return errno
	}
	return nil
}
