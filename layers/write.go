package layers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"github.com/klauspost/compress/gzip"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// Sizes of the pipeline between the walk, gzip and the sink: 4 chunks of
// 256 KiB per stage.
const (
	chunkSize  = 256 << 10
	chunkDepth = 4
)

// Write writes the layer described by spec, gzipped, to compressed, and
// returns its diffID, digest and sizes, all computed in the same pass: the tar
// is hashed as it is produced, gzip runs on a goroutine of its own, and a
// third hashes the compressed bytes while handing them to compressed in
// chunks of up to 256 KiB. Nothing is buffered beyond those chunks and
// nothing is read twice. On error, compressed has received a partial layer.
func Write(ctx context.Context, spec Spec, compressed io.Writer, opts ...Option) (Result, error) {
	o, err := newOptions(opts)
	if err != nil {
		return Result{}, err
	}
	digest := newHashCounter()
	tail := newStage(io.MultiWriter(digest, compressed), chunkSize, chunkDepth)
	defer tail.Close()
	gz, err := gzip.NewWriterLevel(tail, o.level)
	if err != nil {
		return Result{}, errors.Wrap(err, "starting gzip")
	}
	mid := newStage(gz, chunkSize, chunkDepth)
	defer mid.Close()
	diff := newHashCounter()

	entries, err := writeTar(ctx, spec, io.MultiWriter(diff, mid))
	if err != nil {
		return Result{}, errors.Wrapf(err, "writing layer %s", spec.Path)
	}
	if err := mid.Close(); err != nil {
		return Result{}, errors.Wrapf(err, "compressing layer %s", spec.Path)
	}
	if err := gz.Close(); err != nil {
		return Result{}, errors.Wrapf(err, "compressing layer %s", spec.Path)
	}
	if err := tail.Close(); err != nil {
		return Result{}, errors.Wrapf(err, "writing layer %s", spec.Path)
	}
	return Result{
		DiffID:           diff.sum(),
		Digest:           digest.sum(),
		Size:             digest.n,
		UncompressedSize: diff.n,
		Entries:          entries,
	}, nil
}

// DiffID returns the diffID of the layer Write would make from spec, hashing
// its tar without compressing or storing it: the cheap check whether a layer
// changed since the previous image (EXP-13).
func DiffID(ctx context.Context, spec Spec) (v1.Hash, error) {
	diff := newHashCounter()
	if _, err := writeTar(ctx, spec, diff); err != nil {
		return v1.Hash{}, errors.Wrapf(err, "hashing layer %s", spec.Path)
	}
	return diff.sum(), nil
}

// hashCounter is a sha256 hash that counts the bytes it is given.
type hashCounter struct {
	h hash.Hash
	n int64
}

func newHashCounter() *hashCounter { return &hashCounter{h: sha256.New()} }

func (c *hashCounter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

func (c *hashCounter) sum() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(c.h.Sum(nil))}
}
