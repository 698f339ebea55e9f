package phase

import (
	"strings"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/pkg/errors"
)

// Written is what a store's Write did, for the phase to tell the user and
// to record in report.toml: stores print nothing.
type Written struct {
	// Report is report.toml's [image] (EXP-15, REB-8): the names written,
	// and the digest and manifest size, or the image ID.
	Report files.Report
	// Saved are the names written, in order.
	Saved []SavedName
	// Failed are the names that could not be written, with their causes
	// (EXP-14).
	Failed []FailedName
	// Short is the image's identifier as a user reads it: 12 hex digits
	// of the digest, or of the image ID.
	Short string
}

// SavedName is one name Write wrote; Path is the layout directory it went
// to, for a layout store.
type SavedName struct {
	Name, Path string
}

// FailedName is one name Write could not write.
type FailedName struct {
	Name string
	Err  error
}

// saved records a written name in the report.
func (w *Written) saved(n, path string) {
	w.Saved = append(w.Saved, SavedName{Name: n, Path: path})
	w.Report.Image.Tags = append(w.Report.Image.Tags, n)
}

// failed records a name that could not be written.
func (w *Written) failed(n string, err error) {
	w.Failed = append(w.Failed, FailedName{Name: n, Err: err})
}

// err is the write's error once every name was tried: the cause itself
// when the only name failed, else the failing names (their causes are
// logged by logWritten).
func (w *Written) err() error {
	switch {
	case len(w.Failed) == 0:
		return nil
	case len(w.Failed) == 1 && len(w.Saved) == 0:
		return errors.Wrapf(w.Failed[0].Err, "saving image %s", w.Failed[0].Name)
	}
	names := make([]string, len(w.Failed))
	for i, f := range w.Failed {
		names[i] = f.Name
	}
	return errors.Errorf("saving image %s", strings.Join(names, ", "))
}

// short12 is the first 12 hex digits of a digest or image ID.
func short12(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// logWritten tells the user what Write did: each name that failed with its
// cause (when there were several names; a lone failure is the phase's
// error), the names written under the image's identifier (each layout with
// its path), then the digest or image ID once every name was written.
func logWritten(logger *log.Logger, w Written) {
	if len(w.Failed) > 1 || len(w.Saved) > 0 {
		for _, f := range w.Failed {
			logger.Errorf("saving %s: %s", f.Name, image.OneLine(f.Err))
		}
	}
	header := false
	for _, s := range w.Saved {
		if s.Path != "" {
			logger.Infof("*** Image (%s) in OCI layout: %s", w.Short, s.Path)
			continue
		}
		if !header {
			logger.Infof("*** Images (%s):", w.Short)
			header = true
		}
		logger.Infof("      %s", s.Name)
	}
	if len(w.Failed) > 0 {
		return
	}
	switch {
	case w.Report.Image.ImageID != "":
		logger.Infof("*** Image ID: %s", w.Report.Image.ImageID)
	case w.Report.Image.Digest != "":
		logger.Infof("*** Digest: %s", w.Report.Image.Digest)
	}
}
