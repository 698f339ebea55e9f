package layers

import (
	"context"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"
)

// WriteTar writes the uncompressed tar of spec to w, hashing it on the way:
// the layer for a destination that never reads gzip (the docker daemon).
// The Result's Digest equals its DiffID and Size its UncompressedSize.
func WriteTar(ctx context.Context, spec Spec, w io.Writer) (Result, error) {
	diff := newHashCounter()
	tail := newStage(io.MultiWriter(diff, w), chunkSize, chunkDepth)
	defer tail.Close()
	entries, err := writeTar(ctx, spec, tail)
	if err != nil {
		return Result{}, errors.Wrapf(err, "writing layer %s", spec.Path)
	}
	if err := tail.Close(); err != nil {
		return Result{}, errors.Wrapf(err, "writing layer %s", spec.Path)
	}
	d := diff.sum()
	return Result{DiffID: d, Digest: d, Size: diff.n, UncompressedSize: diff.n, Entries: entries}, nil
}

// TarFileLayer returns a v1.Layer over the uncompressed layer tar at path,
// which WriteTar produced with the Result r: an uncompressed layer (media
// type DockerUncompressedLayer) whose Digest is its DiffID; both Compressed
// and Uncompressed open the file.
func TarFileLayer(path string, r Result) v1.Layer {
	return &tarFileLayer{path: path, res: r}
}

type tarFileLayer struct {
	path string
	res  Result
}

var _ v1.Layer = (*tarFileLayer)(nil)

func (l *tarFileLayer) Digest() (v1.Hash, error) { return l.res.DiffID, nil }
func (l *tarFileLayer) DiffID() (v1.Hash, error) { return l.res.DiffID, nil }
func (l *tarFileLayer) Size() (int64, error)     { return l.res.UncompressedSize, nil }
func (l *tarFileLayer) MediaType() (types.MediaType, error) {
	return types.DockerUncompressedLayer, nil
}

// UncompressedSize is the size of the tar, so that a docker-archive writer
// can stream it without measuring it first.
func (l *tarFileLayer) UncompressedSize() (int64, error) { return l.res.UncompressedSize, nil }

// TarPath is the uncompressed tar file, for writers that can link it.
func (l *tarFileLayer) TarPath() string { return l.path }

func (l *tarFileLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	return f, errors.Wrap(err, "opening layer tar")
}

// Compressed is the tar itself: the layer's media type says uncompressed,
// and its Digest is the tar's sha256.
func (l *tarFileLayer) Compressed() (io.ReadCloser, error) { return l.Uncompressed() }
