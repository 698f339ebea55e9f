package layout

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"
)

// blobFile is a layer whose compressed blob is a file of its own, exactly
// the bytes of the blob: the lifecycle's new layers and the layers Read
// returns. Write links that file into the layout instead of copying it.
type blobFile interface {
	BlobPath() string
}

// Modes of what Write creates, whatever the umask.
const (
	dirMode  fs.FileMode = 0o755
	blobMode fs.FileMode = 0o644
)

// layoutVersion is the content of the oci-layout file.
const layoutVersion = `{"imageLayoutVersion":"1.0.0"}`

// parallelism is how many layer blobs Write writes at once.
const parallelism = 4

// Write stores img as the only image of the OCI layout at path, its
// index.json descriptor annotated org.opencontainers.image.ref.name=refName
// (CONFORMANCE TGT-7; no annotation if refName is empty), and returns its
// manifest digest. The manifest is written as img serialises it, so its
// media types (Docker or OCI) are kept (TGT-8).
//
// Each blob is written once. A layer with a BlobPath (the lifecycle's new
// layers, layers of an image Read from a layout, even from path itself) is
// hard-linked into the layout, and copied only where linking fails (another
// file system); a linked file's mode becomes 0644, which changes it for all
// its links. Other layers are streamed from Compressed, checked against
// their digest and size as they are written.
//
// The new layout is made in a sibling directory "<path>.new-*" and swapped
// with the previous one only when complete (atomically where the file
// system can exchange two names); the previous one is then removed. Until
// the swap any failure, including cancellation of ctx, leaves the previous
// layout as it was and removes the new directory. Parent directories are
// created as needed. Write refuses to replace a file, a symbolic link, or a
// non-empty directory without index.json or oci-layout.
func Write(ctx context.Context, path string, img v1.Image, refName string) (v1.Hash, error) {
	path = filepath.Clean(path)
	if err := ctx.Err(); err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
	}
	if err := checkReplaceable(path); err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
	}
	if isMountPoint(path) {
		return writeInPlace(ctx, path, img, refName)
	}
	parent := filepath.Dir(path)
	if err := os.MkdirAll(parent, dirMode); err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(path)+".new-")
	if err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
	}
	// After a swap tmp holds the previous layout, or nothing.
	defer os.RemoveAll(tmp)

	digest, err := writeLayout(ctx, tmp, img, refName)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
	}
	old, err := swap(tmp, path)
	if err != nil {
		return v1.Hash{}, errors.Wrapf(err, "replacing oci layout %s", path)
	}
	if old != "" && old != tmp {
		// The new layout is in place: failing to remove the old one
		// leaves garbage, not a broken layout.
		_ = os.RemoveAll(old)
	}
	return digest, nil
}

// writeInPlace writes the layout at path when path is a mount point (pack
// mounts the output layout into the lifecycle's container), which cannot be
// renamed: the new layout is made in a directory inside it, its blobs are
// moved in beside the previous ones, then index.json is replaced in one
// rename, so that until then the previous index and its blobs stay valid;
// blobs the new index does not need are removed last.
func writeInPlace(ctx context.Context, path string, img v1.Image, refName string) (v1.Hash, error) {
	tmp, err := os.MkdirTemp(path, ".new-")
	if err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
	}
	defer os.RemoveAll(tmp)
	digest, err := writeLayout(ctx, tmp, img, refName)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
	}
	blobs := filepath.Join(path, blobsDir, "sha256")
	if err := os.MkdirAll(blobs, dirMode); err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
	}
	newBlobs, err := os.ReadDir(filepath.Join(tmp, blobsDir, "sha256"))
	if err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
	}
	keep := map[string]bool{}
	for _, b := range newBlobs {
		keep[b.Name()] = true
		if err := os.Rename(filepath.Join(tmp, blobsDir, "sha256", b.Name()), filepath.Join(blobs, b.Name())); err != nil {
			return v1.Hash{}, errors.Wrapf(err, "writing oci layout %s", path)
		}
	}
	for _, f := range []string{markerFile, indexFile} {
		if err := os.Rename(filepath.Join(tmp, f), filepath.Join(path, f)); err != nil {
			return v1.Hash{}, errors.Wrapf(err, "replacing oci layout %s", path)
		}
	}
	if old, err := os.ReadDir(blobs); err == nil {
		for _, b := range old {
			if !keep[b.Name()] {
				_ = os.Remove(filepath.Join(blobs, b.Name()))
			}
		}
	}
	return digest, nil
}

// checkReplaceable refuses to replace what path names unless it is absent,
// an empty directory or a layout (it has an index.json or oci-layout file):
// a wrong -layout-dir must not make Write remove someone's directory.
func checkReplaceable(path string) error {
	switch filepath.Base(path) {
	case ".", "..", string(filepath.Separator):
		return errors.New("not a layout directory name")
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.Errorf("%s exists and is not a directory", path)
	}
	names, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	for _, n := range names {
		if n.Name() == indexFile || n.Name() == markerFile {
			return nil
		}
	}
	if len(names) > 0 {
		return errors.Errorf("%s is not an oci layout (no %s), not replacing it", path, indexFile)
	}
	return nil
}

// writeLayout writes the layout of img into the empty directory dir.
func writeLayout(ctx context.Context, dir string, img v1.Image, refName string) (v1.Hash, error) {
	rawManifest, err := img.RawManifest()
	if err != nil {
		return v1.Hash{}, errors.Wrap(err, "serialising manifest")
	}
	m, err := v1.ParseManifest(bytes.NewReader(rawManifest))
	if err != nil {
		return v1.Hash{}, errors.Wrap(err, "parsing manifest")
	}
	mt := m.MediaType
	if mt == "" {
		if mt, err = img.MediaType(); err != nil {
			return v1.Hash{}, errors.Wrap(err, "reading manifest media type")
		}
	}
	if !isManifest(mt) {
		return v1.Hash{}, errors.Errorf("manifest media type %q is not an image manifest", mt)
	}
	if err := mkdirs(dir, filepath.Join(dir, blobsDir), filepath.Join(dir, blobsDir, "sha256")); err != nil {
		return v1.Hash{}, err
	}

	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return v1.Hash{}, errors.Wrap(err, "serialising config")
	}
	if err := writeSmallBlob(dir, m.Config.Digest, rawConfig); err != nil {
		return v1.Hash{}, errors.Wrap(err, "writing config")
	}
	if err := writeLayers(ctx, dir, img, m.Layers); err != nil {
		return v1.Hash{}, err
	}
	sum := sha256.Sum256(rawManifest)
	digest := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
	if err := writeSmallBlob(dir, digest, rawManifest); err != nil {
		return v1.Hash{}, errors.Wrap(err, "writing manifest")
	}

	if err := writeFile(filepath.Join(dir, markerFile), []byte(layoutVersion)); err != nil {
		return v1.Hash{}, err
	}
	desc := v1.Descriptor{MediaType: mt, Size: int64(len(rawManifest)), Digest: digest}
	if refName != "" {
		desc.Annotations = map[string]string{AnnotationRefName: refName}
	}
	index, err := json.Marshal(v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests:     []v1.Descriptor{desc},
	})
	if err != nil {
		return v1.Hash{}, errors.Wrap(err, "serialising index")
	}
	if err := writeFile(filepath.Join(dir, indexFile), index); err != nil {
		return v1.Hash{}, err
	}
	return digest, nil
}

// writeLayers writes the blob of each distinct layer of descs, a few at a
// time; the first error stops the others.
func writeLayers(ctx context.Context, dir string, img v1.Image, descs []v1.Descriptor) error {
	ls, err := img.Layers()
	if err != nil {
		return errors.Wrap(err, "reading layers")
	}
	byDigest := make(map[v1.Hash]v1.Layer, len(ls))
	for _, l := range ls {
		d, err := l.Digest()
		if err != nil {
			return errors.Wrap(err, "reading layer digest")
		}
		byDigest[d] = l
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		sem      = make(chan struct{}, parallelism)
		seen     = make(map[v1.Hash]bool, len(descs))
	)
	fail := func(err error) { once.Do(func() { firstErr = err; cancel() }) }
	for _, d := range descs {
		if seen[d.Digest] {
			continue
		}
		seen[d.Digest] = true
		l, ok := byDigest[d.Digest]
		if !ok {
			if l, err = img.LayerByDigest(d.Digest); err != nil {
				fail(errors.Wrapf(err, "finding layer %s", d.Digest))
				break
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := writeLayer(ctx, dir, l, d); err != nil {
				fail(errors.Wrapf(err, "writing layer %s", d.Digest))
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// writeLayer puts the blob of l, described by d, into the layout at dir:
// linked or copied from its BlobPath if it has one, else streamed.
func writeLayer(ctx context.Context, dir string, l v1.Layer, d v1.Descriptor) error {
	if d.Digest.Algorithm != "sha256" {
		return errors.Errorf("unsupported digest algorithm %q", d.Digest.Algorithm)
	}
	dst := blobPath(dir, d.Digest)
	if bf, ok := l.(blobFile); ok && bf.BlobPath() != "" {
		src, err := filepath.EvalSymlinks(bf.BlobPath())
		if err != nil {
			return errors.Wrap(err, "finding layer blob")
		}
		linked, err := link(src, dst, d.Size)
		if err != nil || linked {
			return err
		}
		// Not linkable (another filesystem, or a file the process may not
		// link): the layer's own reader, which may be a descriptor opened
		// before a privilege drop (OpenBlobs).
		return copyBlob(ctx, dst, d, l.Compressed)
	}
	return copyBlob(ctx, dst, d, l.Compressed)
}

// link hard-links the blob file src to dst. It reports false, and no
// error, when src cannot be linked there and must be copied.
func link(src, dst string, size int64) (bool, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return false, errors.Wrap(err, "reading layer blob")
	}
	if !fi.Mode().IsRegular() {
		return false, errors.Errorf("layer blob %s is not a regular file", src)
	}
	if fi.Size() != size {
		return false, errors.Errorf("layer blob %s has %d bytes, the manifest says %d", src, fi.Size(), size)
	}
	if err := os.Link(src, dst); err != nil {
		return false, nil
	}
	if fi.Mode().Perm() != blobMode {
		if err := os.Chmod(dst, blobMode); err != nil {
			_ = os.Remove(dst)
			return false, nil
		}
	}
	return true, nil
}

// copyBlob writes the blob described by d to dst from what open returns,
// hashing it on the way, and fails if the digest or size differ from d's.
func copyBlob(ctx context.Context, dst string, d v1.Descriptor, open func() (io.ReadCloser, error)) (err error) {
	rc, err := open()
	if err != nil {
		return errors.Wrap(err, "opening layer")
	}
	defer rc.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, blobMode)
	if err != nil {
		return errors.Wrap(err, "creating blob")
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = errors.Wrap(cerr, "writing blob")
		}
	}()
	if err := f.Chmod(blobMode); err != nil {
		return errors.Wrap(err, "creating blob")
	}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(f, h), ctxReader{ctx, rc}, make([]byte, 1<<20))
	if err != nil {
		return errors.Wrap(err, "copying layer")
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d.Digest.Hex {
		return errors.Errorf("layer content has digest sha256:%s", got)
	}
	if n != d.Size {
		return errors.Errorf("layer content has %d bytes, the manifest says %d", n, d.Size)
	}
	return nil
}

// writeSmallBlob writes data as the blob h, after checking its digest.
func writeSmallBlob(dir string, h v1.Hash, data []byte) error {
	sum := sha256.Sum256(data)
	if h.Algorithm != "sha256" || hex.EncodeToString(sum[:]) != h.Hex {
		return errors.Errorf("content has digest sha256:%x, the manifest says %s", sum, h)
	}
	return writeFile(blobPath(dir, h), data)
}

// writeFile creates the file p, mode 0644, holding data.
func writeFile(p string, data []byte) error {
	if err := os.WriteFile(p, data, blobMode); err != nil {
		return errors.Wrapf(err, "writing %s", filepath.Base(p))
	}
	return errors.Wrapf(os.Chmod(p, blobMode), "writing %s", filepath.Base(p))
}

// mkdirs makes each directory (mode 0755, whatever the umask), parents
// first; they may exist.
func mkdirs(dirs ...string) error {
	for _, d := range dirs {
		if err := os.Mkdir(d, dirMode); err != nil && !errors.Is(err, fs.ErrExist) {
			return errors.Wrapf(err, "creating %s", d)
		}
		if err := os.Chmod(d, dirMode); err != nil {
			return errors.Wrapf(err, "creating %s", d)
		}
	}
	return nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// swapByRename puts newDir at path by two renames: the previous layout, if
// any, goes aside into a "<path>.old-*" directory, which it returns for the
// caller to remove. If the second rename fails the previous layout is put
// back.
func swapByRename(newDir, path string) (string, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", os.Rename(newDir, path)
	}
	aside, err := os.MkdirTemp(filepath.Dir(path), filepath.Base(path)+".old-")
	if err != nil {
		return "", err
	}
	old := filepath.Join(aside, "layout")
	if err := os.Rename(path, old); err != nil {
		_ = os.Remove(aside)
		return "", err
	}
	if err := os.Rename(newDir, path); err != nil {
		if rerr := os.Rename(old, path); rerr != nil {
			return "", errors.Wrapf(err, "the previous layout is left at %s (%v)", old, rerr)
		}
		_ = os.Remove(aside)
		return "", err
	}
	return aside, nil
}
