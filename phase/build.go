package phase

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/env"
	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/pkg/errors"
)

// BuildConfig is what Build needs.
type BuildConfig struct {
	Inputs      platform.BuildInputs
	PlatformAPI api.Version
	// Env looks up the lifecycle's own environment (CONFORMANCE BPI-5).
	Env           func(string) (string, bool)
	Logger        *log.Logger
	OSReleasePath string
}

// Build runs the builder (platform.md "builder"; CONFORMANCE BLD-1..10): each
// group buildpack's /bin/build in order, then <layers>/config/metadata.toml.
func Build(ctx context.Context, cfg BuildConfig) (launch.Metadata, error) {
	in, v, logger := cfg.Inputs, cfg.PlatformAPI, cfg.Logger
	bps, plan, err := readBuildInputs(in)
	if err != nil {
		return launch.Metadata{}, err
	}
	target, err := runTarget(in.AnalyzedPath, v, cfg.OSReleasePath, logger)
	if err != nil {
		return launch.Metadata{}, err
	}
	sbomDir := filepath.Join(in.LayersDir, "sbom")
	if err := os.RemoveAll(sbomDir); err != nil {
		return launch.Metadata{}, platform.Exit(platform.CodeBuild, errors.Wrapf(err, "removing stale %s", sbomDir))
	}
	planDir, err := os.MkdirTemp("", "cnb-build-")
	if err != nil {
		return launch.Metadata{}, platform.Exit(platform.CodeBuild, errors.Wrap(err, "making a scratch directory"))
	}
	defer os.RemoveAll(planDir)

	be := buildpack.BuildEnv{
		AppDir: in.AppDir, PlatformDir: in.PlatformDir, LayersDir: in.LayersDir, PlanDir: planDir,
		UserEnvDir: filepath.Join(in.PlatformDir, "env"), ExecEnv: in.ExecEnv, Target: target,
		Stdout: logger.Writer(log.InfoLevel), Stderr: logger.Writer(log.WarnLevel),
	}
	if in.BuildConfigDir != "" {
		be.OperatorEnvDir = filepath.Join(in.BuildConfigDir, "env")
	}
	acc := env.BuildBase(cfg.Env)
	pt := newPlanTracker(plan)
	var results []bpResult
	for _, d := range bps {
		logger.Debugf("Running build for buildpack %s", d)
		items := pt.forBuildpack(d.Buildpack.ID)
		res, err := d.Build(ctx, be, acc, items)
		if err != nil {
			var failed *buildpack.FailedError
			if errors.As(err, &failed) {
				return launch.Metadata{}, platform.Exit(platform.CodeBuildpackBuild, err)
			}
			return launch.Metadata{}, platform.Exit(platform.CodeBuild, err)
		}
		for _, w := range res.Launch.Warnings {
			logger.Warnf("%s", w)
		}
		pt.done(d.Buildpack.ID, res.Unmet)
		layersDir := filepath.Join(in.LayersDir, buildpack.EscapeID(d.Buildpack.ID))
		if err := d.StageSBOM(layersDir, sbomDir, res.Layers, v.Supports(api.PlatformSBOM)); err != nil {
			return launch.Metadata{}, platform.Exit(platform.CodeBuild, err)
		}
		if err := addBuildLayers(acc, res.Layers); err != nil {
			return launch.Metadata{}, platform.Exit(platform.CodeBuild, err)
		}
		results = append(results, bpResult{desc: d, res: res})
	}
	md, err := metadata(results, v, logger)
	if err != nil {
		return md, err
	}
	if v.Supports(api.PlatformLegacyBOMFile) {
		if err := writeLegacyBOM(sbomDir, results); err != nil {
			return md, platform.Exit(platform.CodeBuild, err)
		}
	}
	path := launch.MetadataPath(in.LayersDir)
	if err := launch.WriteMetadata(path, md, !v.Supports(api.PlatformCommandArray)); err != nil {
		return md, platform.Exit(platform.CodeBuild, err)
	}
	return md, nil
}

type bpResult struct {
	desc *buildpack.Descriptor
	res  buildpack.BuildResult
}

// readBuildInputs reads group.toml with the group's descriptors and
// plan.toml (CONFORMANCE BLD-2).
func readBuildInputs(in platform.BuildInputs) ([]*buildpack.Descriptor, files.Plan, error) {
	gf, err := buildpack.ReadGroup(in.GroupPath)
	var apiErr *buildpack.APIError
	if errors.As(err, &apiErr) {
		return nil, files.Plan{}, platform.Exit(platform.CodeIncompatibleBuildpackAPI, err)
	}
	if err != nil {
		return nil, files.Plan{}, platform.Exit(platform.CodeGeneric, err)
	}
	plan, err := files.ReadPlan(in.PlanPath)
	if err != nil {
		return nil, files.Plan{}, platform.Exit(platform.CodeGeneric, err)
	}
	store := buildpack.NewStore(in.BuildpacksDir)
	var bps []*buildpack.Descriptor
	for _, e := range gf.Group {
		d, err := store.Lookup(e.ID, e.Version)
		if errors.As(err, &apiErr) {
			return nil, plan, platform.Exit(platform.CodeIncompatibleBuildpackAPI, err)
		}
		if err != nil {
			return nil, plan, platform.Exit(platform.CodeGeneric, err)
		}
		bps = append(bps, d)
	}
	return bps, plan, nil
}

// planTracker hands each buildpack the plan entries it provides that no
// earlier buildpack met (CONFORMANCE BLD-4, BPI-12).
type planTracker struct {
	entries []files.PlanEntry
	met     []bool
	given   map[string][]int // buildpack id -> entries handed to it
}

func newPlanTracker(p files.Plan) *planTracker {
	return &planTracker{entries: p.Entries, met: make([]bool, len(p.Entries)), given: map[string][]int{}}
}

func (pt *planTracker) forBuildpack(id string) []buildpack.PlanItem {
	items := []buildpack.PlanItem{}
	for i, e := range pt.entries {
		if pt.met[i] || !provides(e, id) {
			continue
		}
		pt.given[id] = append(pt.given[id], i)
		for _, r := range e.Requires {
			items = append(items, buildpack.PlanItem{Name: r.Name, Metadata: r.Metadata})
		}
	}
	return items
}

func (pt *planTracker) done(id string, unmet []string) {
	for _, i := range pt.given[id] {
		if !entryNamed(pt.entries[i], unmet) {
			pt.met[i] = true
		}
	}
}

func provides(e files.PlanEntry, id string) bool {
	for _, p := range e.Providers {
		if p.ID == id {
			return true
		}
	}
	return false
}

func entryNamed(e files.PlanEntry, names []string) bool {
	for _, r := range e.Requires {
		for _, n := range names {
			if r.Name == n {
				return true
			}
		}
	}
	return false
}

// addBuildLayers exposes a buildpack's build layers to later buildpacks
// (CONFORMANCE ENV-3, ENV-4, BLD-5). HOME and BP_* are never changed by
// layers (ENV-7).
func addBuildLayers(acc env.Env, layers []buildpack.Layer) error {
	var dirs []string
	for _, l := range layers {
		if l.Types.Build {
			dirs = append(dirs, l.Dir)
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	before := acc.Clone()
	env.PrependBuildPaths(acc, dirs)
	for _, d := range dirs {
		if err := env.ApplyLayer(acc, filepath.Join(d, "env"), filepath.Join(d, "env.build")); err != nil {
			return err
		}
	}
	for k := range acc {
		if k == "HOME" || strings.HasPrefix(k, "BP_") {
			if old, ok := before[k]; ok {
				acc[k] = old
			} else {
				delete(acc, k)
			}
		}
	}
	return nil
}

// metadata merges the buildpacks' launch.toml files (CONFORMANCE BLD-6,
// BLD-7, PRC-1): later definitions of a type replace earlier ones, the last
// default wins and a later non-default redefinition clears it.
func metadata(results []bpResult, v api.Version, logger *log.Logger) (launch.Metadata, error) {
	md := launch.Metadata{Buildpacks: []launch.Buildpack{}, Processes: []launch.Process{}, Slices: []launch.Slice{}, Labels: []launch.Label{}}
	byType := map[string]launch.Process{}
	for _, r := range results {
		d := r.desc
		md.Buildpacks = append(md.Buildpacks, launch.Buildpack{ID: d.Buildpack.ID, Version: d.Buildpack.Version, API: d.API, Homepage: d.Buildpack.Homepage})
		for _, p := range r.res.Launch.Processes {
			if p.Default {
				md.BuildpackDefaultProcessType = p.Type
			} else if p.Type == md.BuildpackDefaultProcessType {
				logger.Warnf("%s redefines process type %s without default = true: the image has no default process", d, p.Type)
				md.BuildpackDefaultProcessType = ""
			}
			lp := launch.Process{Type: p.Type, Command: launch.Command(p.Command), Args: p.Args, Direct: p.Direct,
				WorkingDir: p.WorkingDir, BuildpackID: p.BuildpackID}
			if v.Supports(api.PlatformExecEnv) {
				lp.ExecEnv = p.ExecEnv
				if len(lp.ExecEnv) == 0 {
					lp.ExecEnv = []string{"*"}
				}
			}
			byType[p.Type] = lp
		}
		for _, s := range r.res.Launch.Slices {
			md.Slices = append(md.Slices, launch.Slice{Paths: s.Paths})
		}
		for _, l := range r.res.Launch.Labels {
			md.Labels = append(md.Labels, launch.Label{Key: l.Key, Value: l.Value})
		}
		if !v.Supports(api.PlatformLegacyBOMFile) {
			for _, b := range r.res.Launch.BOM {
				md.BOM = append(md.BOM, b)
			}
		}
		if len(r.res.Launch.BOM) > 0 || len(r.res.BuildBOM) > 0 {
			logger.Warnf("%s uses the deprecated bom arrays: write SBOM files instead", d)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		md.Processes = append(md.Processes, byType[t])
	}
	return md, nil
}

// writeLegacyBOM writes the deprecated bom arrays as JSON to
// <layers>/sbom/{launch,build}/sbom.legacy.json (P0.9+, CONFORMANCE BLD-8).
func writeLegacyBOM(sbomDir string, results []bpResult) error {
	var launchBOM, buildBOM []map[string]any
	for _, r := range results {
		launchBOM = append(launchBOM, r.res.Launch.BOM...)
		buildBOM = append(buildBOM, r.res.BuildBOM...)
	}
	for dir, bom := range map[string][]map[string]any{"launch": launchBOM, "build": buildBOM} {
		if len(bom) == 0 {
			continue
		}
		data, err := json.Marshal(bom)
		if err != nil {
			return errors.Wrap(err, "encoding the legacy bill of materials")
		}
		p := filepath.Join(sbomDir, dir, "sbom.legacy.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return errors.Wrapf(err, "writing %s", p)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return errors.Wrapf(err, "writing %s", p)
		}
	}
	return nil
}
