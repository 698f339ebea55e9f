package layers

import (
	"bufio"
	"context"
	"github.com/klauspost/compress/gzip"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"
)

// WriteBlob writes the layer described by spec into dir as <dir>/<hex>, where
// hex is the hex part of its sha256 digest: the name blobs get in an OCI
// layout's blobs/sha256 directory. The layer is written to a temporary file in
// dir and renamed when complete, so <dir>/<hex> is either absent or whole, and
// a failed write leaves nothing behind. WriteBlob returns the Result and the
// final path.
func WriteBlob(ctx context.Context, spec Spec, dir string, opts ...Option) (Result, string, error) {
	f, err := os.CreateTemp(dir, ".layer-*.tmp")
	if err != nil {
		return Result{}, "", errors.Wrap(err, "creating layer blob")
	}
	res, err := Write(ctx, spec, f, opts...)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = errors.Wrapf(cerr, "writing %s", f.Name())
	}
	if err != nil {
		os.Remove(f.Name())
		return Result{}, "", err
	}
	final := filepath.Join(dir, res.Digest.Hex)
	if err := os.Rename(f.Name(), final); err != nil {
		os.Remove(f.Name())
		return Result{}, "", errors.Wrapf(err, "storing layer blob %s", final)
	}
	return res, final, nil
}

// FileLayer returns a v1.Layer over the gzipped layer blob at path, which
// Write or WriteBlob produced with the Result r. Digest, DiffID, Size and
// MediaType return the recorded values without reading the file; Compressed
// opens it and Uncompressed gunzips it.
func FileLayer(path string, r Result, mediaType types.MediaType) v1.Layer {
	return &fileLayer{path: path, res: r, mediaType: mediaType}
}

type fileLayer struct {
	path      string
	res       Result
	mediaType types.MediaType
}

var _ v1.Layer = (*fileLayer)(nil)

// BlobPath is the file holding exactly the compressed blob, for writers that
// can link it instead of copying it (an OCI layout).
func (l *fileLayer) BlobPath() string { return l.path }

func (l *fileLayer) Digest() (v1.Hash, error)            { return l.res.Digest, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)            { return l.res.DiffID, nil }
func (l *fileLayer) Size() (int64, error)                { return l.res.Size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }

func (l *fileLayer) Compressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, errors.Wrap(err, "opening layer blob")
	}
	return f, nil
}

func (l *fileLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, errors.Wrap(err, "opening layer blob")
	}
	// gzip reads through a bufio.Reader of 4 KiB unless handed a byte
	// reader: 1 MiB reads make a 1 GiB layer 1k system calls, not 256k.
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, errors.Wrapf(err, "reading layer blob %s", l.path)
	}
	return &gunzipReader{Reader: zr, f: f}, nil
}

// gunzipReader closes both the gzip reader and the file under it.
type gunzipReader struct {
	*gzip.Reader
	f *os.File
}

func (r *gunzipReader) Close() error {
	zerr := r.Reader.Close()
	if err := r.f.Close(); err != nil {
		return err
	}
	return zerr
}
