package buildpack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/pkg/errors"
)

// Descriptor is buildpack.toml (buildpack.md "buildpack.toml",
// CONFORMANCE BPI-7).
type Descriptor struct {
	API       string   `toml:"api"`
	Buildpack Info     `toml:"buildpack"`
	Order     Order    `toml:"order"`
	Targets   []Target `toml:"targets"`
	Stacks    []Stack  `toml:"stacks"`
	Metadata  any      `toml:"metadata"`
	// Dir is the buildpack's root directory (not part of the file).
	Dir string `toml:"-"`
	// Version is API parsed (not part of the file).
	APIVersion api.Version `toml:"-"`
}

// Info is the [buildpack] table.
type Info struct {
	ID          string    `toml:"id"`
	Name        string    `toml:"name"`
	Version     string    `toml:"version"`
	Homepage    string    `toml:"homepage"`
	ClearEnv    bool      `toml:"clear-env"`
	Description string    `toml:"description"`
	Keywords    []string  `toml:"keywords"`
	SBOMFormats []string  `toml:"sbom-formats"`
	ExecEnv     ExecEnvs  `toml:"exec-env"`
	Licenses    []License `toml:"licenses"`
}

// License is an entry of [[buildpack.licenses]].
type License struct {
	Type string `toml:"type"`
	URI  string `toml:"uri"`
}

// Stack is a deprecated [[stacks]] entry (buildpack.md "Deprecations").
type Stack struct {
	ID     string   `toml:"id"`
	Mixins []string `toml:"mixins"`
}

// IsComposite reports whether the buildpack is a composite buildpack (one
// with an [[order]] instead of executables).
func (d *Descriptor) IsComposite() bool { return len(d.Order) > 0 }

// String renders the buildpack as id@version.
func (d *Descriptor) String() string { return d.Buildpack.ID + "@" + d.Buildpack.Version }

// GroupElement returns the group.toml entry for the buildpack.
func (d *Descriptor) GroupElement() GroupElement {
	return GroupElement{ID: d.Buildpack.ID, Version: d.Buildpack.Version, API: d.API, Homepage: d.Buildpack.Homepage}
}

// APIError reports a buildpack whose API this lifecycle does not implement
// (CONFORMANCE API-2; the platform maps it to exit code 12).
type APIError struct {
	Ref  string // id@version
	API  string // as written, "" when missing
	Path string // the file that declared it
}

func (e *APIError) Error() string {
	if e.API == "" {
		return fmt.Sprintf("buildpack %s in %s declares no api: supported buildpack APIs are %s", e.Ref, e.Path, api.SupportedBuildpack())
	}
	return fmt.Sprintf("buildpack %s (%s) declares api %q, which this lifecycle does not support (supported: %s)",
		e.Ref, e.Path, e.API, api.SupportedBuildpack())
}

// ReadDescriptor reads <dir>/buildpack.toml and checks its API and id.
func ReadDescriptor(dir string) (*Descriptor, error) {
	path := filepath.Join(dir, "buildpack.toml")
	d := &Descriptor{}
	if err := decodeFile(path, d); err != nil {
		return nil, err
	}
	d.Dir = dir
	ref := d.String()
	v, err := api.Parse(d.API)
	if err != nil || !api.SupportedBuildpack().Contains(v) {
		return nil, &APIError{Ref: ref, API: d.API, Path: path}
	}
	d.APIVersion = v
	if err := ValidateID(d.Buildpack.ID); err != nil {
		return nil, errors.Wrapf(err, "reading %s", path)
	}
	if d.Buildpack.Version == "" {
		return nil, errors.Errorf("reading %s: [buildpack] version is required", path)
	}
	if err := d.Order.validate(); err != nil {
		return nil, errors.Wrapf(err, "reading %s: [[order]]", path)
	}
	return d, nil
}

// ValidateID applies the buildpack ID rules (buildpack.md "The buildpack
// ID"; CONFORMANCE BPI-8): letters, digits, '.', '/' and '-' only, and not
// one of the reserved names.
func ValidateID(id string) error {
	if id == "" {
		return errors.New("[buildpack] id is required")
	}
	for _, r := range id {
		ok := r == '.' || r == '/' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return errors.Errorf("buildpack id %q: only letters, digits, '.', '/' and '-' are allowed", id)
		}
	}
	switch strings.ToLower(id) {
	case "app", "config", "generated", "sbom":
		return errors.Errorf("buildpack id %q is reserved", id)
	}
	return nil
}

// EscapeID turns an id into a directory name: '/' becomes '_'
// (CONFORMANCE DET-4).
func EscapeID(id string) string { return strings.ReplaceAll(id, "/", "_") }

// Store finds buildpacks in a buildpacks directory laid out as
// <dir>/<escaped id>/<version>/buildpack.toml (platform.md "Buildpacks
// Directory Layout"). It remembers what it read; it is not safe for
// concurrent use.
type Store struct {
	Dir   string
	cache map[string]*Descriptor
}

// NewStore returns a Store over dir.
func NewStore(dir string) *Store { return &Store{Dir: dir, cache: map[string]*Descriptor{}} }

// Lookup reads the descriptor of id@version.
func (s *Store) Lookup(id, version string) (*Descriptor, error) {
	key := id + "@" + version
	if d, ok := s.cache[key]; ok {
		return d, nil
	}
	dir := filepath.Join(s.Dir, EscapeID(id), version)
	if _, err := os.Stat(filepath.Join(dir, "buildpack.toml")); err != nil {
		return nil, errors.Wrapf(err, "buildpack %s not found in %s", key, s.Dir)
	}
	d, err := ReadDescriptor(dir)
	if err != nil {
		return nil, err
	}
	if d.Buildpack.ID != id || d.Buildpack.Version != version {
		return nil, errors.Errorf("%s declares %s, but the order asks for %s", filepath.Join(dir, "buildpack.toml"), d, key)
	}
	s.cache[key] = d
	return d, nil
}
