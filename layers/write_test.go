package layers

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cnb-lifecycle/lifecycle/archive"
)

var tree = []node{
	{path: "b/", mode: 0o750},
	{path: "b/z.txt", body: "zzz"},
	{path: "b/a.sh", body: "#!/bin/sh\n", mode: 0o755},
	{path: "a.txt", body: "hello"},
	{path: "empty/"},
	{path: "link", link: "->b/a.sh"},
	{path: "abs", link: "->/etc/passwd"},
}

// RPR-4: same tree, other mtimes and creation order, same layer.
func TestWriteReproducible(t *testing.T) {
	reversed := slices.Clone(tree)
	slices.Reverse(reversed[1:]) // "b/" stays first: it is the parent of b/*
	dirA := mustTree(t, time.Unix(1000, 0), tree...)
	dirB := mustTree(t, time.Now(), reversed...)
	spec := Spec{TarPath: "/layers/example_node/modules", UID: 1000, GID: 1001}

	specA, specB := spec, spec
	specA.Path, specB.Path = dirA, dirB
	a, gzA := mustWrite(t, specA)
	b, gzB := mustWrite(t, specB)
	if a != b || !bytes.Equal(gzA, gzB) {
		t.Errorf("Write(B) = %+v, want %+v (as Write(A))", b, a)
	}
	if a.Size != int64(len(gzA)) {
		t.Errorf("Write(A).Size = %d, want %d", a.Size, len(gzA))
	}

	if err := os.WriteFile(filepath.Join(dirB, "b/z.txt"), []byte("zzy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, _ := mustWrite(t, specB); c.DiffID == a.DiffID {
		t.Errorf("Write(one byte changed).DiffID = %v, want it to differ", c.DiffID)
	}
}

func TestWriteHeaders(t *testing.T) {
	dir := mustTree(t, time.Now(), tree...)
	res, gz := mustWrite(t, Spec{Path: dir, TarPath: "/layers/example_node/modules", UID: 1000, GID: 1001})
	entries := mustReadTar(t, gz)
	wantNames := []string{
		"layers/", "layers/example_node/", "layers/example_node/modules/",
		"layers/example_node/modules/a.txt",
		"layers/example_node/modules/abs",
		"layers/example_node/modules/b/",
		"layers/example_node/modules/b/a.sh",
		"layers/example_node/modules/b/z.txt",
		"layers/example_node/modules/empty/",
		"layers/example_node/modules/link",
	}
	if got := names(entries); !slices.Equal(got, wantNames) {
		t.Fatalf("tar names = %q, want %q", got, wantNames)
	}
	if res.Entries != len(wantNames)-2 {
		t.Errorf("Write().Entries = %d, want %d", res.Entries, len(wantNames)-2)
	}
	want := map[string]struct {
		typ  byte
		mode int64
		body string
		link string
	}{
		"layers/":                             {typ: tar.TypeDir, mode: 0o755},
		"layers/example_node/":                {typ: tar.TypeDir, mode: 0o755},
		"layers/example_node/modules/a.txt":   {typ: tar.TypeReg, mode: 0o644, body: "hello"},
		"layers/example_node/modules/abs":     {typ: tar.TypeSymlink, mode: 0o777, link: "/etc/passwd"},
		"layers/example_node/modules/b/":      {typ: tar.TypeDir, mode: 0o750},
		"layers/example_node/modules/b/a.sh":  {typ: tar.TypeReg, mode: 0o755, body: "#!/bin/sh\n"},
		"layers/example_node/modules/empty/":  {typ: tar.TypeDir, mode: 0o755},
		"layers/example_node/modules/link":    {typ: tar.TypeSymlink, mode: 0o777, link: "b/a.sh"},
		"layers/example_node/modules/b/z.txt": {typ: tar.TypeReg, mode: 0o644, body: "zzz"},
	}
	for _, e := range entries {
		h := e.hdr
		if !h.ModTime.Equal(archive.NormalizedTime) || h.Uid != 1000 || h.Gid != 1001 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: mtime, owner = %v, %d:%d %q:%q, want %v, 1000:1001 (RPR-1, RPR-2)", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname, archive.NormalizedTime)
		}
		w, ok := want[h.Name]
		if !ok {
			continue
		}
		if h.Typeflag != w.typ || h.Mode != w.mode || e.body != w.body || h.Linkname != w.link {
			t.Errorf("%s = type %c mode %o body %q link %q, want %c %o %q %q", h.Name, h.Typeflag, h.Mode, e.body, h.Linkname, w.typ, w.mode, w.body, w.link)
		}
	}
}

func TestWriteTarPaths(t *testing.T) {
	dir := mustTree(t, time.Now(), node{path: "f", body: "x"})
	file := filepath.Join(dir, "f")
	for _, tc := range []struct {
		name    string
		spec    Spec
		want    []string
		wantErr bool
	}{
		{name: "top of the tar", spec: Spec{Path: dir, TarPath: "/"}, want: []string{"f"}},
		{name: "single file (EXP-6)", spec: Spec{Path: file, TarPath: "/cnb/lifecycle/launcher"}, want: []string{"cnb/", "cnb/lifecycle/", "cnb/lifecycle/launcher"}},
		{name: "relative TarPath", spec: Spec{Path: dir, TarPath: "workspace"}, want: []string{"workspace/", "workspace/f"}},
		{name: "empty TarPath", spec: Spec{Path: dir}, wantErr: true},
		{name: "file at the top", spec: Spec{Path: file, TarPath: "/"}, wantErr: true},
		{name: "missing Path", spec: Spec{Path: filepath.Join(dir, "nope"), TarPath: "/x"}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := Write(context.Background(), tc.spec, &buf)
			if tc.wantErr {
				if err == nil {
					t.Errorf("Write(%+v) = nil, want an error", tc.spec)
				}
				return
			}
			if err != nil {
				t.Fatalf("Write(%+v) = %v", tc.spec, err)
			}
			if got := names(mustReadTar(t, buf.Bytes())); !slices.Equal(got, tc.want) {
				t.Errorf("Write(%+v) names = %q, want %q", tc.spec, got, tc.want)
			}
		})
	}
}

// EXP-5: slices pick files by an Include filter and keep their parents.
func TestWriteInclude(t *testing.T) {
	dir := mustTree(t, time.Now(),
		node{path: "static/css/site.css", body: "css"},
		node{path: "static/img/"},
		node{path: "src/main.go", body: "package main"},
		node{path: "README", body: "readme"},
	)
	inSlice := func(rel string, _ fs.FileInfo) bool { return strings.HasSuffix(rel, ".css") }
	for _, tc := range []struct {
		name        string
		include     func(string, fs.FileInfo) bool
		want        []string
		wantEntries int
	}{
		{name: "slice", include: inSlice, want: []string{"workspace/", "workspace/static/", "workspace/static/css/", "workspace/static/css/site.css"}, wantEntries: 4},
		{name: "rest", include: func(rel string, fi fs.FileInfo) bool { return !inSlice(rel, fi) }, want: []string{
			"workspace/", "workspace/README", "workspace/src/", "workspace/src/main.go", "workspace/static/", "workspace/static/css/", "workspace/static/img/",
		}, wantEntries: 7},
		{name: "nothing", include: func(string, fs.FileInfo) bool { return false }, want: nil, wantEntries: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, gz := mustWrite(t, Spec{Path: dir, TarPath: "/workspace", Include: tc.include})
			if got := names(mustReadTar(t, gz)); !slices.Equal(got, tc.want) {
				t.Errorf("Write(%s) names = %q, want %q", tc.name, got, tc.want)
			}
			if res.Entries != tc.wantEntries {
				t.Errorf("Write(%s).Entries = %d, want %d", tc.name, res.Entries, tc.wantEntries)
			}
		})
	}
}

func TestDiffIDMatchesWrite(t *testing.T) {
	dir := mustTree(t, time.Now(), tree...)
	for _, level := range []int{-2, 0, 1, 9} {
		spec := Spec{Path: dir, TarPath: "/layers/bp/layer", UID: 1000, GID: 1000}
		res, _ := mustWrite(t, spec, WithCompressionLevel(level))
		got, err := DiffID(context.Background(), spec)
		if err != nil || got != res.DiffID {
			t.Errorf("DiffID(level %d) = %v, %v, want %v", level, got, err, res.DiffID)
		}
	}
	if _, err := Write(context.Background(), Spec{Path: dir, TarPath: "/"}, &bytes.Buffer{}, WithCompressionLevel(10)); err == nil {
		t.Errorf("Write(level 10) = nil, want an error")
	}
}

type failingWriter struct{ after int }

var errSink = errors.New("sink full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errSink
	}
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	mustRandomFile(t, filepath.Join(dir, "big"), 8<<20)
	spec := Spec{Path: dir, TarPath: "/layers/bp/layer"}
	if _, err := Write(context.Background(), spec, &failingWriter{after: 1 << 20}); !errors.Is(err, errSink) {
		t.Errorf("Write(failing sink) = %v, want %v", err, errSink)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Write(ctx, spec, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Write(cancelled) = %v, want %v", err, context.Canceled)
	}
	if _, err := DiffID(ctx, spec); !errors.Is(err, context.Canceled) {
		t.Errorf("DiffID(cancelled) = %v, want %v", err, context.Canceled)
	}
}
