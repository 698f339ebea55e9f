package docker

import (
	"slices"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// podmanClient starts a private podman API service for the test and
// connects to it.
func podmanClient(t *testing.T) (*testutil.Docker, *Client) {
	t.Helper()
	p := testutil.StartPodman(t)
	c, err := New(testContext(t), p.Host())
	if err != nil {
		t.Fatalf("New(%s) = %v", p.Host(), err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return p, c
}

// podmanApp is a base image loaded into p, and an app image of two more
// layers on top of it as read back from p.
func podmanApp(t *testing.T, p *testutil.Docker, c *Client, baseTag string) (base, app v1.Image) {
	t.Helper()
	testutil.LoadImage(t, p, testutil.BusyboxImage(t, testutil.WithRandomLayers(1, 1000)), baseTag)
	base, _, err := c.Image(testContext(t), baseTag)
	if err != nil {
		t.Fatal(err)
	}
	sized := newSizedLayer(t, map[string]string{"workspace/app.sh": "#!/bin/sh\necho app\n"})
	app, err = mutate.Append(base, mutate.Addendum{Layer: sized}, mutate.Addendum{Layer: mustRandomLayer(t, 500)})
	if err != nil {
		t.Fatal(err)
	}
	return base, app
}

// TestPodmanWritePresent (issue 13, item 7): podman's Docker-compatible
// API refuses a docker-archive without every layer, so a write over a base
// the daemon has sends all layers there; the image loads, reads back and
// runs under podman.
func TestPodmanWritePresent(t *testing.T) {
	p, c := podmanClient(t)
	ctx := testContext(t)
	base, app := podmanApp(t, p, c, "cnb-lifecycle-test/podman-base:1")
	entries := recordEntries(c)
	id, err := c.Write(ctx, app, "cnb-lifecycle-test/podman-app:1", diffIDs(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(entries()), len(diffIDs(t, app))+2; got != want {
		t.Errorf("archive members %v: %d, want all %d layers, the config and manifest.json", entries(), got, want)
	}
	if cfg, _ := app.ConfigName(); id != cfg.String() {
		t.Errorf("Write() = %s, want the config digest %s", id, cfg)
	}
	// podman qualifies the short name as localhost/...
	loaded, _, err := c.Image(ctx, "localhost/cnb-lifecycle-test/podman-app:1")
	if err != nil {
		t.Fatal(err)
	}
	if g, w := diffIDs(t, loaded), diffIDs(t, app); !slices.Equal(g, w) {
		t.Errorf("podman has RootFS %v, want %v", g, w)
	}
	out, err := p.Podman("run", "--rm", "--network", "none", "localhost/cnb-lifecycle-test/podman-app:1", "/workspace/app.sh").CombinedOutput()
	if err != nil || string(out) != "app\n" {
		t.Errorf("podman run /workspace/app.sh = %q, %v", out, err)
	}
}

// TestPodmanRefusedPartialFallsBack: a daemon that refuses a partial
// archive, unknown as such beforehand, gets the whole archive once more,
// and every layer from then on.
func TestPodmanRefusedPartialFallsBack(t *testing.T) {
	p, c := podmanClient(t)
	ctx := testContext(t)
	base, app := podmanApp(t, p, c, "cnb-lifecycle-test/podman-base:2")
	c.storeKnown, c.fullLoads = true, false // as if the engine said nothing
	entries := recordEntries(c)
	if _, err := c.Write(ctx, app, "cnb-lifecycle-test/podman-app:2", diffIDs(t, base)); err != nil {
		t.Fatal(err)
	}
	n := len(diffIDs(t, app))
	all := n + 2
	partial := all - len(diffIDs(t, base))
	if got := len(entries()); got != partial+all {
		t.Errorf("archive members %v: %d, want a partial archive (%d) then a whole one (%d)", entries(), got, partial, all)
	}
	if !c.fullLoads {
		t.Errorf("after a refused partial load, the client still sends partial archives")
	}
	before := len(entries())
	if _, err := c.Write(ctx, app, "cnb-lifecycle-test/podman-app:3", diffIDs(t, base)); err != nil {
		t.Fatal(err)
	}
	if got := len(entries()) - before; got != all {
		t.Errorf("second write sent %d members, want all %d at once", got, all)
	}
	out, err := p.Podman("run", "--rm", "--network", "none", "localhost/cnb-lifecycle-test/podman-app:3", "/workspace/app.sh").CombinedOutput()
	if err != nil || string(out) != "app\n" {
		t.Errorf("podman run /workspace/app.sh = %q, %v", out, err)
	}
}
