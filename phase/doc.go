// Package phase holds the lifecycle's use cases, one function per phase
// (Detect, and later Analyze, Restore, Build, Export, Rebase), each taking a
// context, a config of resolved inputs and returning a result or an error
// that carries the spec's exit code. The creator calls them in order. Nothing
// here reads flags or the process environment, prints banners, or exits.
package phase
