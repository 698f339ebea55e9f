package testutil

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// parseRef parses ref allowing plain HTTP, which the registries of the
// tests on 127.0.0.1 speak.
func parseRef(t testing.TB, ref string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatalf("testutil: parsing reference %q: %v", ref, err)
	}
	return r
}

// remoteOptions use the docker config's credentials, none for the test
// registries. They carry no test context: a pulled image's layers may be
// read after the test that pulled it.
var remoteOptions = []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain)}

// Push writes img to ref ("HOST/repo:tag" or "HOST/repo@sha256:...").
func Push(t testing.TB, img v1.Image, ref string) {
	t.Helper()
	if err := remote.Write(parseRef(t, ref), img, remoteOptions...); err != nil {
		t.Fatalf("testutil: pushing %s: %v", ref, err)
	}
}

// Pull reads the image at ref. Its layers are fetched when read.
func Pull(t testing.TB, ref string) v1.Image {
	t.Helper()
	img, err := remote.Image(parseRef(t, ref), remoteOptions...)
	if err != nil {
		t.Fatalf("testutil: pulling %s: %v", ref, err)
	}
	return img
}

// Digest is the digest of the manifest at ref, as the registry tells it.
func Digest(t testing.TB, ref string) v1.Hash {
	t.Helper()
	desc, err := remote.Head(parseRef(t, ref), remoteOptions...)
	if err != nil {
		t.Fatalf("testutil: reading the digest of %s: %v", ref, err)
	}
	return desc.Digest
}
