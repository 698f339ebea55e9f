package launch

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
	"github.com/pkg/errors"
)

// Metadata is <layers>/config/metadata.toml (platform.md "metadata.toml";
// CONFORMANCE FIL-7), written by the builder and read by the launcher.
type Metadata struct {
	BuildpackDefaultProcessType string      `toml:"buildpack-default-process-type,omitempty"`
	Buildpacks                  []Buildpack `toml:"buildpacks"`
	Extensions                  []Buildpack `toml:"extensions,omitempty"`
	Processes                   []Process   `toml:"processes"`
	Slices                      []Slice     `toml:"slices"`
	Labels                      []Label     `toml:"labels"`
	// BOM is the deprecated bill of materials (Platform API < 0.9 only).
	BOM []any `toml:"bom,omitempty"`
}

// Buildpack is an entry of [[buildpacks]] or [[extensions]].
type Buildpack struct {
	ID       string `toml:"id"`
	Version  string `toml:"version"`
	API      string `toml:"api"`
	Homepage string `toml:"homepage,omitempty"`
}

// Process is a [[processes]] entry. Command holds every command entry: the
// file has a single string below Platform API 0.10 and an array from 0.10
// (CONFORMANCE BLD-9); both are read.
type Process struct {
	Type        string   `toml:"type"`
	Command     Command  `toml:"command"`
	Args        []string `toml:"args"`
	Direct      bool     `toml:"direct"`
	Default     bool     `toml:"default,omitempty"`
	WorkingDir  string   `toml:"working-dir,omitempty"`
	BuildpackID string   `toml:"buildpack-id"`
	ExecEnv     []string `toml:"exec-env,omitempty"`
}

// Command is a process command: one string or an array of strings in TOML.
type Command []string

// UnmarshalTOML reads either form.
func (c *Command) UnmarshalTOML(data any) error {
	switch v := data.(type) {
	case string:
		*c = Command{v}
	case []any:
		out := make(Command, 0, len(v))
		for _, it := range v {
			s, ok := it.(string)
			if !ok {
				return errors.Errorf("command: want strings, got %T", it)
			}
			out = append(out, s)
		}
		*c = out
	default:
		return errors.Errorf("command: want a string or an array of strings, got %T", data)
	}
	return nil
}

// Slice is a [[slices]] entry.
type Slice struct {
	Paths []string `toml:"paths"`
}

// Label is a [[labels]] entry.
type Label struct {
	Key   string `toml:"key"`
	Value string `toml:"value"`
}

// MetadataPath is where metadata.toml lives under the layers directory.
func MetadataPath(layersDir string) string {
	return filepath.Join(layersDir, "config", "metadata.toml")
}

// ReadMetadata reads metadata.toml.
func ReadMetadata(path string) (Metadata, error) {
	var m Metadata
	data, err := os.ReadFile(path)
	if err != nil {
		return m, errors.Wrapf(err, "reading %s", path)
	}
	if _, err := toml.Decode(string(data), &m); err != nil {
		return m, errors.Wrapf(err, "parsing %s", path)
	}
	return m, nil
}

// WriteMetadata writes metadata.toml. With commandAsString (Platform API
// < 0.10, CONFORMANCE BLD-9) each command is written as its first entry, the
// other entries moved to the front of args. The default flag is never
// written, nor args for a process without any (BLD-6): the spec has no
// meaning for an empty list that its absence lacks.
func WriteMetadata(path string, m Metadata, commandAsString bool) error {
	type processOut struct {
		Type        string   `toml:"type"`
		Command     any      `toml:"command"`
		Args        []string `toml:"args,omitempty"`
		Direct      bool     `toml:"direct"`
		WorkingDir  string   `toml:"working-dir,omitempty"`
		BuildpackID string   `toml:"buildpack-id"`
		ExecEnv     []string `toml:"exec-env,omitempty"`
	}
	type metadataOut struct {
		BuildpackDefaultProcessType string       `toml:"buildpack-default-process-type,omitempty"`
		Buildpacks                  []Buildpack  `toml:"buildpacks"`
		Extensions                  []Buildpack  `toml:"extensions,omitempty"`
		Processes                   []processOut `toml:"processes"`
		Slices                      []Slice      `toml:"slices"`
		Labels                      []Label      `toml:"labels"`
		BOM                         []any        `toml:"bom,omitempty"`
	}
	out := metadataOut{BuildpackDefaultProcessType: m.BuildpackDefaultProcessType, Buildpacks: m.Buildpacks,
		Extensions: m.Extensions, Slices: m.Slices, Labels: m.Labels, BOM: m.BOM}
	for _, p := range m.Processes {
		po := processOut{Type: p.Type, Args: p.Args, Direct: p.Direct, WorkingDir: p.WorkingDir,
			BuildpackID: p.BuildpackID, ExecEnv: p.ExecEnv}
		switch {
		case commandAsString && len(p.Command) > 0:
			po.Command = p.Command[0]
			po.Args = append(append([]string{}, p.Command[1:]...), p.Args...)
		case commandAsString:
			po.Command = ""
		default:
			po.Command = []string(p.Command)
		}
		out.Processes = append(out.Processes, po)
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(out); err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	return errors.Wrapf(os.WriteFile(path, buf.Bytes(), 0o644), "writing %s", path)
}
