package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzExtract: any bytes given to Extract as a tar are extracted or
// refused, never panic, and never write outside the destination: a
// directory beside it stays empty (CONFORMANCE LAY-*, RES-6; issue 8 §3).
func FuzzExtract(f *testing.F) {
	for _, entries := range [][]*tar.Header{
		{{Name: "a/", Typeflag: tar.TypeDir, Mode: 0o755}, {Name: "a/f", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3}},
		{{Name: "../outside/escape", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3}},
		{{Name: "/abs", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3}},
		{{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "../outside"}, {Name: "link/through", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3}},
		{{Name: "hard", Typeflag: tar.TypeLink, Linkname: "../outside/x"}},
		{{Name: "dev", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}},
		{{Name: "suid", Typeflag: tar.TypeReg, Mode: 0o4755, Size: 3}},
		{{Name: "d/.wh.f", Typeflag: tar.TypeReg, Mode: 0o644}},
	} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, h := range entries {
			tw.WriteHeader(h)
			if h.Size > 0 {
				tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
			}
		}
		tw.Close()
		f.Add(buf.Bytes())
	}
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dest := filepath.Join(root, "dest")
		outside := filepath.Join(root, "outside")
		if err := os.Mkdir(outside, 0o755); err != nil {
			t.Fatal(err)
		}
		// A few bytes can declare a sparse file of terabytes: bound the
		// time, Extract stops when its context ends.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_ = Extract(ctx, bytes.NewReader(data), dest, WithWhiteouts())
		if es, _ := os.ReadDir(outside); len(es) > 0 {
			t.Fatalf("extraction wrote outside its destination: %v", es)
		}
		if es, _ := os.ReadDir(root); len(es) > 2 {
			t.Fatalf("extraction wrote beside its destination: %v", es)
		}
	})
}
