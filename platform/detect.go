package platform

import (
	"path/filepath"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/pkg/errors"
)

// DetectInputs are the detector's resolved inputs (platform.md "detector",
// CONFORMANCE DET-1, DET-2). Paths are absolute.
type DetectInputs struct {
	AnalyzedPath   string
	AppDir         string
	BuildConfigDir string
	BuildpacksDir  string
	ExtensionsDir  string
	GeneratedDir   string
	GroupPath      string
	LayersDir      string
	OrderPath      string
	PlanPath       string
	PlatformDir    string
	RunPath        string
	SystemPath     string // "" below Platform API 0.15
	// ExecEnv is CNB_EXEC_ENV (P0.15+); "production" below 0.15.
	ExecEnv string
}

// ResolveDetect resolves the detector's inputs for Platform API v.
func ResolveDetect(v api.Version, vals Values, env LookupEnv) (DetectInputs, error) {
	r := newResolver(Detector, v, vals, env)
	in := DetectInputs{
		AppDir:         r.dir("app", DefaultAppDir),
		BuildConfigDir: r.dir("build-config", DefaultBuildConfigDir),
		BuildpacksDir:  r.dir("buildpacks", DefaultBuildpacksDir),
		ExtensionsDir:  r.dir("extensions", DefaultExtensionsDir),
		LayersDir:      r.dir("layers", DefaultLayersDir),
		PlatformDir:    r.dir("platform", DefaultPlatformDir),
		RunPath:        r.path("run", DefaultRunPath),
		ExecEnv:        DefaultExecEnv,
	}
	in.AnalyzedPath = r.path("analyzed", filepath.Join(in.LayersDir, "analyzed.toml"))
	in.GeneratedDir = r.path("generated", filepath.Join(in.LayersDir, "generated"))
	in.GroupPath = r.path("group", filepath.Join(in.LayersDir, "group.toml"))
	in.PlanPath = r.path("plan", filepath.Join(in.LayersDir, "plan.toml"))
	in.OrderPath = r.path("order", "")
	if in.OrderPath == "" {
		// DET-2: <layers>/order.toml if present, else /cnb/order.toml.
		in.OrderPath = DefaultOrderPath
		if layersOrder := filepath.Join(in.LayersDir, "order.toml"); fileExists(layersOrder) {
			in.OrderPath = layersOrder
		}
	}
	if v.Supports(api.PlatformSystemBuildpacks) {
		in.SystemPath = r.path("system", DefaultSystemPath)
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

// ResolveExecEnv reads CNB_EXEC_ENV (P0.15+), default "production"; the value
// must not contain "/" (buildpack.md "Execution Environments").
func ResolveExecEnv(env LookupEnv) (string, error) {
	v, ok := env(EnvExecEnv)
	if !ok || v == "" {
		return DefaultExecEnv, nil
	}
	if strings.Contains(v, "/") {
		return "", Exit(CodeInvalidArgs, errors.Errorf("%s=%q: an execution environment must not contain '/'", EnvExecEnv, v))
	}
	return v, nil
}
