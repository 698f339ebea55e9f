package layout

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// tool runs a command line tool the test needs, failing the test when it
// is not installed (Debian packages skopeo and umoci).
func tool(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed: run scripts/test-setup.sh (make setup)", name)
	}
	// skopeo, as root, writes a cache into /var/lib/containers: not here.
	out, err := testutil.Isolate(exec.Command(name, args...)).CombinedOutput()
	return string(out), err
}

func mustTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := tool(t, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// skopeoDigest is the digest skopeo inspect reports for an image.
func skopeoDigest(t *testing.T, transportRef string) string {
	t.Helper()
	out := mustTool(t, "skopeo", "--insecure-policy", "inspect", transportRef)
	var info struct{ Digest string }
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("skopeo inspect %s: %v\n%s", transportRef, err, out)
	}
	return info.Digest
}

// TestSkopeoOCI: skopeo reads an OCI image by its ref name (TGT-7) and
// copies it to another layout, which Read reads, unchanged.
func TestSkopeoOCI(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "app", "latest")
	digest := mustWrite(t, p, testutil.BusyboxImage(t, testutil.WithOCIMediaTypes()), "latest")

	if got := skopeoDigest(t, "oci:"+p+":latest"); got != digest.String() {
		t.Errorf("skopeo inspect oci:%s:latest: digest %s, want %s", p, got, digest)
	}
	other := filepath.Join(dir, "other")
	mustTool(t, "skopeo", "--insecure-policy", "copy", "oci:"+p+":latest", "oci:"+other+":x")
	img, got, err := Read(other, v1.Hash{})
	if err != nil {
		t.Fatalf("Read(skopeo's copy): %v", err)
	}
	if got != digest {
		t.Errorf("Read(skopeo's copy) = %v, want %v", got, digest)
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("validate.Image(skopeo's copy): %v", err)
	}
}

// TestSkopeoDocker: an image with Docker media types keeps them (TGT-8).
// skopeo (1.9) then finds it only without a ref name, "oci:<path>": with
// one, containers/image looks at OCI manifest descriptors only. This is how
// skopeo itself writes a Docker image to a layout (copy --format v2s2), and
// Read reads that.
func TestSkopeoDocker(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "app", "latest")
	digest := mustWrite(t, p, testutil.BusyboxImage(t), "latest")

	if got := skopeoDigest(t, "oci:"+p); got != digest.String() {
		t.Errorf("skopeo inspect oci:%s: digest %s, want %s", p, got, digest)
	}
	if out, err := tool(t, "skopeo", "--insecure-policy", "inspect", "oci:"+p+":latest"); err != nil {
		t.Logf("skopeo inspect oci:%s:latest (Docker media types) fails: %s", p, strings.TrimSpace(out))
	}

	// skopeo converts to OCI media types on copy into a layout.
	converted := filepath.Join(dir, "converted")
	mustTool(t, "skopeo", "--insecure-policy", "copy", "oci:"+p, "oci:"+converted+":x")
	img, _, err := Read(converted, v1.Hash{})
	if err != nil {
		t.Fatalf("Read(skopeo's copy): %v", err)
	}
	if mt, _ := img.MediaType(); mt != types.OCIManifestSchema1 {
		t.Errorf("skopeo's copy has media type %s", mt)
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("validate.Image(skopeo's copy): %v", err)
	}

	// skopeo writing Docker media types gives the same manifest as Write.
	v2s2 := filepath.Join(dir, "v2s2")
	mustTool(t, "skopeo", "--insecure-policy", "copy", "--format", "v2s2", "oci:"+p, "oci:"+v2s2+":x")
	if _, got, err := Read(v2s2, v1.Hash{}); err != nil || got != digest {
		t.Errorf("Read(skopeo's v2s2 copy) = %v, %v; want %v", got, err, digest)
	}
}

// TestUmoci: umoci unpacks an OCI image written by Write; it refuses Docker
// media types ("not implemented"), which the test only reports.
func TestUmoci(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "app")
	digest := mustWrite(t, p, testutil.BusyboxImage(t, testutil.WithOCIMediaTypes(),
		testutil.WithFiles(map[string]string{"workspace/hello.txt": "hello"})), "latest")

	out := mustTool(t, "umoci", "stat", "--json", "--image", p+":latest")
	if !strings.Contains(out, "testutil: busybox rootfs") {
		t.Errorf("umoci stat %s:latest = %s, want the image's history", p, out)
	}
	bundle := filepath.Join(dir, "bundle")
	args := []string{"unpack", "--image", p + ":latest", bundle}
	if os.Geteuid() != 0 {
		args = append([]string{"unpack", "--rootless"}, args[1:]...)
	}
	mustTool(t, "umoci", args...)
	for f, want := range map[string]string{
		"etc/os-release":      "ID=" + testutil.DefaultDistroName,
		"workspace/hello.txt": "hello",
	} {
		got, err := os.ReadFile(filepath.Join(bundle, "rootfs", f))
		if err != nil || !strings.Contains(string(got), want) {
			t.Errorf("unpacked %s = %q, %v; want it to hold %q", f, got, err, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(bundle, "rootfs", testutil.BusyboxPath)); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("unpacked %s: %v", testutil.BusyboxPath, err)
	}
	t.Logf("umoci unpacked %s (%s)", p, digest)

	docker := filepath.Join(dir, "docker")
	mustWrite(t, docker, testutil.BusyboxImage(t), "latest")
	if out, err := tool(t, "umoci", "stat", "--image", docker+":latest"); err != nil {
		t.Logf("umoci stat (Docker media types) fails: %s", strings.TrimSpace(out))
	}
}
