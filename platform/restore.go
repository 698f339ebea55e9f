package platform

import (
	"path/filepath"

	"github.com/cnb-lifecycle/lifecycle/api"
)

// RestoreInputs are the restorer's resolved inputs (platform.md "restorer";
// CONFORMANCE §5). Paths are absolute.
type RestoreInputs struct {
	AnalyzedPath string
	CacheDir     string
	CacheImage   string
	UID, GID     int
	GroupPath    string
	LayersDir    string
	SkipLayers   bool
	BuildImage   string // P0.10+; used only with image extensions
	UseDaemon    bool   // P0.12+
	UseLayout    bool   // P0.12+
	LayoutDir    string // P0.12+
	RunPath      string // P0.14+
	Insecure     []string
}

// ResolveRestore resolves the restorer's inputs for Platform API v.
func ResolveRestore(v api.Version, vals Values, env LookupEnv) (RestoreInputs, error) {
	r := newResolver(Restorer, v, vals, env)
	in := RestoreInputs{
		CacheDir:   r.path("cache-dir", ""),
		CacheImage: r.str("cache-image", ""),
		UID:        r.integer("uid", 0),
		GID:        r.integer("gid", 0),
		LayersDir:  r.dir("layers", DefaultLayersDir),
		SkipLayers: r.boolean("skip-layers"),
		BuildImage: r.str("build-image", ""),
		UseDaemon:  r.boolean("daemon"),
		UseLayout:  r.boolean("layout"),
		LayoutDir:  r.path("layout-dir", ""),
		Insecure:   r.list("insecure-registry"),
	}
	in.AnalyzedPath = r.path("analyzed", filepath.Join(in.LayersDir, "analyzed.toml"))
	in.GroupPath = r.path("group", filepath.Join(in.LayersDir, "group.toml"))
	if v.Supports(api.PlatformRestorerRun) {
		in.RunPath = r.path("run", DefaultRunPath)
	}
	return in, r.err
}
