// Package buildinfo carries the lifecycle's version, stamped at link time by
// the Makefile (-ldflags "-X .../internal/buildinfo.Version=..."). It is the
// one package-level variable the project has, and nothing assigns it at run
// time.
package buildinfo

// Version is the lifecycle version printed by -version.
var Version = "0.0.0-dev"
