package layout

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// bigFileLayer writes size random bytes to a file in dir, hashing them on
// the way, and makes a layer of it.
func bigFileLayer(b *testing.B, dir string, size int64) *fileLayer {
	b.Helper()
	f, err := os.Create(filepath.Join(dir, "big.blob"))
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(io.MultiWriter(f, h), src, size); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return &fileLayer{path: f.Name(), digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, size: size}
}

// BenchmarkWrite1GiB writes an image of one 1 GiB layer whose blob is a
// file, linked (BlobPath) or streamed and hashed (the same layer without
// BlobPath). Run it with -benchtime=3x: each iteration replaces the layout.
func BenchmarkWrite1GiB(b *testing.B) {
	const size = 1 << 30
	dir := b.TempDir()
	fl := bigFileLayer(b, dir, size)
	for _, bc := range []struct {
		name  string
		layer v1.Layer
	}{
		{"link", fl},
		{"stream", streamed{fl}},
	} {
		img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), bc.layer)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(size)
			p := filepath.Join(dir, bc.name)
			for b.Loop() {
				if _, err := Write(context.Background(), p, img, "latest"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
