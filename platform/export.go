package platform

import (
	"path/filepath"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/pkg/errors"
)

// ExportInputs are the exporter's resolved inputs (platform.md "exporter";
// CONFORMANCE EXP-1, EXP-2). Paths are absolute.
type ExportInputs struct {
	Images              []string // the positional <image>s, first is the main tag
	AnalyzedPath        string
	AppDir              string
	CacheDir            string
	CacheImage          string
	UseDaemon           bool
	UID, GID            int
	GroupPath           string
	LaunchCacheDir      string
	LauncherPath        string
	LauncherSBOMDir     string // P0.11+
	LayersDir           string
	Parallel            bool
	ProcessType         string
	ProjectMetadataPath string
	ReportPath          string
	RunPath             string // P0.12+
	StackPath           string // below P0.12
	UseLayout           bool
	LayoutDir           string
	ExtendedDir         string
	Insecure            []string
	// SourceDateEpoch is SOURCE_DATE_EPOCH as given (P0.9+), "" when unset.
	SourceDateEpoch string
}

// ResolveExport resolves the exporter's inputs for Platform API v. The
// deprecated -run-image and -image are refused when set (EXP flags line).
func ResolveExport(v api.Version, vals Values, env LookupEnv, args []string) (ExportInputs, error) {
	r := newResolver(Exporter, v, vals, env)
	in := ExportInputs{
		Images:          args,
		AppDir:          r.dir("app", DefaultAppDir),
		CacheDir:        r.path("cache-dir", ""),
		CacheImage:      r.str("cache-image", ""),
		UseDaemon:       r.boolean("daemon"),
		UID:             r.integer("uid", 0),
		GID:             r.integer("gid", 0),
		LaunchCacheDir:  r.path("launch-cache", ""),
		LauncherPath:    r.path("launcher", DefaultLauncherPath),
		LauncherSBOMDir: r.path("launcher-sbom", DefaultLauncherSBOM),
		LayersDir:       r.dir("layers", DefaultLayersDir),
		Parallel:        r.boolean("parallel"),
		ProcessType:     r.str("process-type", ""),
		UseLayout:       r.boolean("layout"),
		LayoutDir:       r.path("layout-dir", ""),
		Insecure:        r.list("insecure-registry"),
	}
	in.AnalyzedPath = r.path("analyzed", filepath.Join(in.LayersDir, "analyzed.toml"))
	in.GroupPath = r.path("group", filepath.Join(in.LayersDir, "group.toml"))
	in.ProjectMetadataPath = r.path("project-metadata", filepath.Join(in.LayersDir, "project-metadata.toml"))
	in.ReportPath = r.path("report", filepath.Join(in.LayersDir, "report.toml"))
	in.ExtendedDir = r.path("extended", filepath.Join(in.LayersDir, "extended"))
	if v.Supports(api.PlatformRunTOML) {
		in.RunPath = r.path("run", DefaultRunPath)
	} else {
		in.StackPath = r.path("stack", DefaultStackPath)
	}
	if v.Supports(api.PlatformSourceDateEpoch) {
		if s, ok := env("SOURCE_DATE_EPOCH"); ok {
			in.SourceDateEpoch = s
		}
	}
	// kpack passes CNB_RUN_IMAGE in the exporter's env: tolerated; the flag
	// itself is no longer supported.
	if vs := vals["run-image"]; len(vs) > 0 && vs[len(vs)-1] != "" {
		r.fail(errors.New("-run-image is unsupported: the exporter reads the run image from analyzed.toml"))
	}
	if vs := vals["image"]; len(vs) > 0 && vs[len(vs)-1] != "" {
		r.fail(errors.New("-image is unsupported: the exporter reads the run image from analyzed.toml"))
	}
	return in, r.err
}
