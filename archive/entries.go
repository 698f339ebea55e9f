package archive

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/pkg/errors"
)

const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

func (x *extractor) dir(name string, hdr *tar.Header) error {
	err := x.mkdir(name)
	if errors.Is(err, fs.ErrExist) {
		fi, lerr := x.root.Lstat(name)
		if lerr != nil {
			return lerr
		}
		if !fi.IsDir() {
			err = x.create(name, func() error { return x.mkdir(name) })
		} else {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	x.dirs = append(x.dirs, dirMode{name: name, mode: hdr.FileInfo().Mode() & modeBits})
	return x.chown(name, hdr)
}

func (x *extractor) mkdir(name string) error {
	err := x.root.Mkdir(name, 0o700)
	if errors.Is(err, fs.ErrNotExist) {
		if err := x.root.MkdirAll(path.Dir(name), 0o755); err != nil {
			return err
		}
		err = x.root.Mkdir(name, 0o700)
	}
	return err
}

// newFile is a regular file being extracted.
type newFile interface {
	io.WriteCloser
	Chmod(mode fs.FileMode) error
	Chown(uid, gid int) error
}

func (x *extractor) file(name string, hdr *tar.Header, r io.Reader) error {
	dir, base := path.Split(name)
	var f newFile
	err := x.create(name, func() error {
		if dir == "" {
			var err error
			f, err = x.root.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			return err
		}
		parent, err := x.parentDir(strings.TrimSuffix(dir, "/"))
		if err != nil {
			return err
		}
		f, err = parent.create(base)
		return err
	})
	if err != nil {
		return err
	}
	err = x.copy(f, r)
	if err == nil && x.opts.chown {
		err = f.Chown(x.owner(hdr))
	}
	if err == nil {
		// After the chown, which clears setuid and setgid bits.
		err = f.Chmod(hdr.FileInfo().Mode() & modeBits)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// copy streams the entry's contents with the extractor's buffer (io.Copy
// would allocate one per file through os.File.ReadFrom) and checks ctx.
// Chunks of zeros become holes when the file can seek: a sparse file (which
// a tar of a few bytes can declare terabytes long) costs no disk, and
// neither do long runs of zeros in ordinary files.
func (x *extractor) copy(w io.Writer, r io.Reader) error {
	sw, sparse := w.(sparseWriter)
	var size int64
	hole := false
	for {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(x.buf)
		if n > 0 {
			chunk := x.buf[:n]
			if sparse && n >= holeMin && x.isZero(chunk) {
				if _, serr := sw.Seek(int64(n), io.SeekCurrent); serr != nil {
					return serr
				}
				hole = true
			} else {
				if _, werr := w.Write(chunk); werr != nil {
					return werr
				}
				hole = false
			}
			size += int64(n)
		}
		if err == io.EOF {
			if hole {
				return sw.Truncate(size)
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// holeMin is the smallest run of zeros written as a hole.
const holeMin = 64 << 10

// sparseWriter is a file that can skip ahead and be cut to a size.
type sparseWriter interface {
	Seek(offset int64, whence int) (int64, error)
	Truncate(size int64) error
}

func (x *extractor) isZero(b []byte) bool {
	if len(x.zeros) < len(b) {
		x.zeros = make([]byte, len(x.buf))
	}
	return bytes.Equal(b, x.zeros[:len(b)])
}

func (x *extractor) link(name string, hdr *tar.Header) error {
	target, err := cleanName(hdr.Linkname)
	if err != nil {
		return errors.Wrapf(err, "link target %s", hdr.Linkname)
	}
	return x.create(name, func() error { return x.root.Link(target, name) })
}

// create runs mk, which makes name; if name exists it is removed (a directory
// only if empty) and mk runs again; if its parent is missing it is created.
func (x *extractor) create(name string, mk func() error) error {
	err := mk()
	if errors.Is(err, fs.ErrNotExist) {
		if err := x.root.MkdirAll(path.Dir(name), 0o755); err != nil {
			return err
		}
		err = mk()
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	x.dropParent()
	if err := x.root.Remove(name); err != nil {
		return errors.Wrap(err, "replacing existing entry")
	}
	return mk()
}

// parentDir returns a handle on dir, reusing the previous one if it is the
// same directory. Opening it through x.root keeps it inside dest.
func (x *extractor) parentDir(dir string) (*dirHandle, error) {
	if x.parent != nil && x.parentName == dir {
		return x.parent, nil
	}
	x.dropParent()
	d, err := openDirHandle(x.root, dir)
	if err != nil {
		return nil, err
	}
	x.parent, x.parentName = d, dir
	return d, nil
}

func (x *extractor) dropParent() {
	if x.parent != nil {
		x.parent.Close()
		x.parent, x.parentName = nil, ""
	}
}

func (x *extractor) owner(hdr *tar.Header) (int, int) {
	uid, gid := x.opts.uid, x.opts.gid
	if uid < 0 {
		uid = hdr.Uid
	}
	if gid < 0 {
		gid = hdr.Gid
	}
	return uid, gid
}

func (x *extractor) chown(name string, hdr *tar.Header) error {
	if !x.opts.chown {
		return nil
	}
	uid, gid := x.owner(hdr)
	return x.root.Lchown(name, uid, gid)
}

// whiteout applies an OCI whiteout entry. Entries written by this extraction
// are never removed by it.
func (x *extractor) whiteout(name string) error {
	x.dropParent()
	dir, base := path.Split(name)
	if base == whiteoutOpaque {
		return x.opaque(path.Clean(dir + "."))
	}
	target := strings.TrimPrefix(base, whiteoutPrefix)
	if target == "" || target == "." || target == ".." || strings.Contains(target, "/") {
		return errors.Errorf("invalid whiteout %s", name)
	}
	target = path.Join(dir, target)
	if _, ok := x.written[target]; ok {
		return nil
	}
	return x.root.RemoveAll(target)
}

func (x *extractor) opaque(dir string) error {
	d, err := x.root.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	for _, n := range names {
		p := path.Join(dir, n)
		if _, ok := x.written[p]; ok {
			continue
		}
		if err := x.root.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}
