package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkg/errors"
)

// entry is one tar entry for the tests: a name ending in "/" is a directory,
// link "->x" a symlink to x, link "=>x" a hardlink to x.
type entry struct {
	name string
	body string
	mode int64
	link string
}

func mustTar(t *testing.T, entries ...entry) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: e.mode, Uid: 1234, Gid: 5678}
		switch {
		case strings.HasPrefix(e.link, "->"):
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.link[2:]
		case strings.HasPrefix(e.link, "=>"):
			hdr.Typeflag, hdr.Linkname = tar.TypeLink, e.link[2:]
		case strings.HasSuffix(e.name, "/"):
			hdr.Typeflag = tar.TypeDir
		default:
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(e.body))
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestExtract(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "dest")
	tr := mustTar(t,
		entry{name: "dir/", mode: 0o750},
		entry{name: "dir/exec", body: "#!/bin/sh", mode: 0o755},
		entry{name: "dir/suid", body: "s", mode: 0o4755},
		entry{name: "dir/ro/", mode: 0o555},
		entry{name: "dir/ro/file", body: "in a read-only dir", mode: 0o444},
		entry{name: "/abs/no-parent-entry", body: "x"},
		entry{name: "dir/abs-link", link: "->/etc/passwd"},
		entry{name: "dir/rel-link", link: "->exec"},
		entry{name: "dir/hard", link: "=>dir/exec"},
		entry{name: "dev", body: ""},
	)
	if err := Extract(context.Background(), tr, dest); err != nil {
		t.Fatalf("Extract() = %v", err)
	}
	for _, tc := range []struct {
		path string
		mode fs.FileMode
		body string
		link string
	}{
		{path: "dir", mode: fs.ModeDir | 0o750},
		{path: "dir/exec", mode: 0o755, body: "#!/bin/sh"},
		{path: "dir/suid", mode: fs.ModeSetuid | 0o755, body: "s"},
		{path: "dir/ro", mode: fs.ModeDir | 0o555},
		{path: "dir/ro/file", mode: 0o444, body: "in a read-only dir"},
		{path: "abs/no-parent-entry", mode: 0o644, body: "x"},
		{path: "dir/abs-link", mode: fs.ModeSymlink | 0o777, link: "/etc/passwd"},
		{path: "dir/rel-link", mode: fs.ModeSymlink | 0o777, link: "exec"},
		{path: "dir/hard", mode: 0o755, body: "#!/bin/sh"},
	} {
		p := filepath.Join(dest, tc.path)
		fi, err := os.Lstat(p)
		if err != nil {
			t.Errorf("Lstat(%s) = %v", tc.path, err)
			continue
		}
		if fi.Mode() != tc.mode {
			t.Errorf("mode of %s = %v, want %v", tc.path, fi.Mode(), tc.mode)
		}
		if tc.link != "" {
			if got, _ := os.Readlink(p); got != tc.link {
				t.Errorf("Readlink(%s) = %q, want %q", tc.path, got, tc.link)
			}
		} else if fi.Mode().IsRegular() {
			if got, _ := os.ReadFile(p); string(got) != tc.body {
				t.Errorf("contents of %s = %q, want %q", tc.path, got, tc.body)
			}
		}
	}
	a, _ := os.Stat(filepath.Join(dest, "dir/exec"))
	b, _ := os.Stat(filepath.Join(dest, "dir/hard"))
	if !os.SameFile(a, b) {
		t.Errorf("dir/hard is not a hardlink of dir/exec")
	}
}

// Extracting over existing content replaces files and symlinks and keeps
// directories.
func TestExtractReplaces(t *testing.T) {
	dest := t.TempDir()
	first := mustTar(t, entry{name: "d/", mode: 0o755}, entry{name: "d/f", body: "old"}, entry{name: "d/l", link: "->f"}, entry{name: "x", body: "file"})
	second := mustTar(t, entry{name: "d/", mode: 0o700}, entry{name: "d/f", body: "new"}, entry{name: "d/l", body: "was a link"}, entry{name: "x/", mode: 0o755}, entry{name: "y/", mode: 0o700}, entry{name: "y", body: "dir replaced in the same tar"})
	for _, tr := range []*bytes.Buffer{first, second} {
		if err := Extract(context.Background(), tr, dest); err != nil {
			t.Fatalf("Extract() = %v", err)
		}
	}
	for name, want := range map[string]string{"d/f": "new", "d/l": "was a link", "y": "dir replaced in the same tar"} {
		if got, err := os.ReadFile(filepath.Join(dest, name)); string(got) != want {
			t.Errorf("ReadFile(%s) = %q, %v, want %q", name, got, err, want)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dest, "x")); err != nil || !fi.IsDir() {
		t.Errorf("Lstat(x) = %v, %v, want a directory", fi, err)
	}
}

func TestExtractRefusesEscapes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries func(outside string) []entry
		wantIs  error
	}{
		{name: "dot-dot", entries: func(string) []entry { return []entry{{name: "../x", body: "evil"}} }, wantIs: ErrPathEscapes},
		{name: "inner dot-dot", entries: func(string) []entry { return []entry{{name: "a/../../x", body: "evil"}} }, wantIs: ErrPathEscapes},
		{name: "hardlink out", entries: func(string) []entry { return []entry{{name: "h", link: "=>../x"}} }, wantIs: ErrPathEscapes},
		{name: "absolute symlink then file", entries: func(o string) []entry {
			return []entry{{name: "evil", link: "->" + o}, {name: "evil/x", body: "evil"}}
		}},
		{name: "relative symlink then file", entries: func(string) []entry {
			return []entry{{name: "a/", mode: 0o755}, {name: "a/up", link: "->../../outside"}, {name: "a/up/x", body: "evil"}}
		}},
		{name: "symlink then dir", entries: func(o string) []entry {
			return []entry{{name: "evil", link: "->" + o}, {name: "evil/d/", mode: 0o755}}
		}},
		{name: "symlink then hardlink through it", entries: func(o string) []entry {
			return []entry{{name: "f", body: "x"}, {name: "evil", link: "->" + o}, {name: "evil/h", link: "=>f"}}
		}},
		{name: "symlink then symlink through it", entries: func(o string) []entry {
			return []entry{{name: "evil", link: "->" + o}, {name: "evil/s", link: "->/etc"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			outside := filepath.Join(base, "outside")
			if err := os.Mkdir(outside, 0o755); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(base, "a", "dest")
			err := Extract(context.Background(), mustTar(t, tc.entries(outside)...), dest)
			if err == nil {
				t.Fatalf("Extract(%s) = nil, want an error", tc.name)
			}
			t.Logf("Extract(%s) = %v", tc.name, err)
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Extract(%s) = %v, want %v", tc.name, err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), "extracting ") {
				t.Errorf("Extract(%s) = %v, want the entry named", tc.name, err)
			}
			if names, _ := os.ReadDir(outside); len(names) != 0 {
				t.Errorf("Extract(%s) wrote %v outside dest", tc.name, names)
			}
			if _, err := os.Lstat(filepath.Join(base, "a", "x")); err == nil {
				t.Errorf("Extract(%s) wrote next to dest", tc.name)
			}
		})
	}
}

func TestExtractWhiteouts(t *testing.T) {
	lower := mustTar(t,
		entry{name: "keep", body: "k"},
		entry{name: "gone", body: "g"},
		entry{name: "gonedir/", mode: 0o755}, entry{name: "gonedir/f", body: "f"},
		entry{name: "opq/", mode: 0o755}, entry{name: "opq/old", body: "o"}, entry{name: "opq/olddir/", mode: 0o755},
	)
	upper := mustTar(t,
		entry{name: ".wh.gone"},
		entry{name: ".wh.gonedir"},
		entry{name: ".wh.never-existed"},
		entry{name: "opq/", mode: 0o755},
		entry{name: "opq/new", body: "n"},
		entry{name: "opq/.wh..wh..opq"},
	)
	for _, tc := range []struct {
		name  string
		opts  []ExtractOption
		exist map[string]bool
	}{
		{name: "applied", opts: []ExtractOption{WithWhiteouts()}, exist: map[string]bool{
			"keep": true, "gone": false, "gonedir": false, "opq/old": false, "opq/olddir": false, "opq/new": true, ".wh.gone": false, "opq/.wh..wh..opq": false,
		}},
		{name: "kept as files", exist: map[string]bool{
			"keep": true, "gone": true, "gonedir/f": true, "opq/old": true, "opq/new": true, ".wh.gone": true, "opq/.wh..wh..opq": true,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest := t.TempDir()
			for _, tr := range []*bytes.Buffer{bytes.NewBuffer(lower.Bytes()), bytes.NewBuffer(upper.Bytes())} {
				if err := Extract(context.Background(), tr, dest, tc.opts...); err != nil {
					t.Fatalf("Extract() = %v", err)
				}
			}
			for name, want := range tc.exist {
				_, err := os.Lstat(filepath.Join(dest, name))
				if got := err == nil; got != want {
					t.Errorf("exists(%s) = %v, want %v", name, got, want)
				}
			}
		})
	}
}

func TestExtractInvalidWhiteout(t *testing.T) {
	dest := t.TempDir()
	err := Extract(context.Background(), mustTar(t, entry{name: "d/.wh.."}), dest, WithWhiteouts())
	if err == nil {
		t.Errorf("Extract(d/.wh..) = nil, want an error")
	}
}

func TestExtractCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dest := t.TempDir()
	err := Extract(ctx, mustTar(t, entry{name: "f", body: "x"}), dest)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Extract(cancelled) = %v, want %v", err, context.Canceled)
	}
	if _, err := os.Lstat(filepath.Join(dest, "f")); err == nil {
		t.Errorf("Extract(cancelled) wrote f")
	}
}

func TestExtractStripPrefix(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Name: "layers/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "layers/bp/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "layers/bp/node/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "layers/bp/node/bin", Typeflag: tar.TypeReg, Mode: 0o644, Size: 2},
		{Name: "layers/bp/node/link", Typeflag: tar.TypeLink, Linkname: "layers/bp/node/bin"},
		{Name: "other/x", Typeflag: tar.TypeReg, Mode: 0o644, Size: 2},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("hi"))
		}
	}
	tw.Close()
	dest := t.TempDir()
	if err := Extract(context.Background(), &buf, dest, WithStripPrefix("/layers/bp/")); err != nil {
		t.Fatalf("Extract() = %v", err)
	}
	if data, err := os.ReadFile(filepath.Join(dest, "node", "bin")); err != nil || string(data) != "hi" {
		t.Errorf("node/bin = %q, %v, want hi", data, err)
	}
	if _, err := os.Stat(filepath.Join(dest, "node", "link")); err != nil {
		t.Errorf("hardlink not extracted: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dest, "other")); !os.IsNotExist(err) {
		t.Errorf("entry outside the prefix was extracted (err %v)", err)
	}
}
