package phase

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/env"
	"github.com/cnb-lifecycle/lifecycle/internal/fsutil"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/pkg/errors"
)

// DetectConfig is what Detect needs.
type DetectConfig struct {
	Inputs      platform.DetectInputs
	PlatformAPI api.Version
	// Env looks up the lifecycle's own environment; only the variables of
	// CONFORMANCE BPI-5 reach buildpacks.
	Env    func(string) (string, bool)
	Logger *log.Logger
	// OSReleasePath is the build container's os-release file, used to
	// complete the target (default /etc/os-release).
	OSReleasePath string
}

// DetectResult is the detected group and plan, as written to group.toml and
// plan.toml.
type DetectResult struct {
	Group buildpack.GroupFile
	Plan  files.Plan
}

// Detect runs the detector (platform.md "detector"; CONFORMANCE DET-1..17):
// it resolves the order into the first group that passes and writes
// <group> and <plan>.
func Detect(ctx context.Context, cfg DetectConfig) (DetectResult, error) {
	in, v, logger := cfg.Inputs, cfg.PlatformAPI, cfg.Logger

	order, err := readOrder(in, v)
	if err != nil {
		return DetectResult{}, err
	}
	store := buildpack.NewStore(in.BuildpacksDir)
	if err := store.Verify(order); err != nil {
		var apiErr *buildpack.APIError
		if errors.As(err, &apiErr) {
			return DetectResult{}, platform.Exit(platform.CodeIncompatibleBuildpackAPI, err)
		}
		return DetectResult{}, platform.Exit(platform.CodeGeneric, err)
	}

	target, err := runTarget(in.AnalyzedPath, v, cfg.OSReleasePath, nil)
	if err != nil {
		return DetectResult{}, err
	}
	withUser, clear, err := detectEnv(in, v, cfg.Env)
	if err != nil {
		return DetectResult{}, err
	}
	planDir, err := os.MkdirTemp("", "cnb-detect-")
	if err != nil {
		return DetectResult{}, errors.Wrap(err, "making a scratch directory for build plans")
	}
	defer os.RemoveAll(planDir)

	d := &buildpack.Detector{
		Store: store,
		Env: buildpack.DetectEnv{
			AppDir: in.AppDir, PlatformDir: in.PlatformDir, PlanDir: planDir,
			Env: withUser, ClearEnv: clear, ExecEnv: in.ExecEnv, Target: target,
		},
		Logger:        logger,
		MatchTarget:   v.Supports(api.PlatformTargetData),
		FilterExecEnv: v.Supports(api.PlatformExecEnv),
		Parallel:      4 * runtime.NumCPU(),
	}
	res, err := d.Detect(ctx, order)
	switch {
	case errors.Is(err, buildpack.ErrGroupErrored):
		return DetectResult{}, platform.Exit(platform.CodeDetectErrored, errors.New("no buildpack group passed detection, and at least one buildpack errored"))
	case errors.Is(err, buildpack.ErrNoGroupPassed):
		return DetectResult{}, platform.Exit(platform.CodeDetectFailed, errors.Errorf("no buildpack group passed detection: check that the app in %s is one the buildpacks support", in.AppDir))
	case err != nil:
		return DetectResult{}, err
	}

	out := DetectResult{Group: buildpack.GroupFile{Group: res.Group}, Plan: toPlanFile(res.Plan)}
	if err := buildpack.WriteGroup(in.GroupPath, out.Group); err != nil {
		return DetectResult{}, err
	}
	if err := files.WritePlan(in.PlanPath, out.Plan); err != nil {
		return DetectResult{}, err
	}
	logGroup(logger, res)
	return out, nil
}

// readOrder reads <order>, merges system buildpacks into every group
// (P0.15+, CONFORMANCE DET-15) and refuses image extensions, which this
// lifecycle does not run yet.
func readOrder(in platform.DetectInputs, v api.Version) (buildpack.Order, error) {
	of, err := buildpack.ReadOrder(in.OrderPath)
	if err != nil {
		return nil, platform.Exit(platform.CodeGeneric, err)
	}
	if len(of.OrderExtensions) > 0 {
		return nil, platform.Exitf(platform.CodeGeneric, "%s has [[order-extensions]]: image extensions are not supported by this lifecycle yet", in.OrderPath)
	}
	if in.SystemPath == "" || !v.Supports(api.PlatformSystemBuildpacks) {
		return of.Order, nil
	}
	sys, err := files.ReadSystem(in.SystemPath)
	if errors.Is(err, os.ErrNotExist) {
		return of.Order, nil
	}
	if err != nil {
		return nil, platform.Exit(platform.CodeGeneric, err)
	}
	return mergeSystem(of.Order, sys), nil
}

// mergeSystem puts system.pre buildpacks at the start and system.post at
// the end of every group, except those whose id the group already has. The
// optional flag of system.toml is honoured (CONFORMANCE DET-15 D).
func mergeSystem(order buildpack.Order, sys files.System) buildpack.Order {
	toElements := func(bps []files.SystemBuildpack, group []buildpack.GroupElement) []buildpack.GroupElement {
		var out []buildpack.GroupElement
		for _, bp := range bps {
			if !hasID(group, bp.ID) {
				out = append(out, buildpack.GroupElement{ID: bp.ID, Version: bp.Version, Optional: bp.Optional})
			}
		}
		return out
	}
	merged := make(buildpack.Order, len(order))
	for i, g := range order {
		var els []buildpack.GroupElement
		els = append(els, toElements(sys.Pre, g.Group)...)
		els = append(els, g.Group...)
		els = append(els, toElements(sys.Post, g.Group)...)
		merged[i] = buildpack.Group{Group: els}
	}
	return merged
}

func hasID(els []buildpack.GroupElement, id string) bool {
	for _, e := range els {
		if e.ID == id {
			return true
		}
	}
	return false
}

// runTarget is the run image target buildpacks are matched against and see
// as CNB_TARGET_* (CONFORMANCE DET-13, BPI-3): analyzed.toml's
// run-image.target at P0.12+, completed from the build container (its
// os-release for the distro, the lifecycle's own os and architecture). A
// missing analyzed.toml is reported to warnMissing when it is not nil.
func runTarget(analyzedPath string, v api.Version, osRelease string, warnMissing *log.Logger) (buildpack.RunTarget, error) {
	var t buildpack.RunTarget
	if v.Supports(api.PlatformTargetData) && analyzedPath != "" {
		a, err := files.ReadAnalyzed(analyzedPath)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if warnMissing != nil {
				warnMissing.Warnf("no analyzed metadata found at %s: the target is taken from the build container", analyzedPath)
			}
		case err != nil:
			return t, platform.Exit(platform.CodeGeneric, err)
		case a.RunImage != nil && a.RunImage.Target != nil:
			rt := a.RunImage.Target
			t = buildpack.RunTarget{OS: rt.OS, Arch: rt.Arch, ArchVariant: rt.ArchVariant}
			if rt.Distro != nil {
				t.DistroName, t.DistroVersion = rt.Distro.Name, rt.Distro.Version
			}
		}
	}
	if t.OS == "" {
		t.OS = runtime.GOOS
	}
	if t.Arch == "" {
		t.Arch = runtime.GOARCH
	}
	if t.DistroName == "" && t.OS == "linux" {
		if osRelease == "" {
			osRelease = "/etc/os-release"
		}
		rel, err := fsutil.ReadOSRelease(osRelease)
		if err != nil {
			return t, errors.Wrapf(err, "reading %s", osRelease)
		}
		t.DistroName, t.DistroVersion = rel.ID, rel.VersionID
	}
	return t, nil
}

// detectEnv builds the two environments of /bin/detect: with and without
// user variables, both with operator variables at P0.11+ (CONFORMANCE
// BPI-5, BPI-6, ENV-1, ENV-2).
func detectEnv(in platform.DetectInputs, v api.Version, lookup func(string) (string, bool)) (withUser, clear env.Env, err error) {
	base := env.BuildBase(lookup)
	withUser = base.Clone()
	if err := env.ApplyUserDir(withUser, in.PlatformDir+"/env"); err != nil {
		return nil, nil, platform.Exit(platform.CodeGeneric, err)
	}
	clear = base.Clone()
	if v.Supports(api.PlatformBuildConfig) {
		for _, e := range []env.Env{withUser, clear} {
			if err := env.ApplyDir(e, in.BuildConfigDir+"/env", env.Default); err != nil {
				return nil, nil, platform.Exit(platform.CodeGeneric, err)
			}
		}
	}
	return withUser, clear, nil
}

func toPlanFile(entries []buildpack.PlanEntry) files.Plan {
	var p files.Plan
	for _, e := range entries {
		var fe files.PlanEntry
		for _, pr := range e.Providers {
			fe.Providers = append(fe.Providers, files.Provider{ID: pr.ID, Version: pr.Version})
		}
		for _, r := range e.Requires {
			fe.Requires = append(fe.Requires, files.Require{Name: r.Name, Metadata: r.Metadata})
		}
		p.Entries = append(p.Entries, fe)
	}
	return p
}

// logGroup prints the selected group (CONFORMANCE DET-12).
func logGroup(logger *log.Logger, res buildpack.Result) {
	logger.Infof("%d of %d buildpacks participating", len(res.Group), res.Considered)
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
	for _, e := range res.Group {
		fmt.Fprintf(tw, "%s\t%s\n", e.ID, e.Version)
	}
	tw.Flush()
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		logger.Infof("%s", line)
	}
}
