// Package priv answers questions about the process's user and, in later
// phases, drops privileges and chowns directories (CONFORMANCE PRIV-1..3).
package priv

import "os"

// IsRoot reports whether the process runs with effective uid 0.
func IsRoot() bool { return os.Geteuid() == 0 }
