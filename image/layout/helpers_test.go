package layout

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// fileLayer is a layer whose blob is a file of its own, as the lifecycle's
// new layers are: an uncompressed layer, so its diffID is its digest.
type fileLayer struct {
	path   string
	digest v1.Hash
	size   int64
}

var _ blobFile = (*fileLayer)(nil)

// newFileLayer writes data to a file in dir and makes a layer of it.
func newFileLayer(t testing.TB, dir string, data []byte) *fileLayer {
	t.Helper()
	f, err := os.CreateTemp(dir, "layer-*.tar")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return &fileLayer{path: f.Name(), digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}, size: int64(len(data))}
}

func (l *fileLayer) BlobPath() string                     { return l.path }
func (l *fileLayer) Digest() (v1.Hash, error)             { return l.digest, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)             { return l.digest, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)   { return os.Open(l.path) }
func (l *fileLayer) Uncompressed() (io.ReadCloser, error) { return os.Open(l.path) }
func (l *fileLayer) Size() (int64, error)                 { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error)  { return types.OCIUncompressedLayer, nil }

// streamed hides every method of a layer but v1.Layer's, BlobPath among
// them, so that Write must stream it.
type streamed struct{ v1.Layer }

// failing is a layer whose Compressed fails after n bytes.
type failing struct {
	v1.Layer
	n int64
}

var errBroken = errors.New("test: broken layer")

func (l failing) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, l.n), errReader{}), rc}, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

// lying is a layer whose Compressed returns other bytes than its digest
// says.
type lying struct{ v1.Layer }

func (l lying) Compressed() (io.ReadCloser, error) {
	size, _ := l.Size()
	return io.NopCloser(bytes.NewReader(make([]byte, size))), nil
}

// tree is what a directory holds: relative path -> mode and content hash.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		entry := info.Mode().String()
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			entry += " " + hex.EncodeToString(sha256sum(data))
		}
		m[rel] = entry
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sha256sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// inode is the inode number and link count of p.
func inode(t *testing.T, p string) (ino uint64, nlink uint64) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return st.Ino, uint64(st.Nlink)
}

// readAll reads what open returns.
func readAll(t *testing.T, open func() (io.ReadCloser, error)) []byte {
	t.Helper()
	rc, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}
