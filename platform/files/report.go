package files

// Report is report.toml, what the exporter made (platform.md "report.toml";
// FIL-8).
type Report struct {
	Image ReportImage `toml:"image"`
	// Build is written only for Platform API < 0.9.
	Build ReportBuild `toml:"build,omitempty"`
}

// ReportImage is report.toml's [image].
type ReportImage struct {
	// Tags are all tag references the app image was exported to.
	Tags []string `toml:"tags"`
	// Digest is the image digest, for an image exported to a registry.
	Digest string `toml:"digest,omitempty"`
	// ImageID is the image ID, for an image exported to a docker daemon.
	ImageID string `toml:"image-id,omitempty"`
	// ManifestSize is the manifest size in bytes, for an image exported to
	// a registry; a TOML integer, not the string the spec's sample suggests.
	ManifestSize int64 `toml:"manifest-size,omitzero"`
}

// ReportBuild is report.toml's [build].
type ReportBuild struct {
	// BOM is the build Bill of Materials of buildpacks implementing
	// Buildpack API < 0.7: arbitrary entries, each written as a table
	// ([[build.bom]]) and read back as map[string]any.
	BOM []any `toml:"bom,omitempty"`
}

// ReadReport reads report.toml at path.
func ReadReport(path string) (Report, error) {
	var r Report
	if err := readTOML(path, &r); err != nil {
		return Report{}, err
	}
	return r, nil
}

// WriteReport writes r to path as report.toml.
func WriteReport(path string, r Report) error {
	return writeTOML(path, r)
}
