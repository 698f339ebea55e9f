// Package files owns the codecs for the platform's data files (platform.md,
// "Data Format", Platform API 0.7-0.15; CONFORMANCE §14 FIL): analyzed.toml,
// plan.toml (and the per-buildpack plan handed to /bin/build), run.toml,
// stack.toml (Platform API < 0.12), system.toml, project-metadata.toml and
// report.toml.
//
// Each file has a Go type X and a pair ReadX(path) / WriteX(path, x) that
// share one set of rules (FIL-11):
//
//   - Reading a missing file returns an error matching os.ErrNotExist, so the
//     caller decides whether absence is fine (run.toml, system.toml and
//     project-metadata.toml may be absent; analyzed.toml may not).
//   - Malformed TOML is an error naming the file; unknown keys are ignored.
//   - Writing creates the parent directories, replaces the file atomically
//     (temporary file in the same directory, then rename) with mode 0644, and
//     is deterministic: the same value always gives the same bytes.
//
// Empty slices, maps and optional sections are omitted on write, so they read
// back as nil.
//
// The package knows nothing of Platform API versions: callers pick which file
// to read (run.toml or stack.toml) and which fields to fill.
package files
