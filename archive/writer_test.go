package archive

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
	"time"
)

func TestNormalizingWriter(t *testing.T) {
	mod := time.Date(2001, 2, 3, 4, 5, 6, 789, time.Local)
	for _, tc := range []struct {
		name     string
		opts     []WriterOption
		in       tar.Header
		wantName string
		wantLink string
		wantTime time.Time
		wantUID  int
		wantGID  int
	}{
		{
			name:     "defaults (RPR-1, RPR-2)",
			in:       tar.Header{Typeflag: tar.TypeReg, Name: "/layers/bp/file", Mode: 0o644, Uid: 7, Gid: 8, Uname: "u", Gname: "g", ModTime: mod, AccessTime: mod, ChangeTime: mod},
			wantName: "layers/bp/file",
			wantTime: NormalizedTime,
		},
		{
			name:     "directory gets a trailing slash",
			opts:     []WriterOption{WithOwner(1000, 1001)},
			in:       tar.Header{Typeflag: tar.TypeDir, Name: "workspace//app/./", Mode: 0o755},
			wantName: "workspace/app/",
			wantTime: NormalizedTime,
			wantUID:  1000,
			wantGID:  1001,
		},
		{
			name:     "hardlink target normalized",
			in:       tar.Header{Typeflag: tar.TypeLink, Name: "a/b", Linkname: "/a/c"},
			wantName: "a/b",
			wantLink: "a/c",
			wantTime: NormalizedTime,
		},
		{
			name:     "symlink target kept",
			opts:     []WriterOption{WithModTime(mod)},
			in:       tar.Header{Typeflag: tar.TypeSymlink, Name: "a/l", Linkname: "/usr/../lib"},
			wantName: "a/l",
			wantLink: "/usr/../lib",
			wantTime: mod.Truncate(time.Second).UTC(),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewNormalizingWriter(tar.NewWriter(&buf), tc.opts...)
			in := tc.in
			if err := w.WriteHeader(&in); err != nil {
				t.Fatalf("WriteHeader(%s) = %v", in.Name, err)
			}
			if in.Name != tc.in.Name || in.Uid != tc.in.Uid || !in.ModTime.Equal(tc.in.ModTime) {
				t.Errorf("WriteHeader(%s) modified its argument", in.Name)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := tar.NewReader(&buf).Next()
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tc.wantName || got.Linkname != tc.wantLink {
				t.Errorf("name, link = %q, %q, want %q, %q", got.Name, got.Linkname, tc.wantName, tc.wantLink)
			}
			if !got.ModTime.Equal(tc.wantTime) || !got.AccessTime.IsZero() || !got.ChangeTime.IsZero() {
				t.Errorf("times = %v, %v, %v, want %v and zero", got.ModTime, got.AccessTime, got.ChangeTime, tc.wantTime)
			}
			if got.Uid != tc.wantUID || got.Gid != tc.wantGID || got.Uname != "" || got.Gname != "" {
				t.Errorf("owner = %d:%d %q:%q, want %d:%d and no names", got.Uid, got.Gid, got.Uname, got.Gname, tc.wantUID, tc.wantGID)
			}
		})
	}
}

// Headers that differ only in what the writer normalizes give identical bytes.
func TestNormalizingWriterReproducible(t *testing.T) {
	write := func(mod time.Time, uid int, uname string) []byte {
		t.Helper()
		var buf bytes.Buffer
		w := NewNormalizingWriter(tar.NewWriter(&buf), WithOwner(1000, 1000))
		for _, name := range []string{"/layers/", "/layers/a-very-long-name-" + string(bytes.Repeat([]byte("x"), 120))} {
			hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: 3, ModTime: mod, AccessTime: mod, Uid: uid, Uname: uname}
			if err := w.WriteHeader(hdr); err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(w, "abc"); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a := write(time.Now(), 0, "root")
	b := write(time.Unix(12345, 678), 4242, "someone")
	if !bytes.Equal(a, b) {
		t.Errorf("tar bytes differ for headers differing only in normalized fields")
	}
}
