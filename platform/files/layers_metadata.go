package files

// LayersMetadata is the io.buildpacks.lifecycle.metadata label (platform.md
// "Labels"), which analyzed.toml also carries as its [metadata] table
// (FIL-1). The TOML keys are kebab-case, the label's JSON keys camelCase, so
// the same value decodes from analyzed.toml and from an image's label.
//
// Sections that are absent are zero values; they are omitted on write, in
// TOML and in JSON.
type LayersMetadata struct {
	// App has one entry per app slice layer.
	App []LayerMetadata `json:"app,omitempty" toml:"app,omitempty"`
	// SBOM is the layer of buildpack-provided Software Bills of Materials.
	SBOM LayerMetadata `json:"sbom,omitzero" toml:"sbom,omitempty"`
	// Buildpacks has one entry per buildpack that took part in the build.
	Buildpacks []BuildpackLayersMetadata `json:"buildpacks,omitempty" toml:"buildpacks,omitempty"`
	// Config is the layer holding the launcher configuration.
	Config LayerMetadata `json:"config,omitzero" toml:"config,omitempty"`
	// Launcher is the layer holding the launcher binary.
	Launcher LayerMetadata `json:"launcher,omitzero" toml:"launcher,omitempty"`
	// ProcessTypes is the layer holding the process-type symlinks.
	ProcessTypes LayerMetadata `json:"processTypes,omitzero" toml:"process-types,omitempty"`
	// RunImage identifies the run image the app image was built on.
	RunImage RunImageForRebase `json:"runImage,omitzero" toml:"run-image,omitempty"`
	// Stack repeats the run image's name and mirrors.
	//
	// Deprecated: Platform API 0.12 deprecated the stack key; read RunImage.
	Stack StackMetadata `json:"stack,omitzero" toml:"stack,omitempty"`
}

// LayerMetadata names a layer by the digest of its uncompressed contents
// (its diffID).
type LayerMetadata struct {
	SHA string `json:"sha" toml:"sha"`
}

// BuildpackLayersMetadata is one buildpack's entry in the label: its launch
// layers and its store.toml data.
type BuildpackLayersMetadata struct {
	// ID is the buildpack ID (the label calls it key).
	ID      string `json:"key" toml:"key"`
	Version string `json:"version" toml:"version"`
	// Layers maps a layer name to its <layer>.toml content plus its diffID.
	// The spec requires the key in the label; set an empty, non-nil map for
	// a buildpack with no launch layers so the JSON says {} rather than null.
	Layers map[string]BuildpackLayerMetadata `json:"layers" toml:"layers,omitempty"`
	// Store is the buildpack's store.toml.
	Store BuildpackStore `json:"store,omitzero" toml:"store,omitempty"`
}

// BuildpackLayerMetadata is a launch layer in the label: the layer's
// <layer>.toml (metadata and types) and its diffID.
type BuildpackLayerMetadata struct {
	SHA string `json:"sha" toml:"sha"`
	// Data is the [metadata] table of <layer>.toml; arbitrary.
	Data   any  `json:"data,omitempty" toml:"data,omitempty"`
	Build  bool `json:"build" toml:"build"`
	Launch bool `json:"launch" toml:"launch"`
	Cache  bool `json:"cache" toml:"cache"`
}

// BuildpackStore is a buildpack's store.toml, kept between builds in the
// label (FIL-16).
type BuildpackStore struct {
	// Metadata is arbitrary buildpack data.
	Metadata map[string]any `json:"metadata" toml:"metadata,omitempty"`
}

// RunImageForRebase is the label's runImage: what rebase needs to swap the
// run image.
type RunImageForRebase struct {
	// TopLayer is the diffID of the run image's top layer.
	TopLayer string `json:"topLayer,omitempty" toml:"top-layer,omitempty"`
	// Reference uniquely identifies the run image (image ID or digest
	// reference).
	Reference string `json:"reference,omitempty" toml:"reference,omitempty"`
	// Image and Mirrors are the run.toml entry that held the chosen run
	// image (FIL-12).
	Image   string   `json:"image,omitempty" toml:"image,omitempty"`
	Mirrors []string `json:"mirrors,omitempty" toml:"mirrors,omitempty"`
}

// StackMetadata is the label's deprecated stack key.
type StackMetadata struct {
	RunImage RunImageEntry `json:"runImage" toml:"run-image"`
}
