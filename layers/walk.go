package layers

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/archive"
	"github.com/pkg/errors"
)

// ErrFileShrank is returned when a file is shorter than when the walk saw it:
// its tar header, already written, would not match its contents.
var ErrFileShrank = errors.New("layers: file shrank while being written")

const readBufferSize = 256 << 10

// walker writes the tar of one Spec.
type walker struct {
	ctx     context.Context
	spec    Spec
	tw      *archive.NormalizingWriter
	buf     []byte
	pending []*tar.Header // excluded ancestor directories not yet written
	ahead   []byte        // contents of the entry being visited, read ahead
	entries int
}

// writeTar writes the tar described by spec to w, including the tar trailer.
func writeTar(ctx context.Context, spec Spec, w io.Writer) (int, error) {
	root, err := spec.tarRoot()
	if err != nil {
		return 0, err
	}
	modTime := spec.ModTime
	if modTime.IsZero() {
		modTime = archive.NormalizedTime
	}
	tw := archive.NewNormalizingWriter(tar.NewWriter(w),
		archive.WithModTime(modTime), archive.WithOwner(spec.UID, spec.GID))
	wk := &walker{ctx: ctx, spec: spec, tw: tw, buf: make([]byte, readBufferSize)}
	if err := wk.run(root); err != nil {
		return wk.entries, err
	}
	return wk.entries, errors.Wrap(tw.Close(), "closing tar")
}

func (w *walker) run(root string) error {
	if root != "" {
		dirs := strings.Split(root, "/")
		for i := 1; i < len(dirs); i++ {
			hdr := &tar.Header{Typeflag: tar.TypeDir, Name: strings.Join(dirs[:i], "/"), Mode: 0o755}
			if err := w.tw.WriteHeader(hdr); err != nil {
				return errors.Wrapf(err, "writing %s", hdr.Name)
			}
		}
	}
	fi, err := os.Stat(w.spec.Path)
	if err != nil {
		return errors.Wrap(err, "reading layer directory")
	}
	if root == "" && !fi.IsDir() {
		return errors.Errorf("%s is not a directory: TarPath \"/\" needs one", w.spec.Path)
	}
	return w.visit(nil, w.spec.Path, ".", root, fi)
}

// visit writes the entry abs (rel below Path, name in the tar) and, for a
// directory, everything below it in lexical order. parent is the open
// directory holding it, nil for Path itself.
func (w *walker) visit(parent *dirHandle, abs, rel, name string, fi fs.FileInfo) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	include := w.spec.Include == nil || w.spec.Include(rel, fi)
	mode := fi.Mode()
	switch {
	case mode.IsDir():
		return w.dir(parent, abs, rel, name, fi, include)
	case !include:
		return nil
	case mode.IsRegular():
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: tarMode(mode), Size: fi.Size()}
		if err := w.write(hdr); err != nil {
			return err
		}
		if data := w.ahead; data != nil {
			if int64(len(data)) < fi.Size() {
				return errors.Wrapf(ErrFileShrank, "writing %s", abs)
			}
			_, err := w.tw.Write(data)
			return errors.Wrapf(err, "writing %s", abs)
		}
		var f io.ReadCloser
		var err error
		if parent == nil {
			f, err = openFilePath(abs)
		} else {
			f, err = parent.openFile(fi.Name())
		}
		if err != nil {
			return errors.Wrapf(err, "writing %s", abs)
		}
		defer f.Close()
		return errors.Wrapf(w.copyFile(f, fi.Size()), "writing %s", abs)
	case mode&fs.ModeSymlink != 0:
		var target string
		var err error
		if parent == nil {
			target, err = os.Readlink(abs)
		} else {
			target, err = parent.readlink(fi.Name())
		}
		if err != nil {
			return errors.Wrapf(err, "reading symlink %s", abs)
		}
		return w.write(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: tarMode(mode)})
	default:
		return nil // sockets, devices, fifos (RPR-5)
	}
}

func (w *walker) dir(parent *dirHandle, abs, rel, name string, fi fs.FileInfo, include bool) error {
	hdr := &tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: tarMode(fi.Mode())}
	if name == "" {
		hdr = nil // the top of the tar has no entry of its own
	}
	if hdr != nil && include {
		if err := w.write(hdr); err != nil {
			return err
		}
	} else if hdr != nil {
		w.pending = append(w.pending, hdr)
	}
	var d *dirHandle
	var err error
	if parent == nil {
		d, err = openDir(abs)
	} else {
		d, err = parent.openDir(fi.Name())
	}
	if err != nil {
		return errors.Wrapf(err, "reading directory %s", abs)
	}
	defer d.Close()
	names, err := d.names()
	if err != nil {
		return errors.Wrapf(err, "reading directory %s", abs)
	}
	ahead := readAhead(d, names)
	defer ahead.stop()
	for batch := range ahead.batches {
		for _, e := range batch {
			if e.err != nil {
				return errors.Wrapf(e.err, "reading %s", filepath.Join(abs, e.name))
			}
			w.ahead = e.data
			err := w.visit(d, filepath.Join(abs, e.name), path.Join(rel, e.name), path.Join(name, e.name), e.fi)
			w.ahead = nil
			if err != nil {
				return err
			}
		}
	}
	if n := len(w.pending); n > 0 && w.pending[n-1] == hdr {
		w.pending = w.pending[:n-1] // nothing below was written
	}
	return nil
}

// write writes hdr after any pending ancestor directories.
func (w *walker) write(hdr *tar.Header) error {
	for _, p := range w.pending {
		if err := w.tw.WriteHeader(p); err != nil {
			return errors.Wrapf(err, "writing %s", p.Name)
		}
		w.entries++
	}
	w.pending = w.pending[:0]
	w.entries++
	return errors.Wrapf(w.tw.WriteHeader(hdr), "writing %s", hdr.Name)
}

// copyFile streams size bytes of f into the tar. Bytes the file gained since
// it was stat'ed are left out, so the tar stays consistent.
func (w *walker) copyFile(f io.Reader, size int64) error {
	for n := int64(0); n < size; {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		chunk := w.buf
		if rest := size - n; rest < int64(len(chunk)) {
			chunk = chunk[:rest]
		}
		m, err := f.Read(chunk)
		if m > 0 {
			if _, werr := w.tw.Write(chunk[:m]); werr != nil {
				return werr
			}
			n += int64(m)
		}
		if err == io.EOF && n < size {
			return ErrFileShrank
		}
		if err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// tarMode converts permission and special bits to the tar header's encoding.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}
