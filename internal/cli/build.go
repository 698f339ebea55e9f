package cli

import (
	"context"

	"github.com/cnb-lifecycle/lifecycle/phase"
	"github.com/cnb-lifecycle/lifecycle/platform"
)

func runBuild(ctx context.Context, s *Session) error {
	in, err := platform.ResolveBuild(s.API, s.Values, s.Env)
	if err != nil {
		return err
	}
	_, err = phase.Build(ctx, phase.BuildConfig{Inputs: in, PlatformAPI: s.API, Env: s.Env, Logger: s.Logger})
	return err
}
