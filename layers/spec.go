package layers

import (
	"github.com/klauspost/compress/gzip"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// Spec describes what to put in a layer.
type Spec struct {
	// Path is the directory (or single file) on disk whose tree the layer
	// holds. A symlink here is followed; symlinks below it are not.
	Path string
	// TarPath is where Path appears inside the tar, usually its absolute path
	// in the image: "/layers/example_node/modules" is stored as
	// "layers/example_node/modules/...", preceded by the entries "layers/" and
	// "layers/example_node/" (mode 0755, owned by UID:GID). "/" puts the
	// contents of Path at the top of the tar.
	TarPath string
	// UID and GID own every entry (RPR-2).
	UID, GID int
	// ModTime is the mtime of every entry; zero means archive.NormalizedTime
	// (RPR-1).
	ModTime time.Time
	// Include, if set, selects what goes in the layer, for app slices (EXP-5).
	// It is called with the slash-separated path relative to Path ("." for
	// Path itself) and the entry's Lstat. A file or symlink is written if it
	// returns true. A directory is always descended into; if Include returns
	// true its entry is written, otherwise only when something below it is
	// written, so included files keep their parent directories.
	Include func(rel string, fi fs.FileInfo) bool
}

// Result describes a written layer.
type Result struct {
	DiffID           v1.Hash // sha256 of the uncompressed tar
	Digest           v1.Hash // sha256 of the gzipped tar
	Size             int64   // size of the gzipped tar
	UncompressedSize int64   // size of the uncompressed tar
	// Entries counts the entries written from Path, not counting the parent
	// directories of TarPath: zero means an empty slice (EXP-5).
	Entries int
}

// tarRoot is the name of Path inside the tar, without slashes around it; ""
// for the top of the tar.
func (s Spec) tarRoot() (string, error) {
	if s.Path == "" {
		return "", errors.New("layer spec: empty Path")
	}
	if s.TarPath == "" {
		return "", errors.Errorf("layer spec for %s: empty TarPath (use \"/\" for the top of the tar)", s.Path)
	}
	p := strings.Trim(path.Clean("/"+filepath.ToSlash(s.TarPath)), "/")
	return p, nil
}

// Option configures Write and WriteBlob.
type Option func(*options) error

type options struct {
	level int
}

// WithCompressionLevel sets the gzip level, from gzip.HuffmanOnly to
// gzip.BestCompression; the default is gzip.BestSpeed. The level changes the
// digest but not the diffID.
func WithCompressionLevel(level int) Option {
	return func(o *options) error {
		if level < gzip.HuffmanOnly || level > gzip.BestCompression {
			return errors.Errorf("invalid gzip level %d", level)
		}
		o.level = level
		return nil
	}
}

func newOptions(opts []Option) (options, error) {
	o := options{level: gzip.BestSpeed}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}
