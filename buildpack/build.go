package buildpack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/env"
	"github.com/pkg/errors"
)

// BuildEnv is what every /bin/build of a build shares.
type BuildEnv struct {
	AppDir, PlatformDir, LayersDir string
	// PlanDir is a scratch directory for the buildpack plans.
	PlanDir string
	// UserEnvDir is <platform>/env; OperatorEnvDir is <build-config>/env
	// ("" below Platform API 0.11).
	UserEnvDir, OperatorEnvDir string
	ExecEnv                    string
	Target                     RunTarget
	Stdout, Stderr             io.Writer
}

// PlanItem is one entry of a buildpack plan (FIL-4).
type PlanItem struct {
	Name     string         `toml:"name"`
	Metadata map[string]any `toml:"metadata,omitempty"`
}

// BuildResult is what one buildpack contributed.
type BuildResult struct {
	Launch Launch
	// Unmet names the plan entries the buildpack left for later providers.
	Unmet []string
	// BuildBOM is build.toml's deprecated bom.
	BuildBOM []map[string]any
	// Layers are the buildpack's typed layers, by name.
	Layers []Layer
}

// Layer is a layer directory with its types.
type Layer struct {
	Name  string
	Dir   string
	Types LayerTypes
}

// FailedError is a /bin/build that exited non-zero (CONFORMANCE BLD-3:
// exit 51 for the platform).
type FailedError struct {
	Ref  string
	Code int
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("buildpack %s: /bin/build exited with status %d", e.Ref, e.Code)
}

// Build runs the buildpack's /bin/build with plan and the accumulated
// environment acc (CONFORMANCE BPI-1..6, BLD-3..5), then reads what it
// wrote. acc holds the lifecycle's base variables and earlier buildpacks'
// build layers; user and operator variables are applied on top here.
func (d *Descriptor) Build(ctx context.Context, be BuildEnv, acc env.Env, plan []PlanItem) (BuildResult, error) {
	layersDir := filepath.Join(be.LayersDir, EscapeID(d.Buildpack.ID))
	if err := os.MkdirAll(layersDir, 0o777); err != nil {
		return BuildResult{}, errors.Wrapf(err, "making %s", layersDir)
	}
	planPath, err := writePlan(filepath.Join(be.PlanDir, EscapeID(d.Buildpack.ID)), plan)
	if err != nil {
		return BuildResult{}, err
	}
	vars, err := d.buildVars(be, acc, layersDir, planPath)
	if err != nil {
		return BuildResult{}, err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(d.Dir, "bin", "build"), layersDir, be.PlatformDir, planPath)
	cmd.Dir = be.AppDir
	cmd.Env = vars.List()
	cmd.Stdout, cmd.Stderr = be.Stdout, be.Stderr
	stopTogether(cmd)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && exitErr.Exited() {
			return BuildResult{}, &FailedError{Ref: d.String(), Code: exitErr.ExitCode()}
		}
		return BuildResult{}, errors.Wrapf(err, "running %s", cmd.Path)
	}
	return d.readOutputs(layersDir, plan)
}

func (d *Descriptor) buildVars(be BuildEnv, acc env.Env, layersDir, planPath string) (env.Env, error) {
	vars := acc.Clone()
	if !d.Buildpack.ClearEnv {
		if err := env.ApplyUserDir(vars, be.UserEnvDir); err != nil {
			return nil, err
		}
	}
	if be.OperatorEnvDir != "" {
		if err := env.ApplyDir(vars, be.OperatorEnvDir, env.Default); err != nil {
			return nil, err
		}
	}
	vars["CNB_BUILDPACK_DIR"] = d.Dir
	if d.APIVersion.Supports(api.BuildpackEnvVars) {
		vars["CNB_LAYERS_DIR"] = layersDir
		vars["CNB_PLATFORM_DIR"] = be.PlatformDir
		vars["CNB_BP_PLAN_PATH"] = planPath
	}
	if d.APIVersion.Supports(api.BuildpackTargets) {
		setTargetEnv(vars, be.Target)
	}
	if d.APIVersion.Supports(api.BuildpackExecEnv) {
		vars["CNB_EXEC_ENV"] = be.ExecEnv
	}
	return vars, nil
}

func writePlan(dir string, plan []PlanItem) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", errors.Wrap(err, "making the buildpack plan directory")
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(struct {
		Entries []PlanItem `toml:"entries"`
	}{plan}); err != nil {
		return "", errors.Wrap(err, "encoding the buildpack plan")
	}
	p := filepath.Join(dir, "plan.toml")
	return p, errors.Wrapf(os.WriteFile(p, buf.Bytes(), 0o644), "writing %s", p)
}

// readOutputs reads launch.toml, build.toml and the layers, checks unmet
// names against the plan (BPI-12) and renames untyped layers to
// <layer>.ignore (BLD-5).
func (d *Descriptor) readOutputs(layersDir string, plan []PlanItem) (BuildResult, error) {
	var res BuildResult
	var err error
	if res.Launch, err = d.ReadLaunch(filepath.Join(layersDir, "launch.toml")); err != nil {
		return res, err
	}
	bf, err := readBuildFile(filepath.Join(layersDir, "build.toml"))
	if err != nil {
		return res, err
	}
	res.BuildBOM = bf.BOM
	for _, u := range bf.Unmet {
		if u.Name == "" {
			return res, errors.Errorf("%s: an unmet entry has no name", filepath.Join(layersDir, "build.toml"))
		}
		if !planHas(plan, u.Name) {
			return res, errors.Errorf("%s: unmet entry %q is not in the buildpack plan", filepath.Join(layersDir, "build.toml"), u.Name)
		}
		res.Unmet = append(res.Unmet, u.Name)
	}
	res.Layers, err = readLayers(layersDir)
	return res, err
}

func planHas(plan []PlanItem, name string) bool {
	for _, p := range plan {
		if p.Name == name {
			return true
		}
	}
	return false
}

// reservedLayer names are files of the buildpack, not layers (BPI-13).
func reservedLayer(name string) bool {
	return name == "launch" || name == "build" || name == "store"
}

// readLayers lists the layers of a buildpack in name order: every
// <name>.toml (other than launch, build, store and SBOM files) and every
// directory. Layers without types have their directory renamed to
// <name>.ignore and are left out.
func readLayers(layersDir string) ([]Layer, error) {
	entries, err := os.ReadDir(layersDir)
	if err != nil {
		return nil, errors.Wrapf(err, "reading %s", layersDir)
	}
	names := map[string]bool{}
	for _, e := range entries {
		n := e.Name()
		switch {
		case e.IsDir() && !strings.HasSuffix(n, ".ignore"):
			names[n] = true
		case !e.IsDir() && strings.HasSuffix(n, ".toml") && !strings.Contains(n, ".sbom."):
			if base := strings.TrimSuffix(n, ".toml"); !reservedLayer(base) {
				names[base] = true
			}
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var out []Layer
	for _, n := range sorted {
		dir := filepath.Join(layersDir, n)
		types, err := readLayerTypes(dir + ".toml")
		if err != nil {
			return nil, err
		}
		if !types.Any() {
			if err := ignoreLayer(dir); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, Layer{Name: n, Dir: dir, Types: types})
	}
	return out, nil
}

func ignoreLayer(dir string) error {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	if err := os.RemoveAll(dir + ".ignore"); err != nil {
		return errors.Wrapf(err, "removing %s.ignore", dir)
	}
	return errors.Wrapf(os.Rename(dir, dir+".ignore"), "renaming untyped layer %s", dir)
}
