// Package archive holds the tar primitives the lifecycle builds layers from and
// restores them with: a normalizing decorator over a tar writer and a safe
// extractor. It knows nothing about buildpacks or images.
//
// NormalizingWriter pins every header to the values reproducible layers need:
// mtime 1980-01-01T00:00:01Z (RPR-1), the given uid/gid with blank user and group
// names (RPR-2), no access or change times, one fixed tar format (RPR-4).
//
// Extract unpacks a tar stream below a destination directory through an
// [os.Root], so no entry name, symlink or hardlink can make it write outside
// that directory. It optionally applies OCI whiteouts (image-spec layer.md,
// "Whiteouts") and chowns what it creates (RES: restored layers, PRIV).
package archive
