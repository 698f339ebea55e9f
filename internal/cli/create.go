package cli

import (
	"context"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/internal/buildinfo"
	"github.com/cnb-lifecycle/lifecycle/phase"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/priv"
	"github.com/pkg/errors"
)

// runCreate runs the five build phases in one process (CONFORMANCE CRE-1,
// CRE-2, CRE-4): it reads credentials and hands the directories over as
// root, drops to the build user once, then never runs buildpacks as root.
func runCreate(ctx context.Context, s *Session) error {
	in, err := platform.ResolveCreate(s.API, s.Values, s.Env, s.Args)
	if err != nil {
		return err
	}
	if in.Analyze.UseLayout {
		if err := s.Experimental.Guard("OCI layout (-layout)", s.Logger); err != nil {
			return err
		}
	}
	a := in.Analyze
	reg, err := registry(ctx, s, a.Insecure, append([]string{a.Image, a.PreviousImage, a.RunImage, a.CacheImage}, a.Tags...)...)
	if err != nil {
		return err
	}
	st, err := imageStore(ctx, s, target{daemon: a.UseDaemon, layout: a.UseLayout, layoutDir: a.LayoutDir, layoutImages: []string{a.RunImage}}, reg)
	if err != nil {
		return err
	}
	if err := handOver(a.UID, a.GID, a.LayersDir, in.Restore.CacheDir, a.LaunchCacheDir, layoutDir(a.UseLayout, a.LayoutDir)); err != nil {
		return err
	}
	if priv.IsRoot() {
		return platform.Exitf(platform.CodeGeneric, "refusing to run buildpacks as root: name the build user with -uid/-gid or CNB_USER_ID/CNB_GROUP_ID")
	}
	// The buildpacks run as this process's user: keep its environment,
	// credentials included, from them (PRIV-4).
	if err := priv.HideEnvironment(); err != nil {
		return platform.Exit(platform.CodeGeneric, errors.Wrap(err, "hiding the creator's environment from buildpacks"))
	}
	log := s.Logger
	log.Phase("ANALYZING")
	_, err = phase.Analyze(ctx, phase.AnalyzeConfig{Inputs: a, PlatformAPI: s.API, Registry: reg, Store: st, Logger: log})
	if err != nil {
		return err
	}
	log.Phase("DETECTING")
	if _, err := phase.Detect(ctx, phase.DetectConfig{Inputs: in.Detect, PlatformAPI: s.API, Env: s.Env, Logger: log}); err != nil {
		return err
	}
	// -skip-restore (CRE-2): from 0.10 the restore step still writes
	// store.toml (in.Restore.SkipLayers is set); before, it is skipped.
	if !in.SkipRestore || s.API.Supports(api.PlatformSkipRestoreStore) {
		if !in.SkipRestore {
			log.Phase("RESTORING")
		}
		if err := phase.Restore(ctx, phase.RestoreConfig{Inputs: in.Restore, PlatformAPI: s.API, Logger: log, Registry: reg, Store: st}); err != nil {
			return err
		}
	}
	log.Phase("BUILDING")
	if _, err := phase.Build(ctx, phase.BuildConfig{Inputs: in.Build, PlatformAPI: s.API, Env: s.Env, Logger: log}); err != nil {
		return err
	}
	log.Phase("EXPORTING")
	execEnv := ""
	if s.API.Supports(api.PlatformExecEnv) {
		execEnv = in.Detect.ExecEnv
	}
	_, err = phase.Export(ctx, phase.ExportConfig{Inputs: in.Export, PlatformAPI: s.API, Registry: reg, Store: st, Logger: log,
		LifecycleVersion: buildinfo.Version, ExecEnv: execEnv})
	return err
}
