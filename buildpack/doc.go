// Package buildpack is the Buildpack API contract (buildpack.md, Buildpack API
// 0.7-0.12) as the lifecycle executes it: buildpack.toml descriptors and the
// buildpacks directory, order and group types with their TOML (order.toml,
// group.toml), running /bin/detect, order resolution and build plan
// resolution (buildpack.md "Phase #1: Detection"), and target matching.
//
// It never imports platform: Platform API questions (which flags, which exit
// code) are answered by the caller, which inspects the typed errors here.
package buildpack
