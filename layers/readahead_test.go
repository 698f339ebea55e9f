package layers

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestWriteReadAhead checks the read-ahead of directory entries against an
// independent walk: every file of a tree with more entries per directory
// than a read-ahead batch, nested directories, files around the read-ahead
// size limit, empty files and symlinks, appears once, in name order, with
// its contents (RPR-3).
func TestWriteReadAhead(t *testing.T) {
	var nodes []node
	for d := range 3 {
		for f := range 3*aheadBatch + 1 {
			nodes = append(nodes, node{path: fmt.Sprintf("d%d/f%03d", d, f), body: strings.Repeat(fmt.Sprint(d, f), f)})
		}
		nodes = append(nodes, node{path: fmt.Sprintf("d%d/sub/deeper/x", d), body: "x"})
	}
	for _, size := range []int{0, aheadMaxFile - 1, aheadMaxFile, aheadMaxFile + 1, 3 * aheadMaxFile} {
		nodes = append(nodes, node{path: fmt.Sprintf("sizes/%06d", size), body: strings.Repeat("z", size)})
	}
	nodes = append(nodes, node{path: "sizes/link", link: "->000000"})
	dir := mustTree(t, time.Unix(0, 0), nodes...)

	_, gz := mustWrite(t, Spec{Path: dir, TarPath: "/"})
	got := mustReadTar(t, gz)

	var want []entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		hdr := &tar.Header{Name: filepath.ToSlash(rel)}
		body := ""
		switch {
		case d.IsDir():
			hdr.Name += "/"
		case d.Type()&fs.ModeSymlink != 0:
			hdr.Linkname, _ = os.Readlink(p)
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			body = string(b)
		}
		want = append(want, entry{hdr: hdr, body: body})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("tar has %d entries, the tree %d", len(got), len(want))
	}
	if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i].hdr.Name < got[j].hdr.Name }) {
		t.Errorf("entries not in name order: %v", names(got))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.hdr.Name != w.hdr.Name || g.hdr.Linkname != w.hdr.Linkname || g.body != w.body {
			t.Errorf("entry %d = %q -> %q (%d bytes), want %q -> %q (%d bytes)",
				i, g.hdr.Name, g.hdr.Linkname, len(g.body), w.hdr.Name, w.hdr.Linkname, len(w.body))
		}
	}
}

// TestWriteReadAheadStops checks that a walk ended by an error or a
// cancellation leaves no read-ahead goroutine behind.
func TestWriteReadAheadStops(t *testing.T) {
	var nodes []node
	for d := range 4 {
		for f := range 5 * aheadBatch {
			nodes = append(nodes, node{path: fmt.Sprintf("d%d/f%03d", d, f), body: strings.Repeat("y", 4096)})
		}
	}
	dir := mustTree(t, time.Unix(0, 0), nodes...)
	before := runtime.NumGoroutine()
	for range 20 {
		if _, err := Write(context.Background(), Spec{Path: dir, TarPath: "/"}, &failingWriter{after: 100}); err == nil {
			t.Fatal("Write to a failing sink succeeded")
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := DiffID(ctx, Spec{Path: dir, TarPath: "/"}); err == nil {
			t.Fatal("DiffID(cancelled) succeeded")
		}
	}
	var after int
	for range 100 {
		if after = runtime.NumGoroutine(); after <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Errorf("%d goroutines before, %d after:\n%s", before, after, bytes.TrimSpace(buf[:runtime.Stack(buf, true)]))
}
