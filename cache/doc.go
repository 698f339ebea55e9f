// Package cache is the lifecycle's build cache (CONFORMANCE §18 CCH): one
// small interface with a volume (directory) implementation, and later an
// image implementation.
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
