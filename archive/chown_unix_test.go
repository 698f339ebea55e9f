//go:build unix

package archive

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestExtractChown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	for _, tc := range []struct {
		name             string
		uid, gid         int
		wantUID, wantGID uint32
	}{
		{name: "fixed", uid: 1000, gid: 1001, wantUID: 1000, wantGID: 1001},
		{name: "from header", uid: -1, gid: -1, wantUID: 1234, wantGID: 5678},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest := t.TempDir()
			tr := mustTar(t, entry{name: "d/", mode: 0o755}, entry{name: "d/f", body: "x", mode: 0o4755}, entry{name: "d/l", link: "->f"})
			if err := Extract(context.Background(), tr, dest, WithChown(tc.uid, tc.gid)); err != nil {
				t.Fatalf("Extract() = %v", err)
			}
			for _, name := range []string{"d", "d/f", "d/l"} {
				fi, err := os.Lstat(filepath.Join(dest, name))
				if err != nil {
					t.Fatal(err)
				}
				st := fi.Sys().(*syscall.Stat_t)
				if st.Uid != tc.wantUID || st.Gid != tc.wantGID {
					t.Errorf("owner of %s = %d:%d, want %d:%d", name, st.Uid, st.Gid, tc.wantUID, tc.wantGID)
				}
			}
			if fi, _ := os.Stat(filepath.Join(dest, "d/f")); fi.Mode()&fs.ModeSetuid == 0 {
				t.Errorf("mode of d/f = %v, want setuid kept after chown", fi.Mode())
			}
		})
	}
}
