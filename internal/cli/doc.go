// Package cli is the front door of every phase but the launcher: one
// Run<Phase> function per executable that checks CNB_PLATFORM_API, builds a
// flag.FlagSet from platform's table for that API, sets up the logger,
// checks privileges, calls the phase, and turns the error into an exit code.
// It holds no logic a test of a phase would need.
package cli
