package layout

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const hexA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestPath checks the mapping of TGT-6 (Platform spec, "Map an image
// reference to a path in the layout directory").
func TestPath(t *testing.T) {
	dir := "/layout"
	for _, tc := range []struct {
		name, ref, want string
	}{
		{"short name", "busybox", "/layout/index.docker.io/library/busybox/latest"},
		{"docker hub tag", "docker.io/cnbs/sample:v1.2", "/layout/index.docker.io/cnbs/sample/v1.2"},
		{"registry with port", "127.0.0.1:5000/a/b:v1", "/layout/127.0.0.1:5000/a/b/v1"},
		{"localhost", "localhost/app", "/layout/localhost/app/latest"},
		{"deep repository", "ghcr.io/o/p/q/r:t", "/layout/ghcr.io/o/p/q/r/t"},
		{"digest", "busybox@sha256:" + hexA, "/layout/index.docker.io/library/busybox/sha256/" + hexA},
		{"digest with port", "127.0.0.1:5000/a/b@sha256:" + hexA, "/layout/127.0.0.1:5000/a/b/sha256/" + hexA},
		{"tag and digest", "127.0.0.1:5000/a/b:v1@sha256:" + hexA, "/layout/127.0.0.1:5000/a/b/sha256/" + hexA},
		{"dot-dot repository stays inside", "a/../../../etc:x", "/layout/index.docker.io/a/%2E%2E/%2E%2E/%2E%2E/etc/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := name.ParseReference(tc.ref, name.WeakValidation)
			if err != nil {
				t.Fatalf("ParseReference(%q): %v", tc.ref, err)
			}
			if got := Path(dir, ref); got != tc.want {
				t.Errorf("Path(%q, %q) = %q, want %q", dir, tc.ref, got, tc.want)
			}
			if got := Path(dir, ref); !strings.HasPrefix(got, dir+string(filepath.Separator)) {
				t.Errorf("Path(%q, %q) = %q, outside %s", dir, tc.ref, got, dir)
			}
		})
	}
}

// TestIdentifier checks the analyzed.toml identifier of TGT-7/ANA-6 both
// ways, with paths that an image reference parser would misread.
func TestIdentifier(t *testing.T) {
	h := v1.Hash{Algorithm: "sha256", Hex: hexA}
	for _, p := range []string{
		"/layout/index.docker.io/library/busybox/latest",
		"/layout/127.0.0.1:5000/a/b/v1",
		"/layout/127.0.0.1:5000/a/b/sha256/" + hexA,
		"relative/dir",
		"/odd/na@me/x",
	} {
		id := Identifier(p, h)
		if want := p + "@sha256:" + hexA; id != want {
			t.Errorf("Identifier(%q) = %q, want %q", p, id, want)
		}
		gotPath, gotHash, err := ParseIdentifier(id)
		if err != nil || gotPath != p || gotHash != h {
			t.Errorf("ParseIdentifier(%q) = %q, %v, %v; want %q, %v", id, gotPath, gotHash, err, p, h)
		}
	}
}

func TestParseIdentifier(t *testing.T) {
	for _, tc := range []struct {
		id, path string
		digest   v1.Hash
		wantErr  bool
	}{
		{id: "/l/127.0.0.1:5000/a/b/v1", path: "/l/127.0.0.1:5000/a/b/v1"},
		{id: "/l/x@y/z", path: "/l/x@y/z"},
		{id: "/l/x@latest", path: "/l/x@latest"},
		{id: "/l/x@sha256:" + hexA, path: "/l/x", digest: v1.Hash{Algorithm: "sha256", Hex: hexA}},
		{id: "/l/x@sha256:abc", wantErr: true},
		{id: "@sha256:" + hexA, wantErr: true},
		{id: "", wantErr: true},
	} {
		p, h, err := ParseIdentifier(tc.id)
		if (err != nil) != tc.wantErr || p != tc.path || h != tc.digest {
			t.Errorf("ParseIdentifier(%q) = %q, %v, %v; want %q, %v, error %v", tc.id, p, h, err, tc.path, tc.digest, tc.wantErr)
		}
	}
}
