package docker

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/pkg/errors"
)

// archive is a docker save archive in a file, indexed once: the layers are
// served straight from their place in the file. It reads both the classic
// layout (<id>/layer.tar, with symlinks for repeated layers) and the OCI
// layout style of Docker 25+ (blobs/sha256/<hex>), through manifest.json.
// Docker's classic store saves uncompressed layers; a containerd image store
// saves its blobs as pulled, usually gzip: gzip is read with compress/gzip,
// other compressions through go-containerregistry's tarball.Image.
type archive struct {
	f      *os.File
	length int64
	layers map[v1.Hash]*blob // by diffID

	mu       sync.Mutex // guards usize of compressed blobs and fallback
	fallback v1.Image
}

// blob is a layer file in the archive.
type blob struct {
	name     string
	off, n   int64
	encoding string // "" (a plain tar), "gzip" or "other"
	usize    int64  // size of the uncompressed tar once known, else -1
}

// maxLinks bounds how many links are followed to find a file.
const maxLinks = 16

// tarIndex is where the regular files of a tar are, and its links.
type tarIndex struct {
	files    map[string][2]int64 // name -> data offset, size
	links    map[string]string   // name -> target name
	manifest []byte              // content of manifest.json
}

// scanTar indexes the tar of size bytes in f, seeking over file data.
func scanTar(f *os.File, size int64) (*tarIndex, error) {
	sr := io.NewSectionReader(f, 0, size)
	tr := tar.NewReader(sr)
	x := &tarIndex{files: map[string][2]int64{}, links: map[string]string{}}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return x, nil
		}
		if err != nil {
			return nil, errors.Wrap(err, "reading tar")
		}
		name := cleanName(hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeReg:
			// archive/tar reads no further than the header: the data starts
			// here. Skipping it seeks.
			off, err := sr.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, err
			}
			x.files[name] = [2]int64{off, hdr.Size}
			if name == "manifest.json" {
				if x.manifest, err = io.ReadAll(io.LimitReader(tr, 64<<20)); err != nil {
					return nil, errors.Wrap(err, "reading manifest.json")
				}
			}
		case tar.TypeSymlink:
			target := hdr.Linkname
			if !path.IsAbs(target) {
				target = path.Join(path.Dir(name), target)
			}
			x.links[name] = cleanName(target)
		case tar.TypeLink:
			x.links[name] = cleanName(hdr.Linkname)
		}
	}
}

// find is the offset and size of file name, following links.
func (x *tarIndex) find(name string) (string, [2]int64, error) {
	name = cleanName(name)
	for range maxLinks {
		if e, ok := x.files[name]; ok {
			return name, e, nil
		}
		target, ok := x.links[name]
		if !ok {
			break
		}
		name = target
	}
	return "", [2]int64{}, errors.Errorf("%s: no such file in the archive", name)
}

// openArchive indexes the archive of size bytes in f. The archive takes f.
func openArchive(f *os.File, size int64) (*archive, error) {
	x, err := scanTar(f, size)
	if err != nil {
		return nil, err
	}
	if x.manifest == nil {
		return nil, errors.New("no manifest.json")
	}
	var m []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(x.manifest, &m); err != nil {
		return nil, errors.Wrap(err, "decoding manifest.json")
	}
	if len(m) != 1 {
		return nil, errors.Errorf("manifest.json describes %d images, want 1", len(m))
	}
	_, ce, err := x.find(m[0].Config)
	if err != nil {
		return nil, errors.Wrap(err, "image config")
	}
	cfg, err := v1.ParseConfigFile(io.NewSectionReader(f, ce[0], ce[1]))
	if err != nil {
		return nil, errors.Wrap(err, "decoding the image config")
	}
	diffIDs := cfg.RootFS.DiffIDs
	if len(diffIDs) != len(m[0].Layers) {
		return nil, errors.Errorf("config has %d diffIDs but manifest.json %d layers", len(diffIDs), len(m[0].Layers))
	}
	a := &archive{f: f, length: size, layers: map[v1.Hash]*blob{}}
	for i, d := range diffIDs {
		name, e, err := x.find(m[0].Layers[i])
		if err != nil {
			return nil, errors.Wrapf(err, "layer %d", i)
		}
		b := &blob{name: name, off: e[0], n: e[1], usize: e[1]}
		var magic [4]byte
		k, _ := f.ReadAt(magic[:], e[0])
		switch {
		case k >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
			b.encoding, b.usize = "gzip", -1
		case k == 4 && bytes.Equal(magic[:], []byte{0x28, 0xb5, 0x2f, 0xfd}): // zstd
			b.encoding, b.usize = "other", -1
		}
		a.layers[d] = b
	}
	return a, nil
}

// cleanName is a tar member name as a clean relative path.
func cleanName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

func (a *archive) blob(diffID v1.Hash) (*blob, error) {
	b, ok := a.layers[diffID]
	if !ok {
		return nil, errors.Errorf("no layer with diffID %s in the saved image", diffID)
	}
	return b, nil
}

// open returns the uncompressed tar of layer diffID.
func (a *archive) open(diffID v1.Hash) (io.ReadCloser, error) {
	b, err := a.blob(diffID)
	if err != nil {
		return nil, err
	}
	sr := io.NewSectionReader(a.f, b.off, b.n)
	switch b.encoding {
	case "":
		return io.NopCloser(sr), nil
	case "gzip":
		zr, err := gzip.NewReader(sr)
		if err != nil {
			return nil, errors.Wrapf(err, "layer %s", b.name)
		}
		return zr, nil
	default:
		img, err := a.tarballImage()
		if err != nil {
			return nil, err
		}
		l, err := img.LayerByDiffID(diffID)
		if err != nil {
			return nil, err
		}
		return l.Uncompressed()
	}
}

// tarballImage is go-containerregistry's reading of the archive, for
// layers compressed other than with gzip.
func (a *archive) tarballImage() (v1.Image, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fallback == nil {
		img, err := tarball.Image(func() (io.ReadCloser, error) {
			return seekNopCloser{io.NewSectionReader(a.f, 0, a.length)}, nil
		}, nil)
		if err != nil {
			return nil, errors.Wrap(err, "reading docker save archive")
		}
		a.fallback = img
	}
	return a.fallback, nil
}

// seekNopCloser keeps the Seek of a section reader, which archive/tar uses
// to skip members, and closes nothing.
type seekNopCloser struct{ *io.SectionReader }

func (seekNopCloser) Close() error { return nil }

// size is the size of the uncompressed tar of layer diffID; for a
// compressed blob it is counted by reading the layer once.
func (a *archive) size(diffID v1.Hash) (int64, error) {
	if n, ok := a.knownSize(diffID); ok {
		return n, nil
	}
	rc, err := a.open(diffID)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if err != nil {
		return 0, errors.Wrapf(err, "reading layer %s", diffID)
	}
	a.mu.Lock()
	a.layers[diffID].usize = n
	a.mu.Unlock()
	return n, nil
}

// knownSize is the size of the uncompressed tar of layer diffID if known
// without reading it.
func (a *archive) knownSize(diffID v1.Hash) (int64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.layers[diffID]
	if !ok || b.usize < 0 {
		return 0, false
	}
	return b.usize, true
}

// saveSet holds the archives a client saved, to close them on Client.Close.
type saveSet struct {
	mu sync.Mutex
	m  map[*archive]struct{}
}

func newSaveSet() *saveSet { return &saveSet{m: map[*archive]struct{}{}} }

func (s *saveSet) add(a *archive) {
	s.mu.Lock()
	s.m[a] = struct{}{}
	s.mu.Unlock()
}

// close closes a's file unless closeAll did.
func (s *saveSet) close(a *archive) {
	s.mu.Lock()
	_, ok := s.m[a]
	delete(s.m, a)
	s.mu.Unlock()
	if ok {
		_ = a.f.Close()
	}
}

func (s *saveSet) closeAll() error {
	s.mu.Lock()
	m := s.m
	s.m = map[*archive]struct{}{}
	s.mu.Unlock()
	var first error
	for a := range m {
		if err := a.f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// unlinkedTemp creates a temporary file in os.TempDir() and removes its
// name at once: the space goes back when the file is closed, even if the
// process dies.
func unlinkedTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, errors.Wrap(err, "creating a temporary file")
	}
	_ = os.Remove(f.Name())
	return f, nil
}
