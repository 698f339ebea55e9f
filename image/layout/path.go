package layout

import (
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// Path is the directory under dir that holds the image ref (CONFORMANCE
// TGT-6): <dir>/<registry>/<repository>/<tag> for a tag reference,
// <dir>/<registry>/<repository>/<algorithm>/<hex> for a digest reference.
// ref is normalised as go-containerregistry parsed it, so busybox maps to
// <dir>/index.docker.io/library/busybox/latest; a registry's port stays in
// the path (127.0.0.1:5000). A reference with both a tag and a digest is a
// digest reference.
//
// go-containerregistry accepts "." and ".." as repository components; Path
// writes their dots as "%2E" so that the result never leaves dir.
func Path(dir string, ref name.Reference) string {
	repo := ref.Context()
	elems := []string{dir, safe(repo.RegistryStr())}
	for _, c := range strings.Split(repo.RepositoryStr(), "/") {
		if c != "" {
			elems = append(elems, safe(c))
		}
	}
	if d, ok := ref.(name.Digest); ok {
		alg, hex, _ := strings.Cut(d.DigestStr(), ":")
		return filepath.Join(append(elems, safe(alg), safe(hex))...)
	}
	return filepath.Join(append(elems, safe(ref.Identifier()))...)
}

// safe keeps a path component from naming the current or parent directory.
func safe(c string) string {
	if c == "." || c == ".." {
		return strings.ReplaceAll(c, ".", "%2E")
	}
	return c
}

// Identifier names a layout image in analyzed.toml: "<path>@<digest>", the
// digest of its manifest (CONFORMANCE ANA-6, TGT-7).
func Identifier(path string, digest v1.Hash) string {
	return path + "@" + digest.String()
}

// ParseIdentifier splits an Identifier into its path and manifest digest. A
// bare path, without "@<algorithm>:<hex>", has a zero digest. The path is
// never parsed as an image reference.
func ParseIdentifier(id string) (path string, digest v1.Hash, err error) {
	if id == "" {
		return "", v1.Hash{}, errors.New("parsing layout identifier: empty")
	}
	i := strings.LastIndex(id, "@")
	if i < 0 {
		return id, v1.Hash{}, nil
	}
	suffix := id[i+1:]
	// A digest has no '/' and always a ':'; anything else after the last
	// '@' belongs to the path.
	if strings.Contains(suffix, "/") || !strings.Contains(suffix, ":") {
		return id, v1.Hash{}, nil
	}
	if i == 0 {
		return "", v1.Hash{}, errors.Errorf("parsing layout identifier %q: no path", id)
	}
	h, err := v1.NewHash(suffix)
	if err != nil {
		return "", v1.Hash{}, errors.Wrapf(err, "parsing layout identifier %q", id)
	}
	return id[:i], h, nil
}
