package archive

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/pkg/errors"
)

// ErrPathEscapes is returned (wrapped, naming the entry) for an entry whose
// name or hardlink target lies outside the destination directory.
var ErrPathEscapes = errors.New("archive: path escapes destination")

const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
	copyBufferSize = 256 << 10
)

// ExtractOption configures Extract.
type ExtractOption func(*extractOptions)

type extractOptions struct {
	whiteouts bool
	chown     bool
	uid, gid  int
	prefix    string
}

// WithStripPrefix extracts only the entries below prefix (a slash-separated
// path such as "layers/example_node"), with prefix removed from their names:
// a layer stored at its absolute image path unpacks into the directory that
// path names on this machine. Other entries (the prefix's parents) are
// skipped.
func WithStripPrefix(prefix string) ExtractOption {
	return func(o *extractOptions) { o.prefix = strings.Trim(path.Clean("/"+prefix), "/") }
}

// WithWhiteouts makes Extract apply OCI whiteouts, as when a layer is unpacked
// over the layers below it: an entry ".wh.<name>" removes <name> from its
// directory and ".wh..wh..opq" empties its directory of everything this
// extraction did not write. Without it they are extracted as ordinary files.
func WithWhiteouts() ExtractOption {
	return func(o *extractOptions) { o.whiteouts = true }
}

// WithChown makes Extract chown every entry it creates to uid:gid; a negative
// uid or gid is taken from the entry's header. It only has an effect when the
// process runs as root: otherwise files keep the owner of the process.
func WithChown(uid, gid int) ExtractOption {
	return func(o *extractOptions) { o.chown, o.uid, o.gid = true, uid, gid }
}

// Extract unpacks the uncompressed tar stream r below dest, creating dest if
// needed. Directories, regular files (with their permission, setuid, setgid and
// sticky bits), symlinks and hardlinks are created; devices and fifos are
// skipped. All writes go through an os.Root on dest: entry names with ".."
// leaving dest and hardlinks to outside dest fail with ErrPathEscapes, and
// symlinks are created as given (even absolute ones) but never followed out of
// dest by a later entry. Existing files are replaced, existing directories
// kept. Extract stops when ctx is cancelled; errors name the entry.
func Extract(ctx context.Context, r io.Reader, dest string, opts ...ExtractOption) error {
	var o extractOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.chown && os.Geteuid() != 0 {
		o.chown = false
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return errors.Wrapf(err, "creating %s", dest)
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return errors.Wrapf(err, "opening %s", dest)
	}
	x := &extractor{ctx: ctx, root: root, opts: o, buf: make([]byte, copyBufferSize)}
	if o.whiteouts {
		x.written = map[string]struct{}{}
	}
	defer x.close()
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errors.Wrap(err, "reading tar")
		}
		if o.prefix != "" {
			name := strings.Trim(path.Clean("/"+hdr.Name), "/")
			rel, ok := strings.CutPrefix(name, o.prefix+"/")
			if !ok {
				continue
			}
			hdr.Name = rel
			if hdr.Typeflag == tar.TypeLink {
				linkRel, ok := strings.CutPrefix(strings.Trim(path.Clean("/"+hdr.Linkname), "/"), o.prefix+"/")
				if !ok {
					return errors.Wrapf(ErrPathEscapes, "hardlink %s to %s", hdr.Name, hdr.Linkname)
				}
				hdr.Linkname = linkRel
			}
		}
		if err := x.entry(hdr, tr); err != nil {
			return errors.Wrapf(err, "extracting %s", hdr.Name)
		}
	}
	return x.finish()
}

// extractor holds the state of one Extract call.
type extractor struct {
	ctx  context.Context
	root *os.Root
	opts extractOptions
	buf  []byte
	// zeros is a chunk of zeros to compare read chunks with.
	zeros []byte
	// parent caches the directory the last regular file went to, so that a
	// run of files in one directory costs one path walk, not one per file.
	// It is dropped whenever anything is removed.
	parent     *dirHandle
	parentName string
	dirs       []dirMode           // directory modes to set at the end
	written    map[string]struct{} // names written, when whiteouts are on
}

type dirMode struct {
	name string
	mode fs.FileMode
}

func (x *extractor) close() {
	x.dropParent()
	x.root.Close()
}

// finish sets directory modes last, so that read-only directories could be
// filled first. A directory a later entry replaced is left alone.
func (x *extractor) finish() error {
	for i := len(x.dirs) - 1; i >= 0; i-- {
		d := x.dirs[i]
		if fi, err := x.root.Lstat(d.name); err != nil || !fi.IsDir() {
			continue
		}
		if err := x.root.Chmod(d.name, d.mode); err != nil {
			return errors.Wrapf(err, "setting mode of %s", d.name)
		}
	}
	return nil
}

func (x *extractor) entry(hdr *tar.Header, r io.Reader) error {
	name, err := cleanName(hdr.Name)
	if err != nil || name == "." {
		return err
	}
	if x.opts.whiteouts && strings.HasPrefix(path.Base(name), whiteoutPrefix) {
		return x.whiteout(name)
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		err = x.dir(name, hdr)
	case tar.TypeReg:
		err = x.file(name, hdr, r)
	case tar.TypeSymlink:
		err = x.create(name, func() error { return x.root.Symlink(hdr.Linkname, name) })
		if err == nil {
			err = x.chown(name, hdr)
		}
	case tar.TypeLink:
		err = x.link(name, hdr)
	default:
		return nil // devices, fifos: not part of a layer the lifecycle restores
	}
	if err == nil && x.written != nil {
		x.written[name] = struct{}{}
	}
	return err
}

// cleanName makes a tar name relative to dest and refuses names leaving it.
func cleanName(name string) (string, error) {
	name = path.Clean(strings.TrimLeft(name, "/"))
	if name == ".." || strings.HasPrefix(name, "../") {
		return "", ErrPathEscapes
	}
	return name, nil
}
