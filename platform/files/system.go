package files

import "github.com/pkg/errors"

// System is system.toml, the system buildpacks the platform inserts around
// every order group before detection (platform.md "system.toml"; FIL-6;
// Platform API 0.15+). The file nests them as system.pre.buildpacks and
// system.post.buildpacks.
type System struct {
	// Pre go at the beginning of every group.
	Pre []SystemBuildpack
	// Post go at the end of every group.
	Post []SystemBuildpack
}

// SystemBuildpack is a buildpack in system.toml. ID and Version are required.
type SystemBuildpack struct {
	ID       string `toml:"id"`
	Version  string `toml:"version"`
	Optional bool   `toml:"optional,omitempty"`
}

// systemFile is the layout of system.toml.
type systemFile struct {
	System struct {
		Pre  systemBuildpacks `toml:"pre,omitempty"`
		Post systemBuildpacks `toml:"post,omitempty"`
	} `toml:"system,omitempty"`
}

// systemBuildpacks is the table holding system.pre or system.post buildpacks.
type systemBuildpacks struct {
	Buildpacks []SystemBuildpack `toml:"buildpacks,omitempty"`
}

// ReadSystem reads system.toml at path. A buildpack without an id or a
// version is an error naming it.
func ReadSystem(path string) (System, error) {
	var f systemFile
	if err := readTOML(path, &f); err != nil {
		return System{}, err
	}
	s := System{Pre: f.System.Pre.Buildpacks, Post: f.System.Post.Buildpacks}
	for _, l := range []struct {
		key string
		bps []SystemBuildpack
	}{{"system.pre.buildpacks", s.Pre}, {"system.post.buildpacks", s.Post}} {
		for i, bp := range l.bps {
			if err := bp.validate(); err != nil {
				return System{}, errors.Wrapf(err, "reading %s: %s[%d]", path, l.key, i)
			}
		}
	}
	return s, nil
}

// WriteSystem writes s to path as system.toml.
func WriteSystem(path string, s System) error {
	var f systemFile
	f.System.Pre.Buildpacks = s.Pre
	f.System.Post.Buildpacks = s.Post
	return writeTOML(path, f)
}

// validate checks the fields the spec requires.
func (bp SystemBuildpack) validate() error {
	switch {
	case bp.ID == "":
		return errors.Errorf("buildpack (version %q) is missing id", bp.Version)
	case bp.Version == "":
		return errors.Errorf("buildpack %s is missing version", bp.ID)
	}
	return nil
}
