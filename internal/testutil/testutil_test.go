package testutil_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// TestRegistryRoundTrip pushes a busybox image to a real registry, reads it
// back, asks skopeo about it and stops the registry.
func TestRegistryRoundTrip(t *testing.T) {
	reg, err := testutil.LaunchRegistry(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Stop() })
	if !strings.HasPrefix(reg.Host(), "127.0.0.1:") {
		t.Errorf("Host() = %q, want 127.0.0.1:PORT", reg.Host())
	}
	ref := reg.Ref("test/busybox:1.35")
	if want := reg.Host() + "/test/busybox:1.35"; ref != want {
		t.Errorf("Ref = %q, want %q", ref, want)
	}

	img := testutil.BusyboxImage(t, testutil.WithStackID("io.cnb-lifecycle.test.stack"))
	testutil.Push(t, img, ref)
	want, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}

	got := testutil.Pull(t, ref)
	if err := validate.Image(got); err != nil {
		t.Fatalf("validate.Image(pulled): %v", err)
	}
	if d, err := got.Digest(); err != nil || d != want {
		t.Errorf("pulled digest = %v (%v), want %v", d, err, want)
	}
	if d := testutil.Digest(t, ref); d != want {
		t.Errorf("Digest(%s) = %v, want %v", ref, d, want)
	}
	cfg, err := got.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		testutil.LabelBaseID:        testutil.DefaultBaseID,
		testutil.LabelDistroName:    "busybox",
		testutil.LabelDistroVersion: "1.35",
		testutil.LabelStackID:       "io.cnb-lifecycle.test.stack",
	} {
		if cfg.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, cfg.Config.Labels[k], v)
		}
	}

	// An independent client sees the same manifest.
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Fatal("skopeo is not on PATH: run scripts/test-setup.sh")
	}
	out, err := testutil.Isolate(exec.Command(skopeo, "inspect", "--tls-verify=false", "docker://"+ref)).Output()
	if err != nil {
		t.Fatalf("skopeo inspect: %v\n%s", err, stderrOf(err))
	}
	var inspect struct {
		Digest string
		Labels map[string]string
	}
	if err := json.Unmarshal(out, &inspect); err != nil {
		t.Fatalf("skopeo inspect output: %v\n%s", err, out)
	}
	if inspect.Digest != want.String() {
		t.Errorf("skopeo inspect digest = %s, want %s", inspect.Digest, want)
	}
	if inspect.Labels[testutil.LabelBaseID] != testutil.DefaultBaseID {
		t.Errorf("skopeo inspect labels = %v", inspect.Labels)
	}

	// Stop ends the process and frees the port.
	pid := reg.PID()
	if err := reg.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := reg.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("registry process %d after Stop: kill -0 = %v, want ESRCH", pid, err)
	}
	conn, err := net.DialTimeout("tcp", reg.Host(), time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Stop", reg.Host())
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dialing %s after Stop: %v, want connection refused", reg.Host(), err)
	}
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}

// TestStartRegistry checks the registry's configuration: plain HTTP without
// authentication, deletes enabled.
func TestStartRegistry(t *testing.T) {
	reg := testutil.StartRegistry(t)
	resp, err := http.Get("http://" + reg.Host() + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v2/ = %s, want 200 OK", resp.Status)
	}

	img := testutil.RandomImage(t, 2, 512)
	ref := reg.Ref("random:latest")
	testutil.Push(t, img, ref)
	want, _ := img.Digest()
	if got := testutil.Digest(t, ref); got != want {
		t.Fatalf("Digest = %v, want %v", got, want)
	}
	byDigest, err := name.ParseReference(reg.Ref("random@"+want.String()), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Delete(byDigest); err != nil {
		t.Fatalf("deleting %s: %v", byDigest, err)
	}
	if _, err := remote.Head(byDigest); err == nil {
		t.Errorf("%s is still there after a delete", byDigest)
	}
}

// TestLaunchRegistryTempDir: a registry launched without a directory makes
// one and removes it when stopped.
func TestLaunchRegistryTempDir(t *testing.T) {
	reg, err := testutil.LaunchRegistry("")
	if err != nil {
		t.Fatal(err)
	}
	dir := reg.Dir()
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	if err := reg.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s after Stop: %v, want it removed", dir, err)
	}
}

func TestInProcessRegistry(t *testing.T) {
	host := testutil.InProcessRegistry(t)
	if !strings.HasPrefix(host, "127.0.0.1:") {
		t.Errorf("host = %q, want 127.0.0.1:PORT", host)
	}
	img := testutil.RandomImage(t, 1, 256)
	ref := host + "/unit/random:1"
	testutil.Push(t, img, ref)
	want, _ := img.Digest()
	if got := testutil.Digest(t, ref); got != want {
		t.Errorf("Digest = %v, want %v", got, want)
	}
	if err := validate.Image(testutil.Pull(t, ref)); err != nil {
		t.Errorf("validate.Image(pulled): %v", err)
	}
}

// member is what a test checks of one tar entry.
type member struct {
	typ        byte
	mode       int64
	uid, gid   int
	link, data string
}

func members(t *testing.T, l v1.Layer) map[string]member {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	ms := map[string]member{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return ms
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		ms[strings.TrimSuffix(h.Name, "/")] = member{h.Typeflag, h.Mode, h.Uid, h.Gid, h.Linkname, string(data)}
	}
}

func TestBusyboxImage(t *testing.T) {
	img := testutil.BusyboxImage(t)
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate.Image: %v", err)
	}
	if mt, _ := img.MediaType(); mt != types.DockerManifestSchema2 {
		t.Errorf("manifest media type = %s, want %s", mt, types.DockerManifestSchema2)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH || cfg.Variant != "" {
		t.Errorf("platform = %s/%s/%s, want linux/%s", cfg.OS, cfg.Architecture, cfg.Variant, runtime.GOARCH)
	}
	wantEnv := []string{"PATH=/usr/local/bin:/usr/bin:/bin", "CNB_USER_ID=1000", "CNB_GROUP_ID=1000"}
	if strings.Join(cfg.Config.Env, " ") != strings.Join(wantEnv, " ") {
		t.Errorf("Env = %q, want %q", cfg.Config.Env, wantEnv)
	}
	if cfg.Config.User != "1000:1000" {
		t.Errorf("User = %q, want 1000:1000", cfg.Config.User)
	}
	if _, ok := cfg.Config.Labels[testutil.LabelStackID]; ok {
		t.Errorf("the deprecated stack id label is there by default: %v", cfg.Config.Labels)
	}

	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	ms := members(t, layers[0])
	busybox, err := os.ReadFile(testutil.BusyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	if m := ms["bin/busybox"]; m.typ != tar.TypeReg || m.mode != 0o755 || !bytes.Equal([]byte(m.data), busybox) {
		t.Errorf("bin/busybox: type %c mode %o, %d bytes; want the machine's busybox, 0755", m.typ, m.mode, len(m.data))
	}
	for _, a := range []string{"sh", "ls", "cat", "echo", "env", "true"} {
		if m := ms["bin/"+a]; m.typ != tar.TypeSymlink || m.link != "busybox" {
			t.Errorf("bin/%s = %+v, want a symlink to busybox", a, m)
		}
	}
	if m := ms["tmp"]; m.typ != tar.TypeDir || m.mode != 0o1777 {
		t.Errorf("tmp: type %c mode %o, want a 1777 directory", m.typ, m.mode)
	}
	for _, d := range []string{"workspace", "layers"} {
		if m := ms[d]; m.typ != tar.TypeDir || m.uid != 1000 || m.gid != 1000 {
			t.Errorf("%s = %+v, want a directory owned by 1000:1000", d, m)
		}
	}
	for path, line := range map[string]string{
		"etc/os-release": "ID=busybox\n",
		"etc/passwd":     "cnb:x:1000:1000:",
		"etc/group":      "cnb:x:1000:",
	} {
		if !strings.Contains(ms[path].data, line) {
			t.Errorf("%s = %q, want a line %q", path, ms[path].data, line)
		}
	}
	if !strings.Contains(ms["etc/os-release"].data, `VERSION_ID="1.35"`) {
		t.Errorf("etc/os-release = %q, want VERSION_ID 1.35", ms["etc/os-release"].data)
	}
	if !strings.HasPrefix(ms["etc/passwd"].data, "root:x:0:0:") {
		t.Errorf("etc/passwd = %q, want root first", ms["etc/passwd"].data)
	}

	// The same options make the same image.
	again, _ := testutil.BusyboxImage(t).Digest()
	if d, _ := img.Digest(); d != again {
		t.Errorf("two builds differ: %s, %s", d, again)
	}
}

func TestBusyboxImageOptions(t *testing.T) {
	given, err := random.Layer(100, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	img := testutil.BusyboxImage(t,
		testutil.WithOCIMediaTypes(),
		testutil.WithPlatform("linux", "arm64", "v8"),
		testutil.WithDistro("busybox", "1.36"),
		testutil.WithBaseID("io.example.base"),
		testutil.WithUser(2000, 3000),
		testutil.WithEnv("PATH=/opt/bin:/bin", "FOO=bar"),
		testutil.WithLabels(map[string]string{"io.example.label": "x"}),
		testutil.WithFiles(map[string]string{"/opt/bin/hello": "#!/bin/sh\necho hi\n", "etc/motd": "hi\n"}),
		testutil.WithRandomLayers(2, 64),
		testutil.WithLayers(given),
	)
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate.Image: %v", err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("media types = %s, %s; want OCI", m.MediaType, m.Config.MediaType)
	}
	if len(m.Layers) != 5 {
		t.Fatalf("%d layers, want 5", len(m.Layers))
	}
	for i, l := range m.Layers {
		if l.MediaType != types.OCILayer {
			t.Errorf("layer %d media type = %s, want %s", i, l.MediaType, types.OCILayer)
		}
	}
	if d, _ := given.Digest(); m.Layers[4].Digest != d {
		t.Errorf("last layer = %s, want the given %s", m.Layers[4].Digest, d)
	}

	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != "arm64" || cfg.Variant != "v8" {
		t.Errorf("platform = %s/%s/%s, want linux/arm64/v8", cfg.OS, cfg.Architecture, cfg.Variant)
	}
	wantEnv := []string{"PATH=/opt/bin:/bin", "CNB_USER_ID=2000", "CNB_GROUP_ID=3000", "FOO=bar"}
	if strings.Join(cfg.Config.Env, " ") != strings.Join(wantEnv, " ") {
		t.Errorf("Env = %q, want %q", cfg.Config.Env, wantEnv)
	}
	if cfg.Config.User != "2000:3000" {
		t.Errorf("User = %q, want 2000:3000", cfg.Config.User)
	}
	for k, v := range map[string]string{
		testutil.LabelBaseID:        "io.example.base",
		testutil.LabelDistroVersion: "1.36",
		"io.example.label":          "x",
	} {
		if cfg.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, cfg.Config.Labels[k], v)
		}
	}

	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	root := members(t, layers[0])
	if !strings.Contains(root["etc/passwd"].data, "cnb:x:2000:3000:") {
		t.Errorf("etc/passwd = %q", root["etc/passwd"].data)
	}
	if !strings.Contains(root["etc/os-release"].data, `VERSION_ID="1.36"`) {
		t.Errorf("etc/os-release = %q", root["etc/os-release"].data)
	}
	files := members(t, layers[1])
	if m := files["opt/bin/hello"]; m.mode != 0o755 || m.data != "#!/bin/sh\necho hi\n" {
		t.Errorf("opt/bin/hello = %+v", m)
	}
	if m := files["etc/motd"]; m.mode != 0o644 || m.data != "hi\n" {
		t.Errorf("etc/motd = %+v", m)
	}
	for _, d := range []string{"opt", "opt/bin", "etc"} {
		if files[d].typ != tar.TypeDir {
			t.Errorf("the files layer lacks the directory %s", d)
		}
	}
}
