package files

// Analyzed is analyzed.toml (platform.md "analyzed.toml"; FIL-1), written by
// the analyzer and amended by detect, restore and extend. Nil pointers are
// absent sections.
type Analyzed struct {
	// Image is the previous app image; nil when there is none.
	Image *ImageIdentifier `toml:"image,omitempty"`
	// Metadata is the previous image's lifecycle metadata label.
	Metadata LayersMetadata `toml:"metadata,omitempty"`
	// RunImage is the run image the app image will be built on.
	RunImage *RunImage `toml:"run-image,omitempty"`
	// BuildImage is the build image, when the platform gave one.
	BuildImage *ImageIdentifier `toml:"build-image,omitempty"`
}

// ImageIdentifier identifies an image: a digest reference in a registry, an
// image ID in a docker daemon, or a path in an OCI layout.
type ImageIdentifier struct {
	Reference string `toml:"reference"`
}

// RunImage is analyzed.toml's [run-image].
type RunImage struct {
	// Reference identifies the run image as ImageIdentifier does.
	Reference string `toml:"reference"`
	// Image is the platform- or extension-provided image name.
	Image string `toml:"image,omitempty"`
	// Extend is true when extensions will extend the run image.
	Extend bool `toml:"extend,omitempty"`
	// Target is the run image's target data.
	Target *TargetMetadata `toml:"target,omitempty"`
}

// TargetMetadata is the target data of an image (platform.md "Target Data").
type TargetMetadata struct {
	ID   string `toml:"id,omitempty"`
	OS   string `toml:"os,omitempty"`
	Arch string `toml:"arch,omitempty"`
	// ArchVariant is read from arch-variant or, failing that, from the
	// spec's variant; it is written as arch-variant, which pack, kpack and
	// the reference lifecycle read (FIL-1).
	ArchVariant string    `toml:"arch-variant,omitempty"`
	Distro      *OSDistro `toml:"distro,omitempty"`
}

// OSDistro is a target's operating system distribution.
type OSDistro struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
}

// analyzedVariant picks out the spec's spelling of the architecture variant.
type analyzedVariant struct {
	RunImage struct {
		Target struct {
			Variant string `toml:"variant"`
		} `toml:"target"`
	} `toml:"run-image"`
}

// ReadAnalyzed reads analyzed.toml at path.
func ReadAnalyzed(path string) (Analyzed, error) {
	data, err := readFile(path)
	if err != nil {
		return Analyzed{}, err
	}
	var a Analyzed
	if err := decodeTOML(path, data, &a); err != nil {
		return Analyzed{}, err
	}
	if t := a.RunImage; t != nil && t.Target != nil && t.Target.ArchVariant == "" {
		var v analyzedVariant
		if err := decodeTOML(path, data, &v); err != nil {
			return Analyzed{}, err
		}
		t.Target.ArchVariant = v.RunImage.Target.Variant
	}
	return a, nil
}

// WriteAnalyzed writes a to path as analyzed.toml.
func WriteAnalyzed(path string, a Analyzed) error {
	return writeTOML(path, a)
}
