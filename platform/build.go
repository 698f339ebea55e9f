package platform

import (
	"path/filepath"

	"github.com/cnb-lifecycle/lifecycle/api"
)

// BuildInputs are the builder's resolved inputs (platform.md "builder",
// CONFORMANCE BLD; flags in §6). Paths are absolute.
type BuildInputs struct {
	AnalyzedPath   string // "" below Platform API 0.12
	AppDir         string
	BuildConfigDir string // "" below Platform API 0.11
	BuildpacksDir  string
	GroupPath      string
	LayersDir      string
	PlanPath       string
	PlatformDir    string
	ExecEnv        string
}

// ResolveBuild resolves the builder's inputs for Platform API v.
func ResolveBuild(v api.Version, vals Values, env LookupEnv) (BuildInputs, error) {
	r := newResolver(Builder, v, vals, env)
	in := BuildInputs{
		AppDir:        r.dir("app", DefaultAppDir),
		BuildpacksDir: r.dir("buildpacks", DefaultBuildpacksDir),
		LayersDir:     r.dir("layers", DefaultLayersDir),
		PlatformDir:   r.dir("platform", DefaultPlatformDir),
		ExecEnv:       DefaultExecEnv,
	}
	in.GroupPath = r.path("group", filepath.Join(in.LayersDir, "group.toml"))
	in.PlanPath = r.path("plan", filepath.Join(in.LayersDir, "plan.toml"))
	if v.Supports(api.PlatformBuildConfig) {
		in.BuildConfigDir = r.dir("build-config", DefaultBuildConfigDir)
	}
	if v.Supports(api.PlatformBuilderAnalyzed) {
		in.AnalyzedPath = r.path("analyzed", filepath.Join(in.LayersDir, "analyzed.toml"))
	}
	if v.Supports(api.PlatformExecEnv) {
		ee, err := ResolveExecEnv(env)
		if err != nil {
			r.fail(err)
		}
		in.ExecEnv = ee
	}
	return in, r.err
}
