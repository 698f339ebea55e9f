package buildpack

import (
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/pkg/errors"
)

// Process is a process a buildpack declares in launch.toml (FIL-13),
// normalised across Buildpack APIs: Command holds every command entry.
type Process struct {
	Type        string
	Command     []string
	Args        []string
	Direct      bool
	Default     bool
	WorkingDir  string
	ExecEnv     []string
	BuildpackID string
}

// Label is a [[labels]] entry of launch.toml.
type Label struct {
	Key   string `toml:"key"`
	Value string `toml:"value"`
}

// Slice is a [[slices]] entry of launch.toml.
type Slice struct {
	Paths []string `toml:"paths"`
}

// Launch is launch.toml as read for one buildpack.
type Launch struct {
	Labels    []Label
	Processes []Process
	Slices    []Slice
	BOM       []map[string]any
	// Warnings are things to tell the user that do not fail the build.
	Warnings []string
}

type launchFile struct {
	Labels    []Label          `toml:"labels"`
	Processes []launchProcess  `toml:"processes"`
	Slices    []Slice          `toml:"slices"`
	BOM       []map[string]any `toml:"bom"`
}

type launchProcess struct {
	Type       string   `toml:"type"`
	Command    any      `toml:"command"`
	Args       []string `toml:"args"`
	Direct     *bool    `toml:"direct"`
	Default    bool     `toml:"default"`
	WorkingDir string   `toml:"working-dir"`
	ExecEnv    []string `toml:"exec-env"`
}

// ReadLaunch reads <layers>/<bp>/launch.toml per the buildpack's API
// (CONFORMANCE BPI-11, BPI-15, BPI-16, BLD-7, PRC-1). A missing file is an
// empty Launch.
func (d *Descriptor) ReadLaunch(path string) (Launch, error) {
	var lf launchFile
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return Launch{}, nil
	}
	if err != nil {
		return Launch{}, errors.Wrapf(err, "reading %s", path)
	}
	if _, err := toml.Decode(string(data), &lf); err != nil {
		return Launch{}, errors.Wrapf(err, "parsing %s", path)
	}
	l := Launch{Labels: lf.Labels, Slices: lf.Slices, BOM: lf.BOM}
	if err := checkBOM(lf.BOM); err != nil {
		return Launch{}, errors.Wrapf(err, "%s", path)
	}
	seen := map[string]int{}
	defaults := 0
	for _, lp := range lf.Processes {
		p, warn, err := d.process(lp)
		if err != nil {
			return Launch{}, errors.Wrapf(err, "%s", path)
		}
		if warn != "" {
			l.Warnings = append(l.Warnings, warn)
		}
		if p.Default {
			defaults++
		}
		if i, dup := seen[p.Type]; dup {
			l.Warnings = append(l.Warnings, "process type "+p.Type+" is declared more than once by "+d.String()+"; the last one is kept")
			if l.Processes[i].Default {
				defaults--
			}
			l.Processes[i] = p
			continue
		}
		seen[p.Type] = len(l.Processes)
		l.Processes = append(l.Processes, p)
	}
	if defaults > 1 {
		return Launch{}, errors.Errorf("%s: more than one process has default = true", path)
	}
	return l, nil
}

func (d *Descriptor) process(lp launchProcess) (Process, string, error) {
	if err := validateProcessType(lp.Type); err != nil {
		return Process{}, "", err
	}
	p := Process{Type: lp.Type, Args: lp.Args, Default: lp.Default, ExecEnv: lp.ExecEnv, BuildpackID: d.Buildpack.ID}
	var warn string
	if d.APIVersion.Supports(api.BuildpackCommandArray) {
		cmd, ok := stringList(lp.Command)
		if !ok || len(cmd) == 0 {
			return Process{}, "", errors.Errorf("process %s: command must be a non-empty array of strings (buildpack API %s)", lp.Type, d.API)
		}
		if lp.Direct != nil {
			return Process{}, "", errors.Errorf("process %s: the direct key is not allowed from buildpack API 0.9 on (processes are always direct)", lp.Type)
		}
		p.Command, p.Direct = cmd, true
	} else {
		cmd, ok := lp.Command.(string)
		if !ok || cmd == "" {
			return Process{}, "", errors.Errorf("process %s: command must be a non-empty string (buildpack API %s)", lp.Type, d.API)
		}
		p.Command = []string{cmd}
		p.Direct = lp.Direct != nil && *lp.Direct
	}
	if lp.WorkingDir != "" {
		if d.APIVersion.Supports(api.BuildpackWorkingDir) {
			p.WorkingDir = lp.WorkingDir
		} else {
			warn = "process " + lp.Type + " of " + d.String() + ": working-dir needs buildpack API 0.8 or later and is ignored"
		}
	}
	return p, warn, nil
}

func stringList(v any) ([]string, bool) {
	items, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(items))
	for i, it := range items {
		if out[i], ok = it.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

// validateProcessType allows letters, digits, '.', '_' and '-' (buildpack.md
// "launch.toml"; CONFORMANCE BPI-16).
func validateProcessType(t string) error {
	if t == "" {
		return errors.New("a process has no type")
	}
	for _, r := range t {
		ok := r == '.' || r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return errors.Errorf("process type %q: only letters, digits, '.', '_' and '-' are allowed", t)
		}
	}
	return nil
}

// checkBOM rejects a deprecated bom entry with a top-level version
// (CONFORMANCE BPI-15).
func checkBOM(bom []map[string]any) error {
	for _, e := range bom {
		if _, ok := e["version"]; ok {
			return errors.Errorf("bom entry %v has a top-level version: use metadata.version", e["name"])
		}
	}
	return nil
}

// BuildFile is build.toml (FIL-14).
type BuildFile struct {
	Unmet []struct {
		Name string `toml:"name"`
	} `toml:"unmet"`
	BOM []map[string]any `toml:"bom"`
}

// readBuildFile reads build.toml; a missing file is empty.
func readBuildFile(path string) (BuildFile, error) {
	var bf BuildFile
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return bf, nil
	}
	if err != nil {
		return bf, errors.Wrapf(err, "reading %s", path)
	}
	if _, err := toml.Decode(string(data), &bf); err != nil {
		return bf, errors.Wrapf(err, "parsing %s", path)
	}
	return bf, errors.Wrapf(checkBOM(bf.BOM), "%s", path)
}

// LayerTypes is the [types] table of <layer>.toml (FIL-15).
type LayerTypes struct {
	Launch bool `toml:"launch"`
	Build  bool `toml:"build"`
	Cache  bool `toml:"cache"`
}

// Any reports whether any type is set.
func (t LayerTypes) Any() bool { return t.Launch || t.Build || t.Cache }

// readLayerTypes reads the types of a layer. Flags at the top level are an
// error (CONFORMANCE BPI-10); a missing file means no types.
func readLayerTypes(path string) (LayerTypes, error) {
	var lt struct {
		Types  LayerTypes `toml:"types"`
		Launch any        `toml:"launch"`
		Build  any        `toml:"build"`
		Cache  any        `toml:"cache"`
	}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return LayerTypes{}, nil
	}
	if err != nil {
		return LayerTypes{}, errors.Wrapf(err, "reading %s", path)
	}
	if _, err := toml.Decode(string(data), &lt); err != nil {
		return LayerTypes{}, errors.Wrapf(err, "parsing %s", path)
	}
	if lt.Launch != nil || lt.Build != nil || lt.Cache != nil {
		return LayerTypes{}, errors.Errorf("%s: the launch, build and cache flags should be in the types table", filepath.Base(path))
	}
	return lt.Types, nil
}

// LayerFile is a <layer>.toml as the exporter reads it after the build:
// its types and its metadata (FIL-15, LAY-1).
type LayerFile struct {
	Types    LayerTypes     `toml:"types"`
	Metadata map[string]any `toml:"metadata"`
}

// ReadLayerFile reads a <layer>.toml.
func ReadLayerFile(path string) (LayerFile, error) {
	var lf LayerFile
	if _, err := toml.DecodeFile(path, &lf); err != nil {
		return lf, errors.Wrapf(err, "parsing %s", path)
	}
	return lf, nil
}

// ReadStore reads the [metadata] of a buildpack's store.toml; a missing
// file has none (BPI-13; persisted through the lifecycle label, LBL-2).
func ReadStore(path string) (map[string]any, error) {
	var st struct {
		Metadata map[string]any `toml:"metadata"`
	}
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil, nil
	}
	if _, err := toml.DecodeFile(path, &st); err != nil {
		return nil, errors.Wrapf(err, "parsing %s", path)
	}
	return st.Metadata, nil
}
