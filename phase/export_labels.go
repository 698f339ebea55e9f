package phase

import (
	"encoding/json"
	"os"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/pkg/errors"
)

// Labels the exporter writes (CONFORMANCE EXP-11, LBL-3, LBL-4).
const (
	LabelBuildMetadata   = "io.buildpacks.build.metadata"
	LabelProjectMetadata = "io.buildpacks.project.metadata"
	LabelExecEnv         = "io.buildpacks.exec-env"
)

// buildMetadata is the io.buildpacks.build.metadata label (LBL-3).
type buildMetadata struct {
	Processes  []buildProcess   `json:"processes"`
	Buildpacks []buildBuildpack `json:"buildpacks"`
	Extensions []buildBuildpack `json:"extensions,omitempty"`
	Launcher   launcherInfo     `json:"launcher"`
	BOM        []any            `json:"bom,omitempty"`
}

type buildProcess struct {
	Type        string   `json:"type"`
	Command     any      `json:"command"`
	Args        []string `json:"args"`
	Direct      bool     `json:"direct"`
	WorkingDir  string   `json:"working-dir,omitempty"`
	BuildpackID string   `json:"buildpackID"`
	ExecEnv     []string `json:"exec-env,omitempty"`
}

type buildBuildpack struct {
	ID       string `json:"id"`
	Version  string `json:"version"`
	Homepage string `json:"homepage,omitempty"`
	API      string `json:"api,omitempty"`
}

type launcherInfo struct {
	Version string `json:"version"`
	Source  struct {
		Git struct {
			Repository string `json:"repository"`
			Commit     string `json:"commit"`
		} `json:"git"`
	} `json:"source"`
}

// buildLabel renders LBL-3 from metadata.toml: command is an array from
// Platform API 0.10, the first entry as a string before (args then carry the
// rest, as metadata.toml does); api is written from 0.11.
func buildLabel(md launch.Metadata, v api.Version, lifecycleVersion string) (string, error) {
	bm := buildMetadata{Processes: []buildProcess{}, Buildpacks: []buildBuildpack{}, BOM: md.BOM}
	for _, p := range md.Processes {
		bp := buildProcess{Type: p.Type, Args: p.Args, Direct: p.Direct, WorkingDir: p.WorkingDir, BuildpackID: p.BuildpackID, ExecEnv: p.ExecEnv}
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
		e := buildBuildpack{ID: b.ID, Version: b.Version, Homepage: b.Homepage}
		if v.Supports(api.PlatformBuildLabelAPI) {
			e.API = b.API
		}
		bm.Buildpacks = append(bm.Buildpacks, e)
	}
	for _, b := range md.Extensions {
		bm.Extensions = append(bm.Extensions, buildBuildpack{ID: b.ID, Version: b.Version, Homepage: b.Homepage, API: b.API})
	}
	bm.Launcher.Version = lifecycleVersion
	data, err := json.Marshal(bm)
	return string(data), errors.Wrap(err, "encoding the build metadata label")
}

// projectLabel is project-metadata.toml as JSON, {} when absent (LBL-4).
func projectLabel(path string) (string, error) {
	pm, err := files.ReadProjectMetadata(path)
	if errors.Is(err, os.ErrNotExist) || path == "" {
		return "{}", nil
	}
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(pm)
	return string(data), errors.Wrap(err, "encoding the project metadata label")
}

// lifecycleLabel is LBL-2.
func lifecycleLabel(md files.LayersMetadata) (string, error) {
	for i := range md.Buildpacks {
		if md.Buildpacks[i].Layers == nil {
			md.Buildpacks[i].Layers = map[string]files.BuildpackLayerMetadata{}
		}
	}
	data, err := json.Marshal(md)
	return string(data), errors.Wrap(err, "encoding the lifecycle metadata label")
}
