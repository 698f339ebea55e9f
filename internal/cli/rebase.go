package cli

import (
	"context"

	"github.com/cnb-lifecycle/lifecycle/phase"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/priv"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/pkg/errors"
)

func runRebase(ctx context.Context, s *Session) error {
	in, err := platform.ResolveRebase(s.API, s.Values, s.Env, s.Args)
	if err != nil {
		return err
	}
	// Every <image> is a tag; not in daemon mode they share one registry
	// (platform.md "rebaser").
	var first name.Tag
	for i, img := range in.Images {
		tag, err := name.NewTag(img, name.WeakValidation)
		if err != nil {
			return platform.Exit(platform.CodeInvalidArgs, errors.Wrapf(err, "<image> %q must be a tag reference", img))
		}
		if i == 0 {
			first = tag
		} else if !in.UseDaemon && tag.RegistryStr() != first.RegistryStr() {
			return platform.Exitf(platform.CodeInvalidArgs, "%s is on registry %s, but %s is on %s: all images must be on one registry",
				img, tag.RegistryStr(), in.Images[0], first.RegistryStr())
		}
	}
	reg, err := registry(ctx, s, in.Insecure, append([]string{in.PreviousImage, in.RunImage}, in.Images...)...)
	if err != nil {
		return err
	}
	st, err := imageStore(ctx, s, target{daemon: in.UseDaemon}, reg)
	if err != nil {
		return err
	}
	// The rebaser drops to the build user without handing it any directory
	// (CONFORMANCE PRIV-3).
	if err := priv.Drop(in.UID, in.GID); err != nil {
		return platform.Exit(platform.CodeGeneric, err)
	}
	_, err = phase.Rebase(ctx, phase.RebaseConfig{Inputs: in, PlatformAPI: s.API, Logger: s.Logger,
		Store: st})
	return err
}
