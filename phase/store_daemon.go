package phase

import (
	"context"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/image/docker"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// daemonStore keeps images in a docker daemon (CONFORMANCE TGT-3): images
// are named by reference or image ID, and written as one streamed docker
// archive of uncompressed layers.
type daemonStore struct {
	client *docker.Client
	logger *log.Logger
}

var _ ImageStore = daemonStore{}

// NewDaemonStore keeps images in the daemon client talks to.
func NewDaemonStore(client *docker.Client, logger *log.Logger) ImageStore {
	return daemonStore{client: client, logger: logger}
}

func (daemonStore) target() target { return targetDaemon }

// Read returns the image and its image ID.
func (s daemonStore) Read(ctx context.Context, ref string) (v1.Image, string, error) {
	return s.client.Image(ctx, ref)
}

// Write loads img once under the first name and tags it with the others;
// layers whose chains the daemon holds (present) are not handed over again.
// The report carries the image ID (EXP-15).
func (s daemonStore) Write(ctx context.Context, img v1.Image, names []string, present [][]v1.Hash) (files.Report, error) {
	var report files.Report
	if len(names) == 0 {
		return report, errors.New("no image name")
	}
	id, err := s.client.Write(ctx, img, names[0], present...)
	if err != nil {
		s.logger.Errorf("saving %s: %s", names[0], err)
		return report, errors.Errorf("saving image %s", names[0])
	}
	short := strings.TrimPrefix(id, "sha256:")
	if len(short) > 12 {
		short = short[:12]
	}
	s.logger.Infof("*** Images (%s):", short)
	s.logger.Infof("      %s", names[0])
	report.Image.Tags = append(report.Image.Tags, names[0])
	var failed []string
	for _, n := range names[1:] {
		if err := s.client.Tag(ctx, id, n); err != nil {
			s.logger.Errorf("saving %s: %s", n, err)
			failed = append(failed, n)
			continue
		}
		s.logger.Infof("      %s", n)
		report.Image.Tags = append(report.Image.Tags, n)
	}
	if len(failed) > 0 {
		return report, errors.Errorf("saving image %s", strings.Join(failed, ", "))
	}
	report.Image.ImageID = id
	s.logger.Infof("*** Image ID: %s", id)
	return report, nil
}

// SameRegistry compares the registries of two names; the daemon is asked
// nothing (every run image candidate counts as readable, FIL-12).
func (s daemonStore) SameRegistry(a, b string) bool { return sameRegistry(a, b) }
