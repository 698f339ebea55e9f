// Package launch is the launcher runtime that ships in every app image:
// reading <layers>/config/metadata.toml, choosing the process, exec.d, profile
// scripts, direct and shell execution (platform.md "launcher"; CONFORMANCE
// LCH). It must stay small: it never imports go-containerregistry or docker
// code (enforced by the depcheck test).
package launch
