package platform

import (
	"path/filepath"

	"github.com/cnb-lifecycle/lifecycle/api"
)

// AnalyzeInputs are the analyzer's resolved inputs (platform.md "analyzer";
// CONFORMANCE ANA-1). Paths are absolute.
type AnalyzeInputs struct {
	Image          string // the positional <image>
	AnalyzedPath   string
	CacheImage     string
	UseDaemon      bool
	UID, GID       int
	LayersDir      string
	LaunchCacheDir string // P0.9+
	PreviousImage  string // default <image>
	RunImage       string
	RunPath        string // P0.12+
	StackPath      string // below P0.12
	SkipLayers     bool   // P0.9+
	Tags           []string
	UseLayout      bool   // P0.12+
	LayoutDir      string // P0.12+
	Insecure       []string
}

// ResolveAnalyze resolves the analyzer's inputs for Platform API v; args are
// the positional arguments (exactly one, checked by CheckArgs).
func ResolveAnalyze(v api.Version, vals Values, env LookupEnv, args []string) (AnalyzeInputs, error) {
	r := newResolver(Analyzer, v, vals, env)
	in := AnalyzeInputs{
		CacheImage:     r.str("cache-image", ""),
		UseDaemon:      r.boolean("daemon"),
		UID:            r.integer("uid", 0),
		GID:            r.integer("gid", 0),
		LayersDir:      r.dir("layers", DefaultLayersDir),
		LaunchCacheDir: r.path("launch-cache", ""),
		RunImage:       r.str("run-image", ""),
		SkipLayers:     r.boolean("skip-layers"),
		Tags:           r.list("tag"),
		UseLayout:      r.boolean("layout"),
		LayoutDir:      r.path("layout-dir", ""),
		Insecure:       r.list("insecure-registry"),
	}
	if len(args) > 0 {
		in.Image = args[0]
	}
	in.PreviousImage = r.str("previous-image", in.Image)
	in.AnalyzedPath = r.path("analyzed", filepath.Join(in.LayersDir, "analyzed.toml"))
	if v.Supports(api.PlatformRunTOML) {
		in.RunPath = r.path("run", DefaultRunPath)
	} else {
		in.StackPath = r.path("stack", DefaultStackPath)
	}
	return in, r.err
}
