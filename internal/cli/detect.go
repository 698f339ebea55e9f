package cli

import (
	"context"
	"github.com/cnb-lifecycle/lifecycle/phase"
	"github.com/cnb-lifecycle/lifecycle/platform"
)

func runDetect(ctx context.Context, s *Session) error {
	in, err := platform.ResolveDetect(s.API, s.Values, s.Env)
	if err != nil {
		return err
	}
	_, err = phase.Detect(ctx, phase.DetectConfig{
		Inputs:      in,
		PlatformAPI: s.API,
		Env:         s.Env,
		Logger:      s.Logger,
	})
	return err
}
