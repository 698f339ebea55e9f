package phase

import (
	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
)

// Labels the exporter writes (CONFORMANCE EXP-11, LBL-3, LBL-4).
const (
	LabelBuildMetadata   = files.LabelBuildMetadata
	LabelProjectMetadata = files.LabelProjectMetadata
	LabelExecEnv         = "io.buildpacks.exec-env"
)

// buildLabel renders LBL-3 from metadata.toml: command is an array from
// Platform API 0.10, the first entry as a string before (args then carry the
// rest, as metadata.toml does); api is written from 0.11.
func buildLabel(md launch.Metadata, v api.Version, lifecycleVersion string) (string, error) {
	bm := files.BuildMetadata{Processes: []files.BuildProcess{}, Buildpacks: []files.BuildBuildpack{}, BOM: md.BOM}
	for _, p := range md.Processes {
		bp := files.BuildProcess{Type: p.Type, Args: p.Args, Direct: p.Direct, WorkingDir: p.WorkingDir, BuildpackID: p.BuildpackID, ExecEnv: p.ExecEnv}
		if bp.Args == nil {
			bp.Args = []string{}
		}
		if v.Supports(api.PlatformCommandArray) {
			bp.Command = []string(p.Command)
		} else if len(p.Command) > 0 {
			bp.Command = p.Command[0]
		}
		bm.Processes = append(bm.Processes, bp)
	}
	for _, b := range md.Buildpacks {
		e := files.BuildBuildpack{ID: b.ID, Version: b.Version, Homepage: b.Homepage}
		if v.Supports(api.PlatformBuildLabelAPI) {
			e.API = b.API
		}
		bm.Buildpacks = append(bm.Buildpacks, e)
	}
	for _, b := range md.Extensions {
		bm.Extensions = append(bm.Extensions, files.BuildBuildpack{ID: b.ID, Version: b.Version, Homepage: b.Homepage, API: b.API})
	}
	bm.Launcher.Version = lifecycleVersion
	return bm.Label()
}
