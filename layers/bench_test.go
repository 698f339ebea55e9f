package layers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/archive"
)

// BenchmarkWrite measures Write to io.Discard and WriteBlob to a file, for one
// 64 MiB incompressible file (as W1) and for 10k small files (as W2, 2 KiB
// each). Run with: go test -run X -bench . ./layers/
func BenchmarkWrite(b *testing.B) {
	big := b.TempDir()
	mustRandomFile(b, filepath.Join(big, "random"), 64<<20)
	small := mustSmallFiles(b, 100, 100, 2048)
	blobs := b.TempDir()
	for _, tc := range []struct {
		name  string
		dir   string
		files int
		bytes int64
	}{
		{name: "64MiB", dir: big, files: 1, bytes: 64 << 20},
		{name: "10k-files", dir: small, files: 10000, bytes: 10000 * 2048},
	} {
		spec := Spec{Path: tc.dir, TarPath: "/layers/bp/layer", UID: 1000, GID: 1000}
		run := func(b *testing.B, write func() error) {
			b.SetBytes(tc.bytes)
			for b.Loop() {
				if err := write(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(tc.files*b.N)/b.Elapsed().Seconds(), "files/s")
		}
		b.Run(tc.name+"/discard", func(b *testing.B) {
			run(b, func() error { _, err := Write(context.Background(), spec, io.Discard); return err })
		})
		b.Run(tc.name+"/blob", func(b *testing.B) {
			run(b, func() error { _, _, err := WriteBlob(context.Background(), spec, blobs); return err })
		})
		b.Run(tc.name+"/diffid", func(b *testing.B) {
			run(b, func() error { _, err := DiffID(context.Background(), spec); return err })
		})
	}
}

// mustSmallFiles makes dirs x files of size bytes of base64-like text.
func mustSmallFiles(b *testing.B, dirs, files, size int) string {
	b.Helper()
	root := b.TempDir()
	body := make([]byte, size)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range body {
		body[i] = alphabet[(i*7919+i/64)%len(alphabet)]
	}
	for d := range dirs {
		dir := filepath.Join(root, fmt.Sprintf("d%03d", d))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range files {
			body[0] = byte('A' + f%26)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d", f)), body, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return root
}

// BenchmarkExtract measures archive.Extract of the 10k-file layer (the
// restorer's W2 work), from an uncompressed tar held in memory.
func BenchmarkExtract(b *testing.B) {
	small := mustSmallFiles(b, 100, 100, 2048)
	var tarball bytes.Buffer
	if _, err := writeTar(context.Background(), Spec{Path: small, TarPath: "/layers/bp/layer"}, &tarball); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(10000 * 2048)
	dest := b.TempDir()
	i := 0
	for b.Loop() {
		i++
		if err := archive.Extract(context.Background(), bytes.NewReader(tarball.Bytes()), filepath.Join(dest, fmt.Sprint(i))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "files/s")
}
