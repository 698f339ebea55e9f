package cli

import (
	"context"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/image/docker"
	"github.com/cnb-lifecycle/lifecycle/phase"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/pkg/errors"
)

// target is where a phase reads and writes app and run images.
type target struct {
	daemon    bool
	layout    bool
	layoutDir string
	// layoutImages name the layout images (the run image) whose blobs are
	// opened before the privilege drop.
	layoutImages []string
}

// imageStore opens the phase's image store. It runs before privileges are
// dropped: the daemon's socket is usually root's, so its connections are
// opened now and kept (CONFORMANCE TGT-4). -layout needs -layout-dir
// (ANA-12).
func imageStore(ctx context.Context, s *Session, t target, reg image.Registry) (phase.ImageStore, error) {
	switch {
	case t.daemon && t.layout:
		return nil, platform.Exitf(platform.CodeInvalidArgs, "-daemon and -layout both name the target: give one")
	case t.layout:
		if t.layoutDir == "" {
			return nil, platform.Exitf(platform.CodeInvalidArgs, "-layout needs -layout-dir (CNB_LAYOUT_DIR)")
		}
		var preopen []string
		for _, ref := range t.layoutImages {
			if ref == "" {
				continue
			}
			if p, err := phase.LayoutPath(t.layoutDir, ref); err == nil {
				preopen = append(preopen, p)
			}
		}
		st, err := phase.NewLayoutStore(t.layoutDir, preopen...)
		return st, platform.Exit(platform.CodeGeneric, err)
	case t.daemon:
		return daemonStore(ctx, s)
	}
	return phase.NewRegistryStore(reg), nil
}

// daemonStore connects to the docker daemon named by DOCKER_HOST (default
// unix:///var/run/docker.sock) and keeps a few connections open for after
// the privilege drop (TGT-3, TGT-4).
func daemonStore(ctx context.Context, s *Session) (phase.ImageStore, error) {
	client, err := docker.New(ctx, "", docker.WithLookupEnv(s.Env))
	if err != nil {
		return nil, platform.Exit(platform.CodeGeneric, errors.Wrap(err, "connecting to the docker daemon"))
	}
	if err := client.Predial(ctx, 4); err != nil {
		return nil, platform.Exit(platform.CodeGeneric, errors.Wrap(err, "connecting to the docker daemon"))
	}
	return phase.NewDaemonStore(client), nil
}

// layoutDir is the -layout-dir the exporter writes to, handed to the build
// user like the layers directory (PRIV-2): the image is written after the
// privilege drop. "" when not exporting to a layout.
func layoutDir(useLayout bool, dir string) string {
	if !useLayout {
		return ""
	}
	return dir
}
