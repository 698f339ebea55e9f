//go:build !linux

package priv

// HideEnvironment does nothing where /proc/<pid>/environ does not exist.
func HideEnvironment() error { return nil }
