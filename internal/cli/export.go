package cli

import (
	"context"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/internal/buildinfo"
	"github.com/cnb-lifecycle/lifecycle/phase"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
)

func runExport(ctx context.Context, s *Session) error {
	in, err := platform.ResolveExport(s.API, s.Values, s.Env, s.Args)
	if err != nil {
		return err
	}
	if in.UseLayout {
		if err := s.Experimental.Guard("OCI layout (-layout)", s.Logger); err != nil {
			return err
		}
	}
	refs := append([]string{in.CacheImage}, in.Images...)
	if a, err := files.ReadAnalyzed(in.AnalyzedPath); err == nil {
		if a.RunImage != nil {
			refs = append(refs, a.RunImage.Reference)
		}
		if a.Image != nil {
			refs = append(refs, a.Image.Reference)
		}
	}
	reg, err := registry(ctx, s, in.Insecure, refs...)
	if err != nil {
		return err
	}
	st, err := imageStore(ctx, s, target{daemon: in.UseDaemon, layout: in.UseLayout, layoutDir: in.LayoutDir, layoutImages: refs}, reg)
	if err != nil {
		return err
	}
	if err := handOver(in.UID, in.GID, in.LayersDir, in.CacheDir, in.LaunchCacheDir, layoutDir(in.UseLayout, in.LayoutDir)); err != nil {
		return err
	}
	execEnv := ""
	if s.API.Supports(api.PlatformExecEnv) {
		if execEnv, err = platform.ResolveExecEnv(s.Env); err != nil {
			return err
		}
	}
	_, err = phase.Export(ctx, phase.ExportConfig{Inputs: in, PlatformAPI: s.API, Registry: reg, Store: st, Logger: s.Logger,
		LifecycleVersion: buildinfo.Version, ExecEnv: execEnv})
	return err
}
