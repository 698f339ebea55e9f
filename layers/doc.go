// Package layers turns layer directories into reproducible layer tars in one
// streamed pass and hands them out as go-containerregistry v1.Layer values.
// It knows nothing about registries.
//
// Write walks a directory in lexical order (RPR-4), writes every entry through
// an archive.NormalizingWriter (mtime 1980-01-01T00:00:01Z and the given
// uid/gid: RPR-1, RPR-2), keeps symlinks as symlinks, stores hardlinked files
// as separate files and skips sockets and devices (RPR-5). While the tar is
// written its diffID is hashed, it is gzipped and the compressed digest and
// size are hashed, and the compressed bytes go to the caller's sink: the layer
// is never held in memory nor read back (STYLE §2, "one streamed pass").
// DiffID hashes the same tar without compressing it, for the reuse check of
// EXP-13. An Include filter selects the files of an app slice (EXP-5,
// buildpack.md "Slice Layers").
//
// FileLayer exposes a finished blob as a v1.Layer from the values Write
// recorded; WriteBlob stores a layer in a directory of blobs named by digest,
// as an OCI layout (TGT) or a volume cache (CCH) keeps them.
package layers
