package docker

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// daemon is the Docker daemon of the tests: the one running, or a private
// one TestMain started.
var daemon *testutil.Docker

func TestMain(m *testing.M) {
	d, err := testutil.StartDocker()
	if err != nil {
		fmt.Fprintf(os.Stderr, "image/docker tests need a docker daemon: %v\n", err)
		os.Exit(1)
	}
	daemon = d
	code := m.Run()
	if err := d.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping dockerd: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// testContext is a context for one test, cancelled when it ends.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newClient connects to the test daemon and closes the client when the
// test ends.
func newClient(t *testing.T) *Client {
	t.Helper()
	c, err := New(testContext(t), daemon.Host())
	if err != nil {
		t.Fatalf("New(%s) = %v", daemon.Host(), err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var tagCount atomic.Int64

// testTag is a tag no other test uses; the image goes when the test ends.
func testTag(t *testing.T, c *Client) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	tag := fmt.Sprintf("cnb-lifecycle-test/docker-%s:%d-%d", name, os.Getpid(), tagCount.Add(1))
	t.Cleanup(func() {
		if err := c.Remove(context.Background(), tag); err != nil && !errors.Is(err, image.ErrNotFound) {
			t.Errorf("Remove(%s) = %v", tag, err)
		}
	})
	return tag
}

// removeID removes image id when the test ends, if it is still there.
func removeID(t *testing.T, c *Client, id string) {
	t.Cleanup(func() {
		if err := c.Remove(context.Background(), id); err != nil && !errors.Is(err, image.ErrNotFound) {
			t.Errorf("Remove(%s) = %v", id, err)
		}
	})
}

// run runs the docker CLI against the test daemon and returns its output.
func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := daemon.Command(args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// diffIDs of img's config.
func diffIDs(t *testing.T, img v1.Image) []v1.Hash {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cfg.RootFS.DiffIDs
}

// hashUncompressed is the sha256 of l's uncompressed content.
func hashUncompressed(t *testing.T, l v1.Layer) (v1.Hash, int64) {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h, n, err := v1.SHA256(rc)
	if err != nil {
		t.Fatal(err)
	}
	return h, n
}
