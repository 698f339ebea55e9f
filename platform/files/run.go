package files

import "github.com/pkg/errors"

// Run is run.toml, the run images a platform offers (platform.md "run.toml";
// FIL-9; Platform API 0.12+, replacing stack.toml).
type Run struct {
	Images []RunImageEntry `toml:"images,omitempty"`
}

// RunImageEntry is a run image and its mirrors: an [[images]] of run.toml,
// the [run-image] of stack.toml, and the run image of the label's
// deprecated stack key. Mirrors must not be set without Image.
type RunImageEntry struct {
	Image   string   `json:"image" toml:"image"`
	Mirrors []string `json:"mirrors,omitempty" toml:"mirrors,omitempty"`
}

// ReadRun reads run.toml at path. An entry with mirrors but no image is an
// error.
func ReadRun(path string) (Run, error) {
	var r Run
	if err := readTOML(path, &r); err != nil {
		return Run{}, err
	}
	for i, img := range r.Images {
		if err := img.validate(); err != nil {
			return Run{}, errors.Wrapf(err, "reading %s: images[%d]", path, i)
		}
	}
	return r, nil
}

// WriteRun writes r to path as run.toml.
func WriteRun(path string, r Run) error {
	return writeTOML(path, r)
}

// validate applies the spec's one rule for an entry: mirrors need an image.
func (e RunImageEntry) validate() error {
	if e.Image == "" && len(e.Mirrors) > 0 {
		return errors.New("mirrors given without image")
	}
	return nil
}
