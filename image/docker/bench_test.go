package docker

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// Loading one layer of 100 MiB of random bytes, four ways:
//
//	go test ./image/docker -run '^$' -bench . -benchtime 3x
const benchLayerSize = 100 << 20

// fileLayer is an uncompressed layer tar in a file, with its size known,
// like the lifecycle's own layers.
type fileLayer struct {
	path   string
	size   int64
	diffID v1.Hash
}

func (l fileLayer) Digest() (v1.Hash, error) { return l.diffID, nil }
func (l fileLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }
func (l fileLayer) Uncompressed() (io.ReadCloser, error) {
	return os.Open(l.path)
}
func (l fileLayer) Compressed() (io.ReadCloser, error)  { return l.Uncompressed() }
func (l fileLayer) Size() (int64, error)                { return l.size, nil }
func (l fileLayer) UncompressedSize() (int64, error)    { return l.size, nil }
func (l fileLayer) MediaType() (types.MediaType, error) { return types.DockerLayer, nil }

// unsizedLayer hides UncompressedSize (its own has another signature):
// Write spools it.
type unsizedLayer struct{ fileLayer }

func (unsizedLayer) UncompressedSize() {}

// benchImage is an image of one layer holding size random bytes.
func benchImage(b *testing.B, size int64) (v1.Image, fileLayer) {
	b.Helper()
	p := filepath.Join(b.TempDir(), "layer.tar")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	tw := tar.NewWriter(f)
	if err := tw.WriteHeader(&tar.Header{Name: "random", Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(tw, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	r, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	h, n, err := v1.SHA256(r)
	r.Close()
	if err != nil {
		b.Fatal(err)
	}
	l := fileLayer{path: p, size: n, diffID: h}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		b.Fatal(err)
	}
	cfg, _ := img.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		b.Fatal(err)
	}
	return img, l
}

func benchLoad(b *testing.B, load func(ctx context.Context, c *Client, tag string) error) {
	ctx := context.Background()
	c, err := New(ctx, daemon.Host())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tag := "cnb-lifecycle-test/docker-bench:latest"
	b.SetBytes(benchLayerSize)
	for b.Loop() {
		if err := load(ctx, c, tag); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := c.Remove(ctx, tag); err != nil { // its layer goes too
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkWrite is Client.Write of a layer that knows its size.
func BenchmarkWrite(b *testing.B) {
	img, _ := benchImage(b, benchLayerSize)
	benchLoad(b, func(ctx context.Context, c *Client, tag string) error {
		_, err := c.Write(ctx, img, tag)
		return err
	})
}

// BenchmarkWriteSpooled is Client.Write of a layer that does not know its
// size, spooled to a temporary file first.
func BenchmarkWriteSpooled(b *testing.B) {
	_, l := benchImage(b, benchLayerSize)
	img, err := mutate.AppendLayers(empty.Image, unsizedLayer{l})
	if err != nil {
		b.Fatal(err)
	}
	benchLoad(b, func(ctx context.Context, c *Client, tag string) error {
		_, err := c.Write(ctx, img, tag)
		return err
	})
}

// ggcrImage is the image of benchImage with the layer as
// go-containerregistry makes it from a file: its Compressed() gzips.
func ggcrImage(b *testing.B) v1.Image {
	b.Helper()
	img, l := benchImage(b, benchLayerSize)
	gl, err := tarball.LayerFromFile(l.path)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		b.Fatal(err)
	}
	gimg, err := mutate.AppendLayers(empty.Image, gl)
	if err != nil {
		b.Fatal(err)
	}
	if gimg, err = mutate.ConfigFile(gimg, cfg); err != nil {
		b.Fatal(err)
	}
	if _, err := gimg.Manifest(); err != nil { // the layer digest, once
		b.Fatal(err)
	}
	return gimg
}

// BenchmarkTarballLoad streams ggcr's tarball writer (gzip) into
// POST /images/load, as ggcr's daemon.Write does.
func BenchmarkTarballLoad(b *testing.B) {
	img := ggcrImage(b)
	benchLoad(b, func(ctx context.Context, c *Client, tag string) error {
		testutil.LoadImage(b, daemon, img, tag)
		return nil
	})
}

// BenchmarkDockerCLILoad is `docker load -i` of a ggcr tarball file made
// beforehand (gzip layers; the file is not timed).
func BenchmarkDockerCLILoad(b *testing.B) {
	img := ggcrImage(b)
	p := filepath.Join(b.TempDir(), "image.tar")
	tag := "cnb-lifecycle-test/docker-bench:latest"
	ref, _ := name.NewTag(tag)
	if err := tarball.WriteToFile(p, ref, img); err != nil {
		b.Fatal(err)
	}
	benchLoad(b, func(ctx context.Context, c *Client, tag string) error {
		out, err := daemon.Command("load", "-q", "-i", p).CombinedOutput()
		if err != nil {
			b.Fatalf("docker load: %v\n%s", err, out)
		}
		return nil
	})
}

// BenchmarkReadLayer is Client.Image of the loaded image, then reading its
// layer (one docker save).
func BenchmarkReadLayer(b *testing.B) {
	img, _ := benchImage(b, benchLayerSize)
	ctx := context.Background()
	c, err := New(ctx, daemon.Host())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tag := "cnb-lifecycle-test/docker-bench-read:latest"
	if _, err := c.Write(ctx, img, tag); err != nil {
		b.Fatal(err)
	}
	defer c.Remove(ctx, tag)
	b.SetBytes(benchLayerSize)
	for b.Loop() {
		got, _, err := c.Image(ctx, tag)
		if err != nil {
			b.Fatal(err)
		}
		ls, _ := got.Layers()
		rc, err := ls[0].Uncompressed()
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWritePresent writes a small layer over a 100 MiB base that is in
// the daemon, naming it in present (with=1) or not (with=0).
func BenchmarkWritePresent(b *testing.B) {
	base, _ := benchImage(b, benchLayerSize)
	ctx := context.Background()
	c, err := New(ctx, daemon.Host())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	baseTag := "cnb-lifecycle-test/docker-bench-base:latest"
	if _, err := c.Write(ctx, base, baseTag); err != nil {
		b.Fatal(err)
	}
	defer c.Remove(ctx, baseTag)
	_, small := benchImage(b, 1<<10)
	app, err := mutate.AppendLayers(base, small)
	if err != nil {
		b.Fatal(err)
	}
	cfg, _ := base.ConfigFile()
	for _, tc := range []struct {
		name    string
		present [][]v1.Hash
	}{{"with=0", nil}, {"with=1", [][]v1.Hash{cfg.RootFS.DiffIDs}}} {
		b.Run(tc.name, func(b *testing.B) {
			tag := "cnb-lifecycle-test/docker-bench-app:latest"
			for b.Loop() {
				if _, err := c.Write(ctx, app, tag, tc.present...); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := c.Remove(ctx, tag); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkProduce measures only the client's side: the archive Write
// streams, and ggcr's tarball of the same image, written to io.Discard.
func BenchmarkProduce(b *testing.B) {
	img, _ := benchImage(b, benchLayerSize)
	raw, err := img.RawConfigFile()
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("archive", func(b *testing.B) {
		c := &Client{}
		p := plan{tag: "a:b", config: raw, diffIDs: cfg.RootFS.DiffIDs}
		b.SetBytes(benchLayerSize)
		for b.Loop() {
			if err := c.writeArchive(context.Background(), io.Discard, img, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ggcr-tarball", func(b *testing.B) {
		gimg := ggcrImage(b)
		ref, _ := name.NewTag("a:b")
		b.SetBytes(benchLayerSize)
		for b.Loop() {
			if err := tarball.Write(ref, gimg, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}
