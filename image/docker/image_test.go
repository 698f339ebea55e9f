package docker

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

func TestImageNotFound(t *testing.T) {
	c := newClient(t)
	for _, ref := range []string{
		"cnb-lifecycle-test/docker-missing:never",
		"sha256:0000000000000000000000000000000000000000000000000000000000000000",
	} {
		if _, _, err := c.Image(testContext(t), ref); !errors.Is(err, image.ErrNotFound) {
			t.Errorf("Image(%s) = %v, want image.ErrNotFound", ref, err)
		}
	}
	if err := c.Remove(testContext(t), "cnb-lifecycle-test/docker-missing:never"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Remove(missing) = %v, want image.ErrNotFound", err)
	}
	if _, _, err := c.Image(testContext(t), "bad?ref"); err == nil {
		t.Errorf("Image(bad?ref) = nil error")
	}
}

// TestImage reads an image that ggcr's tarball writer loaded (TGT-3).
func TestImage(t *testing.T) {
	ctx := testContext(t)
	c := newClient(t)
	orig := testutil.BusyboxImage(t,
		testutil.WithEnv("GREETING=hello"),
		testutil.WithLabels(map[string]string{"io.cnb.test": "image"}),
		testutil.WithFiles(map[string]string{"app/run": "#!/bin/sh\necho run\n"}),
		testutil.WithRandomLayers(1, 4096),
	)
	ocfg, err := orig.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	ocfg = ocfg.DeepCopy()
	ocfg.Config.Entrypoint = []string{"/bin/busybox", "echo"}
	ocfg.Config.ExposedPorts = map[string]struct{}{"8080/tcp": {}}
	ocfg.Config.StopSignal = "SIGINT"
	if orig, err = mutate.ConfigFile(orig, ocfg); err != nil {
		t.Fatal(err)
	}
	tag := testTag(t, c)
	wantID := testutil.LoadImage(t, daemon, orig, tag)

	img, id, err := c.Image(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	if id != wantID {
		t.Errorf("Image(%s) id = %s, want inspect's %s", tag, id, wantID)
	}
	checkConfig(t, img, ocfg)
	checkNoSave(t, img)
	checkLayers(t, img, orig)

	// By image ID too; with the content read first, its manifest has the
	// layer sizes and the image passes validate.Image. Fast: validate
	// gunzips Compressed(), which here is the uncompressed tar
	// (checkLayers checked the content).
	byID, id2, err := c.Image(ctx, id)
	if err != nil || id2 != id {
		t.Fatalf("Image(%s) = %s, %v", id, id2, err)
	}
	if got := diffIDs(t, byID); !slices.Equal(got, ocfg.RootFS.DiffIDs) {
		t.Errorf("Image(id) diffIDs = %v, want %v", got, ocfg.RootFS.DiffIDs)
	}
	ls, err := byID.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if _, err := l.Size(); err != nil {
			t.Fatal(err)
		}
	}
	if err := validate.Image(byID, validate.Fast); err != nil {
		t.Errorf("validate.Image(Image(%s)) = %v", id, err)
	}
}

// checkConfig compares the config of img, rebuilt from inspect, with want.
func checkConfig(t *testing.T, img v1.Image, want *v1.ConfigFile) {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"os", cfg.OS, want.OS},
		{"architecture", cfg.Architecture, want.Architecture},
		{"created", cfg.Created.Unix(), want.Created.Unix()},
		{"env", cfg.Config.Env, want.Config.Env},
		{"labels", cfg.Config.Labels, want.Config.Labels},
		{"entrypoint", cfg.Config.Entrypoint, want.Config.Entrypoint},
		{"cmd", cfg.Config.Cmd, want.Config.Cmd},
		{"user", cfg.Config.User, want.Config.User},
		{"working dir", cfg.Config.WorkingDir, want.Config.WorkingDir},
		{"exposed ports", cfg.Config.ExposedPorts, want.Config.ExposedPorts},
		{"stop signal", cfg.Config.StopSignal, want.Config.StopSignal},
		{"rootfs type", cfg.RootFS.Type, "layers"},
		{"diffIDs", cfg.RootFS.DiffIDs, want.RootFS.DiffIDs},
		{"history", len(cfg.History), 0},
	} {
		if g, w := jsonOf(t, c.got), jsonOf(t, c.want); g != w {
			t.Errorf("config %s = %s, want %s", c.what, g, w)
		}
	}
}

// checkNoSave checks that the config, the manifest and mutate.Append over
// img need no docker save.
func checkNoSave(t *testing.T, img v1.Image) {
	t.Helper()
	if _, err := img.ConfigName(); err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(diffIDs(t, img)); m.MediaType != types.DockerManifestSchema2 || len(m.Layers) != n {
		t.Errorf("Manifest() = %+v, want a Docker schema 2 manifest with %d layers", m, n)
	}
	app, err := mutate.Append(img, mutate.Addendum{Layer: mustRandomLayer(t, 100)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Manifest(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Digest(); err != nil {
		t.Fatal(err)
	}
	if img.(*daemonImage).saved != nil {
		t.Fatal("reading config and manifest saved the image")
	}
}

// checkLayers checks that the layers of img, fetched lazily, are orig's.
func checkLayers(t *testing.T, img, orig v1.Image) {
	t.Helper()
	want := diffIDs(t, orig)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != len(want) {
		t.Fatalf("Layers() has %d layers, want %d", len(layers), len(want))
	}
	for i, l := range layers {
		d, _ := l.DiffID()
		dg, _ := l.Digest()
		mt, _ := l.MediaType()
		if d != want[i] || dg != d || mt != types.DockerLayer {
			t.Errorf("layer %d: DiffID %s, Digest %s, MediaType %s; want %s twice, %s", i, d, dg, mt, want[i], types.DockerLayer)
		}
		h, n := hashUncompressed(t, l)
		if h != d {
			t.Errorf("layer %d: sha256 of Uncompressed() = %s, want its diffID %s", i, h, d)
		}
		ol, err := orig.LayerByDiffID(d)
		if err != nil {
			t.Fatal(err)
		}
		if oh, on := hashUncompressed(t, ol); h != oh || n != on {
			t.Errorf("layer %d: %s (%d bytes), want the original's %s (%d bytes)", i, h, n, oh, on)
		}
		if size, err := l.Size(); err != nil || size != n {
			t.Errorf("layer %d: Size() = %d, %v, want %d", i, size, err, n)
		}
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		ch, _, err := v1.SHA256(rc)
		rc.Close()
		if err != nil || ch != dg {
			t.Errorf("layer %d: sha256 of Compressed() = %s, %v, want Digest() %s", i, ch, err, dg)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func mustRandomLayer(t *testing.T, size int64) v1.Layer {
	t.Helper()
	l, err := random.Layer(size, types.DockerLayer)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestOpenArchive reads the archive layouts docker save writes, built
// here: ggcr's tarball (gzip layers, as a containerd image store saves;
// zstd too), Docker 25+'s OCI style (blobs/sha256) and the classic one with
// a symlink for a repeated layer.
func TestOpenArchive(t *testing.T) {
	l1, l2 := mustRandomLayer(t, 3000), mustRandomLayer(t, 5000)
	img := mustAppend(t, testutil.RandomImage(t, 1, 1000), l1, l2, l1)
	ids := diffIDs(t, img)
	for _, tc := range []struct{ name, path, encoding string }{
		{"ggcr gzip", ggcrArchive(t, img), "gzip"},
		{"ggcr zstd", zstdArchive(t, img), "other"},
		{"oci style", ociArchive(t, img), ""},
		{"classic", classicArchive(t, img), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Open(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := f.Stat()
			a, err := openArchive(f, st.Size())
			if err != nil {
				t.Fatal(err)
			}
			defer a.f.Close()
			for _, d := range ids {
				if b := a.layers[d]; b.encoding != tc.encoding {
					t.Errorf("layer %s (%s) encoding = %q, want %q", d, b.name, b.encoding, tc.encoding)
				}
				rc, err := a.open(d)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				if want := layerData(t, img, d); !bytes.Equal(got, want) {
					t.Errorf("layer %s: %d bytes differ from the original's %d", d, len(got), len(want))
				}
				if n, err := a.size(d); err != nil || n != int64(len(got)) {
					t.Errorf("size(%s) = %d, %v, want %d", d, n, err, len(got))
				}
			}
		})
	}
}

// layerData is the uncompressed content of img's layer d.
func layerData(t *testing.T, img v1.Image, d v1.Hash) []byte {
	t.Helper()
	l, err := img.LayerByDiffID(d)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var archiveTag, _ = name.NewTag("example.com/a:b")

// ggcrArchive is ggcr's tarball of img, with gzip layers.
func ggcrArchive(t *testing.T, img v1.Image) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ggcr.tar")
	if err := tarball.WriteToFile(p, archiveTag, img); err != nil {
		t.Fatal(err)
	}
	return p
}

// zstdArchive is ggcr's tarball of img's layers compressed with zstd.
func zstdArchive(t *testing.T, img v1.Image) string {
	t.Helper()
	zimg := empty.Image
	for _, d := range diffIDs(t, img) {
		data := layerData(t, img, d)
		zl, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}, tarball.WithCompression(compression.ZStd))
		if err != nil {
			t.Fatal(err)
		}
		zimg = mustAppend(t, zimg, zl)
	}
	return ggcrArchive(t, zimg)
}

// ociArchive is img as Docker 25+ saves it: blobs/sha256/<hex>.
func ociArchive(t *testing.T, img v1.Image) string {
	t.Helper()
	raw, cfgName := rawConfig(t, img)
	ids := diffIDs(t, img)
	var members []member
	var layers []string
	for _, d := range ids {
		layers = append(layers, "blobs/sha256/"+d.Hex)
	}
	for _, d := range slices.Compact(slices.Clone(ids)) {
		members = append(members, member{name: "blobs/sha256/" + d.Hex, data: layerData(t, img, d)})
	}
	members = append(members,
		member{name: "blobs/sha256/" + cfgName.Hex, data: raw},
		member{name: "index.json", data: []byte(`{"schemaVersion":2,"manifests":[]}`)},
		member{name: "manifest.json", data: manifestJSON(t, "blobs/sha256/"+cfgName.Hex, layers)})
	return writeTar(t, members)
}

// classicArchive is img as Docker before 25 saves it: <dir>/layer.tar, a
// repeated layer a symlink to the first.
func classicArchive(t *testing.T, img v1.Image) string {
	t.Helper()
	raw, cfgName := rawConfig(t, img)
	var members []member
	var layers []string
	seen := map[v1.Hash]string{}
	for i, d := range diffIDs(t, img) {
		dir := string(rune('a'+i)) + "0"
		layers = append(layers, dir+"/layer.tar")
		if first, ok := seen[d]; ok {
			members = append(members, member{name: dir + "/layer.tar", link: "../" + first + "/layer.tar"})
			continue
		}
		seen[d] = dir
		members = append(members, member{name: dir + "/", dir: true}, member{name: dir + "/layer.tar", data: layerData(t, img, d)})
	}
	members = append(members,
		member{name: cfgName.Hex + ".json", data: raw},
		member{name: "manifest.json", data: manifestJSON(t, cfgName.Hex+".json", layers)})
	return writeTar(t, members)
}

func rawConfig(t *testing.T, img v1.Image) ([]byte, v1.Hash) {
	t.Helper()
	raw, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return raw, h
}

type member struct {
	name, link string
	dir        bool
	data       []byte
}

func manifestJSON(t *testing.T, config string, layers []string) []byte {
	data, err := json.Marshal([]map[string]any{{"Config": config, "RepoTags": nil, "Layers": layers}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeTar(t *testing.T, members []member) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg}
		switch {
		case m.dir:
			hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
		case m.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, m.link, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.data); err != nil && !m.dir && m.link == "" {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "archive.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
