package buildpack

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/pkg/errors"
)

// GroupElement is a buildpack reference: an entry of an order group, of
// group.toml, or of a composite buildpack's order (FIL-2, FIL-3).
type GroupElement struct {
	ID       string   `toml:"id"`
	Version  string   `toml:"version"`
	API      string   `toml:"api,omitempty"`
	Homepage string   `toml:"homepage,omitempty"`
	Optional bool     `toml:"optional,omitempty"`
	ExecEnv  ExecEnvs `toml:"exec-env,omitempty"`
}

// String renders the element as id@version.
func (e GroupElement) String() string { return e.ID + "@" + e.Version }

// Group is one group of an order.
type Group struct {
	Group []GroupElement `toml:"group"`
}

// Order is an ordered list of groups to try.
type Order []Group

// OrderFile is order.toml (FIL-3).
type OrderFile struct {
	Order           Order `toml:"order"`
	OrderExtensions Order `toml:"order-extensions,omitempty"`
}

// ReadOrder reads order.toml. Every element needs an id and a version
// (platform.md "order.toml").
func ReadOrder(path string) (OrderFile, error) {
	var of OrderFile
	if err := decodeFile(path, &of); err != nil {
		return OrderFile{}, err
	}
	for _, o := range []Order{of.Order, of.OrderExtensions} {
		if err := o.validate(); err != nil {
			return OrderFile{}, errors.Wrapf(err, "reading %s", path)
		}
	}
	return of, nil
}

func (o Order) validate() error {
	for i, g := range o {
		for j, e := range g.Group {
			if e.ID == "" {
				return errors.Errorf("group %d, entry %d: missing id", i+1, j+1)
			}
			if e.Version == "" {
				return errors.Errorf("group %d, entry %d (%s): missing version", i+1, j+1, e.ID)
			}
		}
	}
	return nil
}

// GroupFile is group.toml (FIL-2): the detected group, without the optional
// flags, and the detected image extensions.
type GroupFile struct {
	Group           []GroupElement `toml:"group"`
	GroupExtensions []GroupElement `toml:"group-extensions,omitempty"`
}

// ReadGroup reads group.toml. Every entry needs id, version and a supported
// api (an *APIError otherwise, CONFORMANCE FIL-2, API-2).
func ReadGroup(path string) (GroupFile, error) {
	var gf GroupFile
	if err := decodeFile(path, &gf); err != nil {
		return GroupFile{}, err
	}
	for i, e := range append(append([]GroupElement{}, gf.Group...), gf.GroupExtensions...) {
		if e.ID == "" || e.Version == "" {
			return GroupFile{}, errors.Errorf("reading %s: entry %d: id and version are required", path, i+1)
		}
		if v, err := api.Parse(e.API); err != nil || !api.SupportedBuildpack().Contains(v) {
			return GroupFile{}, &APIError{Ref: e.String(), API: e.API, Path: path}
		}
	}
	return gf, nil
}

// WriteGroup writes group.toml. Optional flags and exec-env are not part of
// group.toml and are dropped.
func WriteGroup(path string, gf GroupFile) error {
	strip := func(es []GroupElement) []GroupElement {
		out := make([]GroupElement, len(es))
		for i, e := range es {
			out[i] = GroupElement{ID: e.ID, Version: e.Version, API: e.API, Homepage: e.Homepage}
		}
		return out
	}
	return encodeFile(path, GroupFile{Group: strip(gf.Group), GroupExtensions: strip(gf.GroupExtensions)})
}

func decodeFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return errors.Wrapf(err, "reading %s", path)
	}
	if _, err := toml.Decode(string(data), v); err != nil {
		return errors.Wrapf(err, "parsing %s", path)
	}
	return nil
}

// encodeFile writes v as TOML to path: parent dirs are created and the file
// is replaced atomically.
func encodeFile(path string, v any) error {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	return writeAtomic(path, buf.Bytes())
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return errors.Wrapf(err, "writing %s", path)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return errors.Wrapf(err, "writing %s", path)
	}
	if err := f.Close(); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	return errors.Wrapf(os.Rename(f.Name(), path), "writing %s", path)
}
