package cli

import (
	"context"

	"github.com/cnb-lifecycle/lifecycle/phase"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
)

func runRestore(ctx context.Context, s *Session) error {
	in, err := platform.ResolveRestore(s.API, s.Values, s.Env)
	if err != nil {
		return err
	}
	if in.UseLayout {
		if err := s.Experimental.Guard("OCI layout (-layout)", s.Logger); err != nil {
			return err
		}
	}
	refs := []string{in.CacheImage}
	var runImage string
	if a, err := files.ReadAnalyzed(in.AnalyzedPath); err == nil && a.RunImage != nil {
		runImage = a.RunImage.Reference // RES-8 may read it
		refs = append(refs, runImage)
	}
	regRefs := refs
	if runImage != "" && !phase.IsRegistryReference(runImage) {
		regRefs = refs[:1] // an image ID or a layout identifier has no registry credentials
	}
	reg, err := registry(ctx, s, in.Insecure, regRefs...)
	if err != nil {
		return err
	}
	st, err := imageStore(ctx, s, target{daemon: in.UseDaemon, layout: in.UseLayout, layoutDir: in.LayoutDir, layoutImages: refs}, reg)
	if err != nil {
		return err
	}
	if err := handOver(in.UID, in.GID, in.LayersDir, in.CacheDir); err != nil {
		return err
	}
	return phase.Restore(ctx, phase.RestoreConfig{Inputs: in, PlatformAPI: s.API, Logger: s.Logger, Registry: reg, Store: st})
}
