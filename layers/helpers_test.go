package layers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// node is one entry of a test tree: a path ending in "/" is a directory, a
// link starting with "->" a symlink.
type node struct {
	path string
	body string
	mode os.FileMode
	link string
}

// mustTree creates nodes below a new directory, in the given order, with the
// given mtime on every entry.
func mustTree(t *testing.T, mtime time.Time, nodes ...node) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range nodes {
		p := filepath.Join(dir, n.path)
		var err error
		switch {
		case n.link != "":
			err = os.Symlink(strings.TrimPrefix(n.link, "->"), p)
		case strings.HasSuffix(n.path, "/"):
			err = os.MkdirAll(p, 0o755)
		default:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				err = os.WriteFile(p, []byte(n.body), 0o644)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if n.mode != 0 {
			if err := os.Chmod(p, n.mode); err != nil {
				t.Fatal(err)
			}
		}
		if n.link == "" {
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// mustWrite writes spec into memory (tests only) and returns the result and
// the gzipped bytes.
func mustWrite(t *testing.T, spec Spec, opts ...Option) (Result, []byte) {
	t.Helper()
	var buf bytes.Buffer
	res, err := Write(context.Background(), spec, &buf, opts...)
	if err != nil {
		t.Fatalf("Write(%s) = %v", spec.Path, err)
	}
	return res, buf.Bytes()
}

// entry is a tar header with the contents that followed it.
type entry struct {
	hdr  *tar.Header
	body string
}

func mustReadTar(t *testing.T, gz []byte) []entry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out []entry
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{hdr: hdr, body: string(body)})
	}
}

func names(entries []entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.hdr.Name)
	}
	return out
}

// mustRandomFile writes size pseudo-random (incompressible) bytes to path.
func mustRandomFile(t testing.TB, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{1, 2, 3})
	if _, err := io.CopyN(f, rng, size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
