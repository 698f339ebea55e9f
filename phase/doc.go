// Package phase holds the lifecycle's use cases, one function per phase
// (Analyze, Detect, Restore, Build, Export, Rebase), each taking a context
// and a config of resolved inputs and returning a result or an error that
// carries the spec's exit code; the creator calls them in order. Images are
// read and written through an ImageStore (a registry, the docker daemon or
// OCI layouts), asked for what it can do, never which backend it is.
// Nothing here reads flags or the process environment, prints banners, or
// exits. Unless SOURCE_DATE_EPOCH says otherwise, every exported image and
// file has archive.NormalizedTime (CONFORMANCE RPR-1, RPR-3).
package phase
