package cache

import (
	"bufio"
	"encoding/json"
	"github.com/klauspost/compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/cnb-lifecycle/lifecycle/platform/files"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// Metadata is the cache's metadata (CONFORMANCE CCH-3): the cached layers by
// buildpack, with the same JSON keys as the lifecycle metadata label.
type Metadata = files.LayersMetadata

// Volume is a cache in a directory (-cache-dir).
type Volume struct {
	Dir string

	// staging holds the open, locked staging directories of this process:
	// the lock tells other processes they are in use (see removeStale).
	staging map[string]*os.File
}

// OpenVolume opens the cache directory, which must exist (CCH-1).
func OpenVolume(dir string) (*Volume, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, errors.Wrapf(err, "opening cache directory %s", dir)
	}
	if !fi.IsDir() {
		return nil, errors.Errorf("cache directory %s is not a directory", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs"), 0o755); err != nil {
		return nil, errors.Wrapf(err, "opening cache directory %s", dir)
	}
	return &Volume{Dir: dir}, nil
}

func (v *Volume) metadataPath() string { return filepath.Join(v.Dir, "metadata.json") }

// BlobPath is where the gzipped layer with diffID d is (or would be)
// stored.
func (v *Volume) BlobPath(d v1.Hash) string {
	return filepath.Join(v.Dir, "blobs", d.Algorithm+"-"+d.Hex+".tar.gz")
}

// TarPath is where the uncompressed layer with diffID d is (or would be)
// stored: exports to the docker daemon write layers uncompressed, and cache
// them as they are rather than compressing them only for the cache.
func (v *Volume) TarPath(d v1.Hash) string {
	return filepath.Join(v.Dir, "blobs", d.Algorithm+"-"+d.Hex+".tar")
}

// path is the stored file of diffID d, and whether it is gzipped; "" when
// neither is stored.
func (v *Volume) path(d v1.Hash) (string, bool) {
	if _, err := os.Stat(v.BlobPath(d)); err == nil {
		return v.BlobPath(d), true
	}
	if _, err := os.Stat(v.TarPath(d)); err == nil {
		return v.TarPath(d), false
	}
	return "", false
}

// Metadata reads the committed metadata. A missing file is an empty
// cache; an unreadable or corrupt one too, with an *EmptyError saying why
// (CCH-4).
func (v *Volume) Metadata() (Metadata, error) {
	var md Metadata
	data, err := os.ReadFile(v.metadataPath())
	if os.IsNotExist(err) {
		return md, nil
	}
	if err != nil {
		return Metadata{}, &EmptyError{What: "cache metadata is unreadable", Err: err}
	}
	if err := json.Unmarshal(data, &md); err != nil {
		return Metadata{}, &EmptyError{What: "cache metadata is corrupt", Err: err}
	}
	return md, nil
}

// Has reports whether a blob for diffID d is stored.
func (v *Volume) Has(d v1.Hash) bool {
	p, _ := v.path(d)
	return p != ""
}

// Uncompressed opens the uncompressed tar of diffID d.
func (v *Volume) Uncompressed(d v1.Hash) (io.ReadCloser, error) {
	p, gzipped := v.path(d)
	if p == "" {
		return nil, errors.Errorf("opening cached layer %s: not in the cache", d)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, errors.Wrapf(err, "opening cached layer %s", d)
	}
	if !gzipped {
		return f, nil
	}
	// gzip reads through a bufio.Reader of 4 KiB unless handed a byte
	// reader: 1 MiB reads make a 1 GiB layer 1k system calls, not 256k.
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, errors.Wrapf(err, "reading cached layer %s", d)
	}
	return gzipReadCloser{Reader: zr, file: f}, nil
}

type gzipReadCloser struct {
	*gzip.Reader
	file io.Closer
}

func (g gzipReadCloser) Close() error {
	g.Reader.Close()
	return g.file.Close()
}

// Add stores the layer file at path as the blob of diffID d: by hard link
// when the file is on the same filesystem, else by copy. A path ending in
// ".tar" is an uncompressed tar, anything else a gzipped one. An existing
// blob is kept.
func (v *Volume) Add(path string, d v1.Hash) error {
	if v.Has(d) {
		return nil
	}
	dst := v.BlobPath(d)
	if strings.HasSuffix(path, ".tar") {
		dst = v.TarPath(d)
	}
	if err := os.Link(path, dst); err == nil {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".add-*")
	if err != nil {
		return errors.Wrapf(err, "caching layer %s", d)
	}
	defer os.Remove(tmp.Name())
	src, err := os.Open(path)
	if err != nil {
		tmp.Close()
		return errors.Wrapf(err, "caching layer %s", d)
	}
	_, err = io.Copy(tmp, src)
	src.Close()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Wrapf(err, "caching layer %s", d)
	}
	return errors.Wrapf(os.Rename(tmp.Name(), dst), "caching layer %s", d)
}

// Remove drops the blob of diffID d, found corrupt, so that the next export
// writes it again.
func (v *Volume) Remove(d v1.Hash) error {
	for _, p := range []string{v.BlobPath(d), v.TarPath(d)} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return errors.Wrapf(err, "removing cached layer %s", d)
		}
	}
	return nil
}

// Lock takes the cache directory's lock (flock on <dir>/.lock), exclusive
// for the exporter's adds and commit, shared for the restorer's reads, and
// returns its release. Builds sharing one cache directory (CI jobs on one
// volume) are serialised where it matters: a reader never sees a commit
// half done, and one build's collection of unneeded blobs never removes
// blobs another is about to commit. A killed holder releases it.
func (v *Volume) Lock(exclusive bool) (func(), error) {
	f, err := os.OpenFile(filepath.Join(v.Dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, errors.Wrap(err, "locking the cache directory")
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, errors.Wrap(err, "locking the cache directory")
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// StagingDir is a directory on the cache's filesystem for layers written
// during an export, so that Add can hard link them. It first removes the
// staging directories of exports that were killed (CCH-1: a crash leaves
// nothing the next build trips over or keeps paying disk space for).
func (v *Volume) StagingDir() (string, error) {
	v.removeStale()
	d, err := os.MkdirTemp(v.Dir, "staging-")
	if err != nil {
		return "", errors.Wrap(err, "making a staging directory in the cache")
	}
	f, err := lockDir(d, syscall.LOCK_EX)
	if err != nil {
		_ = os.RemoveAll(d)
		return "", errors.Wrap(err, "making a staging directory in the cache")
	}
	if v.staging == nil {
		v.staging = map[string]*os.File{}
	}
	v.staging[d] = f
	return d, nil
}

// lockDir opens directory d and takes a flock on it (how, possibly with
// LOCK_NB). The lock lasts until the file is closed or the process ends.
func lockDir(d string, how int) (*os.File, error) {
	f, err := os.Open(d)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// removeStale removes the staging directories interrupted exports left at
// the top of the cache directory: those no live process holds locked. A
// half-written metadata.json.new is never read and the next Commit
// overwrites it; blobs no metadata names are removed by Commit, and until
// then nothing reads them.
func (v *Volume) removeStale() {
	entries, _ := os.ReadDir(v.Dir)
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, "staging-") {
			continue
		}
		p := filepath.Join(v.Dir, name)
		if _, mine := v.staging[p]; mine {
			continue
		}
		f, err := lockDir(p, syscall.LOCK_EX|syscall.LOCK_NB)
		if err != nil {
			continue // in use by another export, or not ours to open
		}
		_ = os.RemoveAll(p)
		f.Close()
	}
}

// Commit makes md the cache's metadata (atomic rename), then removes blobs
// and stale staging directories md does not need. Every layer md names must
// have been added. A kill at any point leaves either the old or the new
// metadata, each naming only blobs that are present (blobs are added by
// link or rename, and removed only after the switch).
func (v *Volume) Commit(md Metadata) error {
	keep := map[string]bool{}
	for _, sha := range shas(md) {
		h, err := v1.NewHash(sha)
		if err != nil {
			return errors.Wrapf(err, "cache metadata names %q", sha)
		}
		if !v.Has(h) {
			return errors.Errorf("cache metadata names layer %s, which is not in the cache", sha)
		}
		keep[filepath.Base(v.BlobPath(h))] = true
		keep[filepath.Base(v.TarPath(h))] = true
	}
	data, err := json.Marshal(md)
	if err != nil {
		return errors.Wrap(err, "encoding cache metadata")
	}
	tmp := v.metadataPath() + ".new"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		_ = os.Remove(tmp)
		return errors.Wrapf(err, "writing cache metadata %s", tmp)
	}
	if err := os.Rename(tmp, v.metadataPath()); err != nil {
		_ = os.Remove(tmp)
		return errors.Wrapf(err, "committing cache metadata %s", v.metadataPath())
	}
	blobs, _ := os.ReadDir(filepath.Join(v.Dir, "blobs"))
	for _, b := range blobs {
		if !keep[b.Name()] {
			_ = os.Remove(filepath.Join(v.Dir, "blobs", b.Name()))
		}
	}
	v.removeStale()
	return nil
}

// Discard removes a staging directory and drops its lock.
func (v *Volume) Discard(staging string) {
	if !strings.HasPrefix(filepath.Base(staging), "staging-") {
		return
	}
	_ = os.RemoveAll(staging)
	if f, ok := v.staging[staging]; ok {
		f.Close()
		delete(v.staging, staging)
	}
}

// shas lists every diffID md names: cached layers and the SBOM layer.
func shas(md Metadata) []string {
	var out []string
	for _, bp := range md.Buildpacks {
		for _, l := range bp.Layers {
			if l.SHA != "" {
				out = append(out, l.SHA)
			}
		}
	}
	if md.SBOM.SHA != "" {
		out = append(out, md.SBOM.SHA)
	}
	return out
}
