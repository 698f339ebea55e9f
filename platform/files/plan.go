package files

// Plan is plan.toml, the build plan resolved by the detector (platform.md
// "plan.toml"; FIL-4). Each entry joins the providers of one dependency with
// its requirements.
type Plan struct {
	Entries []PlanEntry `toml:"entries,omitempty"`
}

// PlanEntry is one [[entries]] of plan.toml.
type PlanEntry struct {
	Providers []Provider `toml:"providers,omitempty"`
	Requires  []Require  `toml:"requires,omitempty"`
}

// Provider is a buildpack or image extension that provides a dependency.
type Provider struct {
	ID      string `toml:"id"`
	Version string `toml:"version"`
	// Extension is true for an image extension; false is not written.
	Extension bool   `toml:"extension,omitempty"`
	Homepage  string `toml:"homepage,omitempty"`
}

// Require is a requirement on a dependency: an [[entries.requires]] of
// plan.toml and an [[entries]] of the buildpack plan.
type Require struct {
	Name string `toml:"name"`
	// Metadata is arbitrary data describing the requirement.
	Metadata map[string]any `toml:"metadata,omitempty"`
}

// BuildpackPlan is the plan handed to one buildpack's /bin/build: the
// requirements it is to provide (buildpack.md "Build"; FIL-4).
type BuildpackPlan struct {
	Entries []Require `toml:"entries,omitempty"`
}

// ReadPlan reads plan.toml at path.
func ReadPlan(path string) (Plan, error) {
	var p Plan
	if err := readTOML(path, &p); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// WritePlan writes p to path as plan.toml.
func WritePlan(path string, p Plan) error {
	return writeTOML(path, p)
}

// ReadBuildpackPlan reads a buildpack plan at path.
func ReadBuildpackPlan(path string) (BuildpackPlan, error) {
	var p BuildpackPlan
	if err := readTOML(path, &p); err != nil {
		return BuildpackPlan{}, err
	}
	return p, nil
}

// WriteBuildpackPlan writes p to path as a buildpack plan.
func WriteBuildpackPlan(path string, p BuildpackPlan) error {
	return writeTOML(path, p)
}
