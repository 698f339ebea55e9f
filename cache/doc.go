// Package cache is the lifecycle's build cache (CONFORMANCE §18 CCH): a
// volume (directory, Volume) and a cache image in a registry (Image). A
// cache that cannot be read is an empty cache: the readers say why with an
// *EmptyError, which callers print as a warning and go on (CCH-4).
//
// The volume cache is content addressed: every layer is a gzipped tar named
// by its diffID under blobs/, and metadata.json (the cache metadata, CCH-3)
// names the layers of the last committed export. A commit writes the new
// blobs first, then replaces metadata.json atomically (rename), then removes
// the blobs it no longer names. A failed export therefore never damages the
// committed cache (CCH-1), and an unchanged layer costs nothing to keep. The
// restorer verifies a blob's diffID while extracting it, so corrupt entries
// are found without a separate hashing pass (CCH-3 R, RES-6).
package cache

// EmptyError says why a cache starts empty: its metadata or image could
// not be read (CCH-4). It is a warning, not a failure.
type EmptyError struct {
	What string // what could not be read, such as "cache metadata is corrupt"
	Err  error
}

func (e *EmptyError) Error() string {
	return e.What + ", starting with an empty cache: " + e.Err.Error()
}

func (e *EmptyError) Unwrap() error { return e.Err }
