// Package depcheck holds only a test: it enforces the import direction of
// STYLE.md §1 with `go list -deps`, as go-containerregistry's depcheck tests
// do for its own packages.
package depcheck
