package platform

import (
	"github.com/cnb-lifecycle/lifecycle/api"
)

// CreateInputs are the creator's inputs, split into the five phases' own
// (CONFORMANCE CRE-1): each phase reads the creator's flags it shares,
// with its own defaults.
type CreateInputs struct {
	Analyze     AnalyzeInputs
	Detect      DetectInputs
	Restore     RestoreInputs
	Build       BuildInputs
	Export      ExportInputs
	SkipRestore bool
}

// ResolveCreate resolves the creator's inputs for Platform API v; args holds
// the one <image>.
func ResolveCreate(v api.Version, vals Values, env LookupEnv, args []string) (CreateInputs, error) {
	r := newResolver(Creator, v, vals, env)
	var in CreateInputs
	in.SkipRestore = r.boolean("skip-restore")
	if r.err != nil {
		return in, r.err
	}
	// Only the creator's flags count; each phase then reads those it knows.
	own := Values{}
	for name, vs := range vals {
		if r.defined[name].Name != "" {
			own[name] = vs
		}
	}
	var err error
	if in.Analyze, err = ResolveAnalyze(v, own, env, args); err != nil {
		return in, err
	}
	in.Analyze.SkipLayers = in.SkipRestore
	if in.Detect, err = ResolveDetect(v, own, env); err != nil {
		return in, err
	}
	if in.Restore, err = ResolveRestore(v, own, env); err != nil {
		return in, err
	}
	in.Restore.SkipLayers = in.SkipRestore
	if in.Build, err = ResolveBuild(v, own, env); err != nil {
		return in, err
	}
	exportVals := Values{}
	for name, vs := range own {
		if name != "run-image" && name != "tag" { // the run image comes from analyzed.toml
			exportVals[name] = vs
		}
	}
	if in.Export, err = ResolveExport(v, exportVals, env, append(append([]string{}, args...), in.Analyze.Tags...)); err != nil {
		return in, err
	}
	return in, nil
}
