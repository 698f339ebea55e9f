package files

import (
	"encoding/json"
	"os"

	"github.com/pkg/errors"
)

// Labels of an app image (platform.md "Labels"; CONFORMANCE LBL-2, LBL-3,
// LBL-4).
const (
	LabelLifecycleMetadata = "io.buildpacks.lifecycle.metadata"
	LabelBuildMetadata     = "io.buildpacks.build.metadata"
	LabelProjectMetadata   = "io.buildpacks.project.metadata"
)

// LifecycleLabel encodes md as the lifecycle metadata label (LBL-2): every
// buildpack has a layers object, empty when it has no layers.
func LifecycleLabel(md LayersMetadata) (string, error) {
	md.Buildpacks = append([]BuildpackLayersMetadata(nil), md.Buildpacks...)
	for i := range md.Buildpacks {
		if md.Buildpacks[i].Layers == nil {
			md.Buildpacks[i].Layers = map[string]BuildpackLayerMetadata{}
		}
	}
	data, err := json.Marshal(md)
	return string(data), errors.Wrap(err, "encoding the lifecycle metadata label")
}

// ParseLifecycleLabel decodes the lifecycle metadata label.
func ParseLifecycleLabel(raw string) (LayersMetadata, error) {
	var md LayersMetadata
	err := json.Unmarshal([]byte(raw), &md)
	return md, err
}

// BuildMetadata is the io.buildpacks.build.metadata label (LBL-3).
type BuildMetadata struct {
	Processes  []BuildProcess   `json:"processes"`
	Buildpacks []BuildBuildpack `json:"buildpacks"`
	Extensions []BuildBuildpack `json:"extensions,omitempty"`
	Launcher   LauncherInfo     `json:"launcher"`
	BOM        []any            `json:"bom,omitempty"`
}

// BuildProcess is a process of the build metadata label: Command is a
// string or an array of strings, as the Platform API asks.
type BuildProcess struct {
	Type        string   `json:"type"`
	Command     any      `json:"command"`
	Args        []string `json:"args"`
	Direct      bool     `json:"direct"`
	WorkingDir  string   `json:"working-dir,omitempty"`
	BuildpackID string   `json:"buildpackID"`
	ExecEnv     []string `json:"exec-env,omitempty"`
}

// BuildBuildpack is a buildpack or extension of the build metadata label.
type BuildBuildpack struct {
	ID       string `json:"id"`
	Version  string `json:"version"`
	Homepage string `json:"homepage,omitempty"`
	API      string `json:"api,omitempty"`
}

// LauncherInfo is the launcher of the build metadata label.
type LauncherInfo struct {
	Version string `json:"version"`
	Source  struct {
		Git struct {
			Repository string `json:"repository"`
			Commit     string `json:"commit"`
		} `json:"git"`
	} `json:"source"`
}

// Label encodes the build metadata label.
func (b BuildMetadata) Label() (string, error) {
	data, err := json.Marshal(b)
	return string(data), errors.Wrap(err, "encoding the build metadata label")
}

// ProjectLabel is project-metadata.toml at path as the project metadata
// label, {} when there is none (LBL-4).
func ProjectLabel(path string) (string, error) {
	pm, err := ReadProjectMetadata(path)
	if errors.Is(err, os.ErrNotExist) || path == "" {
		return "{}", nil
	}
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(pm)
	return string(data), errors.Wrap(err, "encoding the project metadata label")
}
