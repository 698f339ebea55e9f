package cli

import (
	"context"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/phase"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/priv"
	"github.com/google/go-containerregistry/pkg/name"
)

func runAnalyze(ctx context.Context, s *Session) error {
	in, err := platform.ResolveAnalyze(s.API, s.Values, s.Env, s.Args)
	if err != nil {
		return err
	}
	if in.UseLayout {
		if err := s.Experimental.Guard("OCI layout (-layout)", s.Logger); err != nil {
			return err
		}
	}
	if in.LaunchCacheDir != "" && !in.UseDaemon {
		s.Logger.Warnf("Ignoring -launch-cache, which only applies with -daemon")
	}
	reg, err := registry(ctx, s, in.Insecure, append([]string{in.Image, in.PreviousImage, in.RunImage, in.CacheImage}, in.Tags...)...)
	if err != nil {
		return err
	}
	st, err := imageStore(ctx, s, target{daemon: in.UseDaemon, layout: in.UseLayout, layoutDir: in.LayoutDir, layoutImages: []string{in.RunImage}}, reg)
	if err != nil {
		return err
	}
	if err := handOver(in.UID, in.GID, in.LayersDir, in.LaunchCacheDir); err != nil {
		return err
	}
	_, err = phase.Analyze(ctx, phase.AnalyzeConfig{Inputs: in, PlatformAPI: s.API, Registry: reg, Store: st, Logger: s.Logger})
	return err
}

// registry builds the registry access of a phase: the keychain with
// credentials resolved now, for every image the phase names, so that files
// readable only by root are read before privileges are dropped (CONFORMANCE
// AUTH-4). Invalid CNB_REGISTRY_AUTH is exit 1 (AUTH-1), and so is an
// invalid retry variable (image.EnvRetries, EnvBackoff, EnvTimeout).
func registry(ctx context.Context, s *Session, insecure []string, refs ...string) (image.Registry, error) {
	kc, err := image.NewKeychain(s.Env)
	if err != nil {
		return image.Registry{}, platform.Exit(platform.CodeGeneric, err)
	}
	retry, err := image.RetryFromEnv(s.Env)
	if err != nil {
		return image.Registry{}, platform.Exit(platform.CodeGeneric, err)
	}
	retry.Warn = s.Logger.Warnf
	reg := image.NewRegistry(kc, insecure, retry)
	var parsed []name.Reference
	for _, r := range refs {
		if r == "" {
			continue
		}
		if ref, err := reg.Parse(r); err == nil {
			parsed = append(parsed, ref)
		}
	}
	if reg.Keychain, err = image.Resolved(ctx, kc, parsed...); err != nil {
		return image.Registry{}, platform.Exit(platform.CodeGeneric, err)
	}
	return reg, nil
}

// handOver gives the phase's directories to the build user and drops to it
// (CONFORMANCE PRIV-2): a no-op when already running as that user.
func handOver(uid, gid int, dirs ...string) error {
	if err := priv.EnsureOwner(uid, gid, dirs...); err != nil {
		return platform.Exit(platform.CodeGeneric, err)
	}
	return platform.Exit(platform.CodeGeneric, priv.Drop(uid, gid))
}
