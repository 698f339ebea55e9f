package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestExtractZerosAsHoles: runs of zeros are written as holes, at the end
// of a file too, and the file reads back byte for byte (issue 8 §3: a tar
// of a few bytes may declare a sparse file of terabytes).
func TestExtractZerosAsHoles(t *testing.T) {
	const size = 8 << 20
	withTail := append(make([]byte, size), []byte("tail")...)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range map[string][]byte{"zeros": make([]byte, size), "dir/tail": withTail, "small": {0, 0, 1}} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	dest := t.TempDir()
	if err := Extract(context.Background(), &buf, dest); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"zeros": make([]byte, size), "dir/tail": withTail, "small": {0, 0, 1}} {
		got, err := os.ReadFile(filepath.Join(dest, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v; want %d bytes as written", name, len(got), err, len(want))
		}
	}
	fi, err := os.Stat(filepath.Join(dest, "zeros"))
	if err != nil {
		t.Fatal(err)
	}
	if blocks := fi.Sys().(*syscall.Stat_t).Blocks * 512; blocks >= size/2 {
		t.Errorf("zeros takes %d bytes on disk for %d of zeros: not written as a hole", blocks, size)
	}
}
