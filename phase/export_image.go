package phase

import (
	"path"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/pkg/errors"
)

// assemble stacks the layers on the base image and sets the config
// (CONFORMANCE EXP-3, EXP-8..12, EXP-19, RPR-3): nothing is computed until
// the image is written.
func (x *exporter) assemble(base v1.Image, jobs []layerJob, layers []produced, md launch.Metadata, lmd files.LayersMetadata) (v1.Image, error) {
	in, v := x.cfg.Inputs, x.cfg.PlatformAPI
	adds := make([]mutate.Addendum, len(layers))
	for i, l := range layers {
		h := v1.History{CreatedBy: jobs[i].history}
		if !v.Supports(api.PlatformTargetData) { // created_by history is P0.12+
			h = v1.History{}
		}
		adds[i] = mutate.Addendum{Layer: l.layer, History: h}
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return nil, platform.Exit(platform.CodeExport, errors.Wrap(err, "adding layers"))
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, platform.Exit(platform.CodeExport, errors.Wrap(err, "reading the run image config"))
	}
	cf = cf.DeepCopy()
	entrypoint, err := x.entrypoint(md)
	if err != nil {
		return nil, err
	}
	cf.Config.Entrypoint = []string{entrypoint}
	cf.Config.Cmd = nil
	cf.Config.WorkingDir = in.AppDir
	cf.Config.Env = imageEnv(cf.Config.Env, map[string]string{
		"CNB_LAYERS_DIR":       in.LayersDir,
		"CNB_APP_DIR":          in.AppDir,
		"CNB_PLATFORM_API":     v.String(),
		"CNB_DEPRECATION_MODE": "quiet",
	})
	labels, err := x.labels(md, lmd)
	if err != nil {
		return nil, err
	}
	if cf.Config.Labels == nil {
		cf.Config.Labels = map[string]string{}
	}
	for k, val := range labels {
		cf.Config.Labels[k] = val
	}
	cf.Created = v1.Time{Time: x.created}
	img, err = mutate.ConfigFile(img, cf)
	return img, platform.Exit(platform.CodeExport, errors.Wrap(err, "setting the image config"))
}

// entrypoint follows CONFORMANCE EXP-8.
func (x *exporter) entrypoint(md launch.Metadata) (string, error) {
	t := x.cfg.Inputs.ProcessType
	if t != "" {
		for _, p := range md.Processes {
			if p.Type == t {
				return path.Join("/cnb/process", t), nil
			}
		}
		return "", platform.Exitf(platform.CodeExport, "process type %q (-process-type) is not one the buildpacks defined", t)
	}
	if md.BuildpackDefaultProcessType != "" {
		return path.Join("/cnb/process", md.BuildpackDefaultProcessType), nil
	}
	x.logger.Infof("no default process type")
	return "/cnb/lifecycle/launcher", nil
}

// imageEnv sets vars in env and puts /cnb/process and /cnb/lifecycle in
// front of PATH (CONFORMANCE EXP-9).
func imageEnv(env []string, vars map[string]string) []string {
	var out []string
	pathVal := ""
	for _, kv := range env {
		k, val, _ := strings.Cut(kv, "=")
		if _, set := vars[k]; set || k == "CNB_PROCESS_TYPE" {
			continue
		}
		if k == "PATH" {
			pathVal = val
			continue
		}
		out = append(out, kv)
	}
	for _, k := range []string{"CNB_LAYERS_DIR", "CNB_APP_DIR", "CNB_PLATFORM_API", "CNB_DEPRECATION_MODE"} {
		out = append(out, k+"="+vars[k])
	}
	p := "/cnb/process:/cnb/lifecycle"
	if pathVal != "" {
		p += ":" + pathVal
	}
	return append(out, "PATH="+p)
}

// labels are the labels the exporter adds (CONFORMANCE EXP-11).
func (x *exporter) labels(md launch.Metadata, lmd files.LayersMetadata) (map[string]string, error) {
	in, v := x.cfg.Inputs, x.cfg.PlatformAPI
	out := map[string]string{}
	for _, l := range md.Labels {
		out[l.Key] = l.Value
	}
	var err error
	if out[LabelLifecycleMetadata], err = files.LifecycleLabel(lmd); err != nil {
		return nil, platform.Exit(platform.CodeExport, err)
	}
	if out[LabelBuildMetadata], err = buildLabel(md, v, x.cfg.LifecycleVersion); err != nil {
		return nil, platform.Exit(platform.CodeExport, err)
	}
	if out[LabelProjectMetadata], err = files.ProjectLabel(in.ProjectMetadataPath); err != nil {
		return nil, platform.Exit(platform.CodeExport, err)
	}
	if v.Supports(api.PlatformExecEnv) && x.cfg.ExecEnv != "" {
		out[LabelExecEnv] = x.cfg.ExecEnv
	}
	return out, nil
}
