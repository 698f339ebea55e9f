package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadOSRelease(t *testing.T) {
	p := filepath.Join(t.TempDir(), "os-release")
	content := "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadOSRelease(p)
	if err != nil || got != (OSRelease{ID: "debian", VersionID: "12"}) {
		t.Errorf("ReadOSRelease() = %+v, %v, want debian 12", got, err)
	}
	got, err = ReadOSRelease(filepath.Join(t.TempDir(), "missing"))
	if err != nil || got != (OSRelease{}) {
		t.Errorf("ReadOSRelease(missing) = %+v, %v, want empty, nil", got, err)
	}
}
