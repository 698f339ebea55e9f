package files

// ProjectMetadata is project-metadata.toml, where the app source came from
// (platform.md "project-metadata.toml"; FIL-5). Every value is optional. Its
// JSON form is the io.buildpacks.project.metadata label: a missing file or
// nil Source gives {}.
type ProjectMetadata struct {
	Source *ProjectSource `json:"source,omitempty" toml:"source,omitempty"`
}

// ProjectSource is project-metadata.toml's [source].
type ProjectSource struct {
	// Type is the kind of location holding the source, e.g. git or s3.
	Type string `json:"type,omitempty" toml:"type,omitempty"`
	// Version is arbitrary data identifying the version of the source.
	Version map[string]any `json:"version,omitempty" toml:"version,omitempty"`
	// Metadata is arbitrary data about the source.
	Metadata map[string]any `json:"metadata,omitempty" toml:"metadata,omitempty"`
}

// ReadProjectMetadata reads project-metadata.toml at path.
func ReadProjectMetadata(path string) (ProjectMetadata, error) {
	var m ProjectMetadata
	if err := readTOML(path, &m); err != nil {
		return ProjectMetadata{}, err
	}
	return m, nil
}

// WriteProjectMetadata writes m to path as project-metadata.toml.
func WriteProjectMetadata(path string, m ProjectMetadata) error {
	return writeTOML(path, m)
}
