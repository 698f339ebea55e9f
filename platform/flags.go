package platform

import (
	"sort"

	"github.com/cnb-lifecycle/lifecycle/api"
)

// Phase names a lifecycle phase by its executable name.
type Phase string

// The phases (CONFORMANCE GEN-1).
const (
	Analyzer Phase = "analyzer"
	Detector Phase = "detector"
	Restorer Phase = "restorer"
	Builder  Phase = "builder"
	Exporter Phase = "exporter"
	Rebaser  Phase = "rebaser"
	Creator  Phase = "creator"
)

// Phases lists the phases that take flags, in build order.
func Phases() []Phase {
	return []Phase{Analyzer, Detector, Restorer, Builder, Exporter, Creator, Rebaser}
}

// Kind says how a flag's text is read.
type Kind int

// Flag kinds.
const (
	// String is an optional value; empty means unset (Tekton passes -run-image=).
	String Kind = iota
	// Path is a file path with a default; empty means unset, the result is absolute.
	Path
	// Dir is a directory; an empty flag value means the working directory
	// (PLATFORMS.md §3.3: Tekton's -layers=), the result is absolute.
	Dir
	// Bool is a boolean; "-f" alone means true.
	Bool
	// Int is a decimal integer (user and group ids).
	Int
	// List is repeatable; empty items are ignored; its env twin is comma separated.
	List
)

// Flag describes one command-line input of a phase.
type Flag struct {
	Name  string
	Env   string // environment twin, "" when there is none
	Kind  Kind
	Usage string
}

type flagRule struct {
	name  string
	since api.PlatformFeature // 0: every supported version
	until api.PlatformFeature // 0: not removed; else only versions without this feature
}

func catalogue(name string) Flag {
	f, ok := map[string]Flag{
		"analyzed":          {Env: EnvAnalyzedPath, Kind: Path, Usage: "path to analyzed.toml"},
		"app":               {Env: EnvAppDir, Kind: Dir, Usage: "path to the application directory"},
		"build-config":      {Env: EnvBuildConfigDir, Kind: Dir, Usage: "path to the build config directory"},
		"build-image":       {Env: EnvBuildImage, Kind: String, Usage: "reference to the build image"},
		"buildpacks":        {Env: EnvBuildpacksDir, Kind: Dir, Usage: "path to the buildpacks directory"},
		"cache-dir":         {Env: EnvCacheDir, Kind: Path, Usage: "path to the cache directory"},
		"cache-image":       {Env: EnvCacheImage, Kind: String, Usage: "reference to the cache image"},
		"daemon":            {Env: EnvUseDaemon, Kind: Bool, Usage: "use the docker daemon"},
		"extended":          {Env: EnvExtendedDir, Kind: Path, Usage: "path to the extended layers directory"},
		"extensions":        {Env: EnvExtensionsDir, Kind: Dir, Usage: "path to the image extensions directory"},
		"force":             {Env: EnvForceRebase, Kind: Bool, Usage: "rebase even when the run image is not compatible"},
		"generated":         {Env: EnvGeneratedDir, Kind: Path, Usage: "path to the generated Dockerfiles directory"},
		"gid":               {Env: EnvGroupID, Kind: Int, Usage: "group id of the build user"},
		"group":             {Env: EnvGroupPath, Kind: Path, Usage: "path to group.toml"},
		"image":             {Kind: String, Usage: "deprecated: reference to the run image"},
		"insecure-registry": {Env: EnvInsecureRegistries, Kind: List, Usage: "registry to reach over plain HTTP (repeatable)"},
		"launch-cache":      {Env: EnvLaunchCacheDir, Kind: Path, Usage: "path to the launch cache directory"},
		"launcher":          {Env: EnvLauncherPath, Kind: Path, Usage: "path to the launcher executable"},
		"launcher-sbom":     {Env: EnvLauncherSBOMDir, Kind: Path, Usage: "path to the directory holding the launcher's SBOM"},
		"layers":            {Env: EnvLayersDir, Kind: Dir, Usage: "path to the layers directory"},
		"layout":            {Env: EnvUseLayout, Kind: Bool, Usage: "export to and read from an OCI layout"},
		"layout-dir":        {Env: EnvLayoutDir, Kind: Path, Usage: "path to the OCI layout root directory"},
		"log-level":         {Env: EnvLogLevel, Kind: String, Usage: "log level: debug, info, warn or error"},
		"no-color":          {Env: EnvNoColor, Kind: Bool, Usage: "disable colour in output"},
		"order":             {Env: EnvOrderPath, Kind: Path, Usage: "path to order.toml"},
		"parallel":          {Env: EnvParallelExport, Kind: Bool, Usage: "export the app image and cache in parallel"},
		"plan":              {Env: EnvPlanPath, Kind: Path, Usage: "path to plan.toml"},
		"platform":          {Env: EnvPlatformDir, Kind: Dir, Usage: "path to the platform directory"},
		"previous-image":    {Env: EnvPreviousImage, Kind: String, Usage: "reference to the previous image"},
		"process-type":      {Env: EnvProcessType, Kind: String, Usage: "default process type"},
		"project-metadata":  {Env: EnvProjectMetadataPath, Kind: Path, Usage: "path to project-metadata.toml"},
		"report":            {Env: EnvReportPath, Kind: Path, Usage: "path to report.toml"},
		"run":               {Env: EnvRunPath, Kind: Path, Usage: "path to run.toml"},
		"run-image":         {Env: EnvRunImage, Kind: String, Usage: "reference to the run image"},
		"skip-layers":       {Env: EnvSkipLayers, Kind: Bool, Usage: "do not restore layers or SBOMs"},
		"skip-restore":      {Env: EnvSkipRestore, Kind: Bool, Usage: "do not restore layers from the previous image or cache"},
		"stack":             {Env: EnvStackPath, Kind: Path, Usage: "path to stack.toml"},
		"system":            {Env: EnvSystemPath, Kind: Path, Usage: "path to system.toml"},
		"tag":               {Kind: List, Usage: "additional tag to apply to the image (repeatable)"},
		"uid":               {Env: EnvUserID, Kind: Int, Usage: "user id of the build user"},
	}[name]
	if !ok {
		panic("platform: flag " + name + " missing from the catalogue")
	}
	f.Name = name
	return f
}

// rules is the table of flags per phase and Platform API (CONFORMANCE §3-§12
// "Flags" lines). Every phase also takes -log-level and -no-color.
func rules(p Phase) []flagRule {
	all := func(names ...string) []flagRule {
		r := make([]flagRule, len(names))
		for i, n := range names {
			r[i] = flagRule{name: n}
		}
		return r
	}
	switch p {
	case Analyzer:
		return append(all("analyzed", "cache-image", "daemon", "gid", "layers", "previous-image", "run-image", "tag", "uid"),
			flagRule{name: "launch-cache", since: api.PlatformAnalyzerSkipLayers},
			flagRule{name: "skip-layers", since: api.PlatformAnalyzerSkipLayers},
			flagRule{name: "layout", since: api.PlatformLayout},
			flagRule{name: "layout-dir", since: api.PlatformLayout},
			flagRule{name: "run", since: api.PlatformRunTOML},
			flagRule{name: "insecure-registry", since: api.PlatformInsecureRegistry},
			flagRule{name: "stack", until: api.PlatformRunTOML},
		)
	case Detector:
		return append(all("app", "buildpacks", "group", "layers", "order", "plan", "platform"),
			flagRule{name: "analyzed", since: api.PlatformDetectorExtensionFlags},
			flagRule{name: "extensions", since: api.PlatformDetectorExtensionFlags},
			flagRule{name: "generated", since: api.PlatformDetectorExtensionFlags},
			flagRule{name: "build-config", since: api.PlatformBuildConfig},
			flagRule{name: "run", since: api.PlatformRunTOML},
			flagRule{name: "system", since: api.PlatformSystemBuildpacks},
		)
	case Restorer:
		return append(all("analyzed", "cache-dir", "cache-image", "gid", "group", "layers", "skip-layers", "uid"),
			flagRule{name: "build-image", since: api.PlatformRestorerBuildImage},
			flagRule{name: "daemon", since: api.PlatformRestorerDaemon},
			flagRule{name: "generated", since: api.PlatformRestorerDaemon},
			flagRule{name: "layout", since: api.PlatformRestorerDaemon},
			flagRule{name: "layout-dir", since: api.PlatformRestorerDaemon},
			flagRule{name: "insecure-registry", since: api.PlatformInsecureRegistry},
			flagRule{name: "run", since: api.PlatformRestorerRun},
		)
	case Builder:
		return append(all("app", "buildpacks", "group", "layers", "plan", "platform"),
			flagRule{name: "build-config", since: api.PlatformBuildConfig},
			flagRule{name: "analyzed", since: api.PlatformBuilderAnalyzed},
		)
	case Exporter:
		return append(all("analyzed", "app", "cache-dir", "cache-image", "daemon", "gid", "group", "image",
			"launch-cache", "launcher", "layers", "parallel", "process-type", "project-metadata", "report",
			"run-image", "uid"),
			flagRule{name: "launcher-sbom", since: api.PlatformLauncherSBOM},
			flagRule{name: "extended", since: api.PlatformLayout},
			flagRule{name: "layout", since: api.PlatformLayout},
			flagRule{name: "layout-dir", since: api.PlatformLayout},
			flagRule{name: "run", since: api.PlatformRunTOML},
			flagRule{name: "insecure-registry", since: api.PlatformInsecureRegistry},
			flagRule{name: "stack", until: api.PlatformRunTOML},
		)
	case Creator:
		return append(all("app", "buildpacks", "cache-dir", "cache-image", "daemon", "gid", "launch-cache",
			"launcher", "layers", "order", "parallel", "platform", "previous-image", "process-type",
			"project-metadata", "report", "run-image", "skip-restore", "tag", "uid"),
			flagRule{name: "build-config", since: api.PlatformBuildConfig},
			flagRule{name: "launcher-sbom", since: api.PlatformLauncherSBOM},
			flagRule{name: "layout", since: api.PlatformLayout},
			flagRule{name: "layout-dir", since: api.PlatformLayout},
			flagRule{name: "run", since: api.PlatformRunTOML},
			flagRule{name: "insecure-registry", since: api.PlatformInsecureRegistry},
			flagRule{name: "system", since: api.PlatformSystemBuildpacks},
			flagRule{name: "stack", until: api.PlatformRunTOML},
		)
	case Rebaser:
		return append(all("daemon", "gid", "image", "report", "run-image", "uid"),
			flagRule{name: "previous-image", since: api.PlatformRebaserPreviousImage},
			flagRule{name: "force", since: api.PlatformRebaserForce},
			flagRule{name: "insecure-registry", since: api.PlatformInsecureRegistry},
		)
	}
	return nil
}

// Flags returns the flags phase p accepts at Platform API v, sorted by name
// (CONFORMANCE GEN-4: a flag not listed for v is an unknown flag). It is nil
// for an unknown phase.
func Flags(p Phase, v api.Version) []Flag {
	rs := rules(p)
	if rs == nil {
		return nil
	}
	rs = append(rs, flagRule{name: "log-level"}, flagRule{name: "no-color"})
	var out []Flag
	for _, r := range rs {
		if r.since != 0 && !v.Supports(r.since) {
			continue
		}
		if r.until != 0 && v.Supports(r.until) {
			continue
		}
		out = append(out, catalogue(r.name))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
