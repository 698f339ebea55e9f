package archive

import (
	"archive/tar"
	"io"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// NormalizedTime is the modification time of every entry in a layer the
// lifecycle creates (RPR-1): 1980-01-01T00:00:01Z, the earliest time a zip
// file can hold, which the reference lifecycle and pack also use.
var NormalizedTime = time.Date(1980, 1, 1, 0, 0, 1, 0, time.UTC)

// TarWriter is the part of *tar.Writer that NormalizingWriter decorates.
type TarWriter interface {
	WriteHeader(hdr *tar.Header) error
	io.WriteCloser
}

// NormalizingWriter decorates a TarWriter so that the bytes of an archive depend
// only on names, modes, link targets and contents (RPR-1, RPR-2, RPR-4).
// Every header gets the fixed mtime, the configured uid/gid, blank Uname/Gname,
// zero access and change times and the PAX format (which tar writes as plain
// USTAR whenever a header fits it). Names use forward slashes, are cleaned,
// have no leading "/", and directories end in "/". PAXRecords are passed
// through unchanged: they are the caller's explicit content.
type NormalizingWriter struct {
	tw       TarWriter
	modTime  time.Time
	uid, gid int
}

// WriterOption configures a NormalizingWriter.
type WriterOption func(*NormalizingWriter)

// WithModTime sets the modification time of every entry, truncated to whole
// seconds so the header bytes stay the same for all formats. The default is
// NormalizedTime.
func WithModTime(t time.Time) WriterOption {
	return func(w *NormalizingWriter) { w.modTime = t.Truncate(time.Second).UTC() }
}

// WithOwner sets the uid and gid of every entry (RPR-2: CNB_USER_ID and
// CNB_GROUP_ID for buildpack layers, 0:0 for the launcher). The default is 0:0.
func WithOwner(uid, gid int) WriterOption {
	return func(w *NormalizingWriter) { w.uid, w.gid = uid, gid }
}

// NewNormalizingWriter returns a NormalizingWriter that writes to tw.
func NewNormalizingWriter(tw TarWriter, opts ...WriterOption) *NormalizingWriter {
	w := &NormalizingWriter{tw: tw, modTime: NormalizedTime}
	for _, opt := range opts {
		opt(w)
	}
	return w
}

// WriteHeader writes a normalized copy of hdr; hdr itself is not modified.
func (w *NormalizingWriter) WriteHeader(hdr *tar.Header) error {
	h := *hdr
	h.Name = normalizeName(h.Name, h.Typeflag == tar.TypeDir)
	if h.Typeflag == tar.TypeLink {
		h.Linkname = normalizeName(h.Linkname, false)
	}
	h.ModTime = w.modTime
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	h.Uid, h.Gid = w.uid, w.gid
	h.Uname, h.Gname = "", ""
	h.Format = tar.FormatPAX
	return w.tw.WriteHeader(&h)
}

// Write writes the contents of the current entry.
func (w *NormalizingWriter) Write(p []byte) (int, error) {
	return w.tw.Write(p)
}

// Close closes the underlying TarWriter, which writes the tar trailer.
func (w *NormalizingWriter) Close() error {
	return w.tw.Close()
}

// normalizeName turns an OS path or a tar name into the form stored in layers:
// slash-separated, cleaned, relative, with a trailing "/" for directories.
func normalizeName(name string, dir bool) string {
	name = path.Clean("/" + filepath.ToSlash(name))
	name = strings.TrimPrefix(name, "/")
	if name == "" {
		name = "."
	}
	if dir {
		name += "/"
	}
	return name
}
