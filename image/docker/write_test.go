package docker

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// sizedLayer is an uncompressed layer in memory that knows its size, as
// the lifecycle's own layers do; it counts how often it is read.
type sizedLayer struct {
	data   []byte
	diffID v1.Hash // what it claims
	reads  *int
}

var _ uncompressedSizer = sizedLayer{}

func newSizedLayer(t *testing.T, files map[string]string) sizedLayer {
	t.Helper()
	img := testutil.BusyboxImage(t, testutil.WithFiles(files))
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ls[len(ls)-1].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	h, _, _ := v1.SHA256(bytes.NewReader(data))
	return sizedLayer{data: data, diffID: h, reads: new(int)}
}

func (l sizedLayer) Digest() (v1.Hash, error) { return l.diffID, nil }
func (l sizedLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }
func (l sizedLayer) Uncompressed() (io.ReadCloser, error) {
	*l.reads++
	return io.NopCloser(bytes.NewReader(l.data)), nil
}
func (l sizedLayer) Compressed() (io.ReadCloser, error)  { return l.Uncompressed() }
func (l sizedLayer) Size() (int64, error)                { return int64(len(l.data)), nil }
func (l sizedLayer) UncompressedSize() (int64, error)    { return int64(len(l.data)), nil }
func (l sizedLayer) MediaType() (types.MediaType, error) { return types.DockerLayer, nil }

// recordEntries makes c record the archive members Write sends.
func recordEntries(c *Client) func() []string {
	var mu sync.Mutex
	var names []string
	c.onEntry = func(name string) {
		mu.Lock()
		names = append(names, name)
		mu.Unlock()
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(names)
	}
}

// checkLoaded checks that ref in the daemon is img: the ID Write returned,
// which is the digest of img's config, and img's diffIDs.
func checkLoaded(t *testing.T, c *Client, ref string, img v1.Image, id string) {
	t.Helper()
	want, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	if id != want.String() {
		t.Errorf("Write() = %s, want the config digest %s", id, want)
	}
	got, err := daemon.ImageID(ref)
	if err != nil {
		t.Fatal(err)
	}
	if got != id {
		t.Errorf("inspect %s: Id %s, want Write's %s", ref, got, id)
	}
	loaded, _, err := c.Image(testContext(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := diffIDs(t, loaded), diffIDs(t, img); !slices.Equal(g, w) {
		t.Errorf("inspect %s: RootFS %v, want %v", ref, g, w)
	}
}

// TestWrite writes a busybox image with more layers, of both kinds (with
// and without UncompressedSize), and runs it.
func TestWrite(t *testing.T) {
	ctx := testContext(t)
	c := newClient(t)
	entries := recordEntries(c)
	sized := newSizedLayer(t, map[string]string{"workspace/hello.txt": "hi from a layer\n"})
	img := testutil.BusyboxImage(t,
		testutil.WithRandomLayers(1, 10000),
		testutil.WithLayers(sized),
		testutil.WithLabels(map[string]string{"io.cnb.test": "write"}))
	tag := testTag(t, c)

	id, err := c.Write(ctx, img, tag)
	if err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, c, tag, img, id)
	if *sized.reads != 1 {
		t.Errorf("the sized layer was read %d times, want 1", *sized.reads)
	}
	var want []string
	for _, d := range diffIDs(t, img) {
		want = append(want, d.Hex+".tar")
	}
	cfgName, _ := img.ConfigName()
	want = append(want, cfgName.Hex+".json", "manifest.json")
	if got := entries(); !slices.Equal(got, want) {
		t.Errorf("archive members %v, want %v", got, want)
	}
	if out := run(t, "run", "--rm", "--network", "none", tag, "/bin/busybox", "echo", "hi"); strings.TrimSpace(out) != "hi" {
		t.Errorf("docker run %s echo hi = %q", tag, out)
	}
	if out := run(t, "run", "--rm", "--network", "none", tag, "/bin/cat", "/workspace/hello.txt"); out != "hi from a layer\n" {
		t.Errorf("docker run %s cat /workspace/hello.txt = %q", tag, out)
	}
}

// TestWritePresent writes an app image over a base already in the
// daemon: the base's layers are not sent, and docker takes them from its
// layer store.
func TestWritePresent(t *testing.T) {
	ctx := testContext(t)
	c := newClient(t)
	base := testutil.BusyboxImage(t, testutil.WithRandomLayers(2, 1000))
	baseTag := testTag(t, c)
	testutil.LoadImage(t, daemon, base, baseTag)
	runImage, _, err := c.Image(ctx, baseTag)
	if err != nil {
		t.Fatal(err)
	}
	sized := newSizedLayer(t, map[string]string{"workspace/app.sh": "#!/bin/sh\necho app\n"})
	app, err := mutate.Append(runImage, mutate.Addendum{Layer: sized}, mutate.Addendum{Layer: mustRandomLayer(t, 500)})
	if err != nil {
		t.Fatal(err)
	}
	entries := recordEntries(c)
	tag := testTag(t, c)
	unrelated := []v1.Hash{mustDiffID(t, mustRandomLayer(t, 10))}
	id, err := c.Write(ctx, app, tag, unrelated, diffIDs(t, runImage))
	if err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, c, tag, app, id)
	all := diffIDs(t, app)
	cfgName, _ := app.ConfigName()
	want := []string{all[3].Hex + ".tar", all[4].Hex + ".tar", cfgName.Hex + ".json", "manifest.json"}
	if got := entries(); !slices.Equal(got, want) {
		t.Errorf("archive members %v, want only the app layers %v", got, want)
	}
	if runImage.(*daemonImage).saved != nil {
		t.Errorf("writing over a present base saved the base")
	}
	if out := run(t, "run", "--rm", "--network", "none", tag, "/workspace/app.sh"); out != "app\n" {
		t.Errorf("docker run %s /workspace/app.sh = %q", tag, out)
	}

	// The same archive without the base image in the daemon fails: the
	// daemon really took the layers from its store.
	if err := c.Remove(ctx, tag); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(ctx, baseTag); err != nil {
		t.Fatal(err)
	}
	other := testutil.BusyboxImage(t, testutil.WithRandomLayers(1, 1000))
	otherApp, err := mutate.Append(other, mutate.Addendum{Layer: sized})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(ctx, otherApp, tag, diffIDs(t, other)); err == nil {
		t.Errorf("Write with a present list the daemon does not have succeeded")
	}
}

func mustDiffID(t *testing.T, l v1.Layer) v1.Hash {
	t.Helper()
	d, err := l.DiffID()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestWriteFailureKeepsTag: a failed load leaves the tag on the image it
// named before.
func TestWriteFailureKeepsTag(t *testing.T) {
	ctx := testContext(t)
	c := newClient(t)
	tag := testTag(t, c)
	old := testutil.BusyboxImage(t, testutil.WithLabels(map[string]string{"version": "old"}))
	oldID, err := c.Write(ctx, old, tag)
	if err != nil {
		t.Fatal(err)
	}

	good := newSizedLayer(t, map[string]string{"a": "a"})
	lying := newSizedLayer(t, map[string]string{"b": "b"})
	lying.diffID = good.diffID // claims another layer's diffID
	missingBase := testutil.BusyboxImage(t, testutil.WithRandomLayers(1, 100))
	for _, tc := range []struct {
		name    string
		img     v1.Image
		present [][]v1.Hash
		want    string
	}{
		{name: "wrong diffID", img: mustAppend(t, old, lying), want: "diffID"},
		{name: "missing layer file", img: missingBase, present: [][]v1.Hash{diffIDs(t, missingBase)}, want: "docker"},
		{name: "layer read error", img: mustAppend(t, old, failingLayer{good}), want: "layer broke"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Write(ctx, tc.img, tag, tc.present...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Write() = %v, want an error containing %q", err, tc.want)
			}
			t.Logf("Write() = %v", err)
			if !strings.Contains(err.Error(), tag) {
				t.Errorf("Write() = %v, want the error to name %s", err, tag)
			}
			id, err := daemon.ImageID(tag)
			if err != nil || id != oldID {
				t.Errorf("after the failed write, %s is %s (%v), want the old %s", tag, id, err, oldID)
			}
		})
	}
}

func mustAppend(t *testing.T, base v1.Image, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(base, layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// failingLayer breaks in the middle of its content.
type failingLayer struct{ sizedLayer }

func (l failingLayer) Uncompressed() (io.ReadCloser, error) {
	return io.NopCloser(io.MultiReader(bytes.NewReader(l.data[:len(l.data)/2]), errReader{})), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("layer broke") }

// TestWriteCancel cancels a write while the archive streams.
func TestWriteCancel(t *testing.T) {
	c := newClient(t)
	ctx, cancel := context.WithCancel(testContext(t))
	l := newSizedLayer(t, map[string]string{"c": "c"})
	img := mustAppend(t, testutil.BusyboxImage(t), blockingLayer{l, cancel})
	tag := testTag(t, c)
	if _, err := c.Write(ctx, img, tag); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write() = %v, want context.Canceled", err)
	}
	if _, err := daemon.ImageID(tag); err == nil {
		t.Errorf("a cancelled write tagged %s", tag)
	}
}

// blockingLayer cancels the write once half its content is read, then
// blocks until the read is abandoned.
type blockingLayer struct {
	sizedLayer
	cancel context.CancelFunc
}

func (l blockingLayer) Uncompressed() (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(l.data[:len(l.data)/2])
		l.cancel()
		// The reader closes the pipe when the write gives up.
	}()
	return pr, nil
}

// TestWriteDaemonLayers writes layers read from the daemon, as a rebase
// does: they are streamed from the saved image without a spool.
func TestWriteDaemonLayers(t *testing.T) {
	ctx := testContext(t)
	c := newClient(t)
	srcTag := testTag(t, c)
	testutil.LoadImage(t, daemon, testutil.BusyboxImage(t, testutil.WithFiles(map[string]string{"x/y": "z"})), srcTag)
	src, _, err := c.Image(ctx, srcTag)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := src.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Config.Labels["rebased"] = "yes"
	img, err := mutate.ConfigFile(src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tag := testTag(t, c)
	if err := c.Remove(ctx, srcTag); err != nil { // its layers go too
		t.Fatal(err)
	}
	if _, err := daemon.ImageID(srcTag); err == nil {
		t.Fatal("removed image still there")
	}
	// The layers come from docker save of the source, not from anywhere
	// else: with the source gone, the write fails.
	if _, err := c.Write(ctx, img, tag); !errors.Is(err, image.ErrNotFound) {
		t.Fatalf("Write of layers from a removed image = %v, want image.ErrNotFound", err)
	}

	testutil.LoadImage(t, daemon, testutil.BusyboxImage(t, testutil.WithFiles(map[string]string{"x/y": "z"})), srcTag)
	src, _, err = c.Image(ctx, srcTag)
	if err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.ConfigFile(src, cfg); err != nil {
		t.Fatal(err)
	}
	id, err := c.Write(ctx, img, tag)
	if err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, c, tag, img, id)
	if out := run(t, "run", "--rm", "--network", "none", tag, "/bin/cat", "/x/y"); out != "z" {
		t.Errorf("docker run cat /x/y = %q, want z", out)
	}
}

// TestWriteUntaggedTagRemove writes without a tag, then tags and removes.
func TestWriteUntaggedTagRemove(t *testing.T) {
	ctx := testContext(t)
	c := newClient(t)
	img := testutil.BusyboxImage(t, testutil.WithLabels(map[string]string{"untagged": "yes"}))
	id, err := c.Write(ctx, img, "")
	if err != nil {
		t.Fatal(err)
	}
	removeID(t, c, id)
	if want, _ := img.ConfigName(); id != want.String() {
		t.Errorf("Write(untagged) = %s, want %s", id, want)
	}
	if got, err := daemon.ImageID(id); err != nil || got != id {
		t.Errorf("inspect %s = %s, %v", id, got, err)
	}
	tag := testTag(t, c)
	if err := c.Tag(ctx, id, tag); err != nil {
		t.Fatal(err)
	}
	if got, err := daemon.ImageID(tag); err != nil || got != id {
		t.Errorf("after Tag, %s is %s (%v), want %s", tag, got, err, id)
	}
	if err := c.Tag(ctx, "sha256:0000000000000000000000000000000000000000000000000000000000000000", tag); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Tag(missing) = %v, want image.ErrNotFound", err)
	}
	if err := c.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Image(ctx, tag); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("after Remove(id), Image(%s) = %v, want image.ErrNotFound", tag, err)
	}
}

func TestSharedPrefix(t *testing.T) {
	h := func(s string) v1.Hash { return v1.Hash{Algorithm: "sha256", Hex: strings.Repeat(s, 64)} }
	a, b, c, d := h("a"), h("b"), h("c"), h("d")
	for _, tc := range []struct {
		name    string
		diffIDs []v1.Hash
		present [][]v1.Hash
		want    int
	}{
		{"none", []v1.Hash{a, b}, nil, 0},
		{"base", []v1.Hash{a, b, c}, [][]v1.Hash{{a, b}}, 2},
		{"longest of two", []v1.Hash{a, b, c}, [][]v1.Hash{{a}, {a, b, d}}, 2},
		{"previous image longer", []v1.Hash{a, b}, [][]v1.Hash{{a, b, c, d}}, 2},
		{"same layers, other order", []v1.Hash{a, b}, [][]v1.Hash{{b, a}}, 0},
		{"first differs", []v1.Hash{d, a}, [][]v1.Hash{{a}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sharedPrefix(tc.diffIDs, tc.present); got != tc.want {
				t.Errorf("sharedPrefix() = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestCheckRef(t *testing.T) {
	for ref, ok := range map[string]bool{
		"busybox":       true,
		"foo/bar:v1..2": true,
		"localhost:5000/a/b@sha256:" + strings.Repeat("0", 64): true,
		"sha256:" + strings.Repeat("f", 64):                    true,
		"":                                                     false,
		"a?b":                                                  false,
		"a#b":                                                  false,
		"a b":                                                  false,
		"../x":                                                 false,
		"a/../b":                                               false,
		"a//b":                                                 false,
		"a%2fb":                                                false,
	} {
		if err := checkRef(ref); (err == nil) != ok {
			t.Errorf("checkRef(%q) = %v, want ok %v", ref, err, ok)
		}
	}
}
