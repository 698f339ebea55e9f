package testutil

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BusyboxPath is where Debian's busybox-static package puts its binary.
const BusyboxPath = "/bin/busybox"

// The labels a CNB base image carries (Platform spec, "Run image").
const (
	LabelBaseID        = "io.buildpacks.base.id"
	LabelDistroName    = "io.buildpacks.base.distro.name"
	LabelDistroVersion = "io.buildpacks.base.distro.version"
	LabelStackID       = "io.buildpacks.stack.id" // deprecated
)

// What BusyboxImage makes unless told otherwise.
const (
	DefaultBaseID        = "io.cnb-lifecycle.test.busybox"
	DefaultDistroName    = "busybox"
	DefaultDistroVersion = "1.35"
	DefaultUID           = 1000
	DefaultGID           = 1000
	DefaultPath          = "/usr/local/bin:/usr/bin:/bin"
)

// BusyboxApplets are the names linked to busybox under /bin.
var BusyboxApplets = []string{"sh", "ls", "cat", "echo", "env", "true", "mkdir", "chmod", "cp", "rm", "id", "printf", "head", "sleep"}

// epoch is the time of every file in the layers BusyboxImage builds, so
// that the same options give the same image.
var epoch = time.Unix(0, 0).UTC()

// ImageOption changes what BusyboxImage builds.
type ImageOption func(*imageOptions)

type imageOptions struct {
	oci                    bool
	os, arch, variant      string
	baseID, stackID        string
	distroName, distroVers string
	uid, gid               int
	env                    []string
	labels                 map[string]string
	extra                  []extraLayer
}

// extraLayer is one layer added on top of the rootfs: a layer as given, or
// one BusyboxImage builds with the image's layer media type.
type extraLayer struct {
	bash       bool
	layer      v1.Layer
	files      map[string]string
	randomSize int64
}

// BashStaticPath is where Debian's bash-static package puts its binary.
const BashStaticPath = "/bin/bash-static"

// WithBash adds /bin/bash (Debian's bash-static) in a layer of its own, for
// run images whose processes need a shell: the launcher runs profile.d
// scripts and non-direct processes through bash.
func WithBash() ImageOption {
	return func(o *imageOptions) { o.extra = append(o.extra, extraLayer{bash: true}) }
}

// WithOCIMediaTypes makes an OCI image (manifest, config and layers);
// the default is Docker's v2 schema 2 media types.
func WithOCIMediaTypes() ImageOption { return func(o *imageOptions) { o.oci = true } }

// WithPlatform sets the config's os, architecture and variant (default
// linux, runtime.GOARCH, none). The busybox binary stays the machine's.
func WithPlatform(goos, arch, variant string) ImageOption {
	return func(o *imageOptions) { o.os, o.arch, o.variant = goos, arch, variant }
}

// WithBaseID sets the io.buildpacks.base.id label ("" leaves it out).
func WithBaseID(id string) ImageOption { return func(o *imageOptions) { o.baseID = id } }

// WithStackID sets the deprecated io.buildpacks.stack.id label, absent by
// default.
func WithStackID(id string) ImageOption { return func(o *imageOptions) { o.stackID = id } }

// WithDistro sets the distribution's name and version, in /etc/os-release
// (ID, VERSION_ID) and in the labels ("" leaves a label out).
func WithDistro(name, version string) ImageOption {
	return func(o *imageOptions) { o.distroName, o.distroVers = name, version }
}

// WithUser makes the cnb user uid:gid (default 1000:1000): /etc/passwd,
// /etc/group, CNB_USER_ID, CNB_GROUP_ID and the config's User.
func WithUser(uid, gid int) ImageOption {
	return func(o *imageOptions) { o.uid, o.gid = uid, gid }
}

// WithEnv adds KEY=VALUE entries to the config's Env; an entry replaces one
// with the same key.
func WithEnv(kv ...string) ImageOption {
	return func(o *imageOptions) { o.env = append(o.env, kv...) }
}

// WithLabels adds labels to the config, replacing those of the same name.
func WithLabels(labels map[string]string) ImageOption {
	return func(o *imageOptions) { maps.Copy(o.labels, labels) }
}

// WithLayers adds layers as they are on top of the rootfs, in order with the
// other extra layers.
func WithLayers(layers ...v1.Layer) ImageOption {
	return func(o *imageOptions) {
		for _, l := range layers {
			o.extra = append(o.extra, extraLayer{layer: l})
		}
	}
}

// WithFiles adds a layer holding files, path -> content, owned by root with
// their parent directories. A file whose content starts with "#!" is
// executable (0755), others are 0644.
func WithFiles(files map[string]string) ImageOption {
	return func(o *imageOptions) { o.extra = append(o.extra, extraLayer{files: maps.Clone(files)}) }
}

// WithRandomLayers adds n layers of size random bytes each (ggcr's
// random.Layer).
func WithRandomLayers(n int, size int64) ImageOption {
	return func(o *imageOptions) {
		for range n {
			o.extra = append(o.extra, extraLayer{randomSize: size})
		}
	}
}

// BusyboxImage builds a small CNB base image from the machine's static
// busybox (BusyboxPath): a rootfs layer with /bin/busybox, the
// BusyboxApplets linked to it, /etc/os-release, /etc/passwd and /etc/group
// with root and the cnb user, /tmp (1777), /workspace and /layers (owned by
// the cnb user); a config for linux/runtime.GOARCH with PATH, CNB_USER_ID,
// CNB_GROUP_ID, User uid:gid and the io.buildpacks.base.* labels. Options
// change it. It fails the test if busybox-static is not installed.
func BusyboxImage(t testing.TB, opts ...ImageOption) v1.Image {
	t.Helper()
	o := &imageOptions{
		os: "linux", arch: runtime.GOARCH,
		baseID:     DefaultBaseID,
		distroName: DefaultDistroName, distroVers: DefaultDistroVersion,
		uid: DefaultUID, gid: DefaultGID,
		labels: map[string]string{},
	}
	for _, opt := range opts {
		opt(o)
	}
	img, err := buildBusybox(o)
	if err != nil {
		t.Fatalf("testutil: building the busybox image: %v", err)
	}
	return img
}

func buildBusybox(o *imageOptions) (v1.Image, error) {
	busybox, err := readBusybox()
	if err != nil {
		return nil, err
	}
	layerType := types.DockerLayer
	img := empty.Image
	if o.oci {
		layerType = types.OCILayer
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	}

	rootfs, err := layerOf(rootfsEntries(o, busybox), layerType)
	if err != nil {
		return nil, err
	}
	adds := []mutate.Addendum{{Layer: rootfs, MediaType: layerType, History: v1.History{
		Created: v1.Time{Time: epoch}, CreatedBy: "testutil: busybox rootfs",
	}}}
	for i, e := range o.extra {
		l := e.layer
		switch {
		case l != nil:
		case e.bash:
			var data []byte
			if data, err = os.ReadFile(BashStaticPath); err != nil {
				return nil, fmt.Errorf("the static bash is missing: %v: %s (Debian package bash-static)", err, missingHint)
			}
			l, err = layerOf([]entry{dir("bin", 0o755, 0, 0), file("bin/bash", 0o755, data)}, layerType)
		case e.files != nil:
			l, err = layerOf(fileEntries(e.files), layerType)
		default:
			l, err = random.Layer(e.randomSize, layerType)
		}
		if err != nil {
			return nil, err
		}
		mt, err := l.MediaType()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.Addendum{Layer: l, MediaType: mt, History: v1.History{
			Created: v1.Time{Time: epoch}, CreatedBy: fmt.Sprintf("testutil: extra layer %d", i+1),
		}})
	}
	if img, err = mutate.Append(img, adds...); err != nil {
		return nil, err
	}

	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Created = v1.Time{Time: epoch}
	cfg.OS, cfg.Architecture, cfg.Variant = o.os, o.arch, o.variant
	cfg.Config.Env = mergeEnv([]string{
		"PATH=" + DefaultPath,
		"CNB_USER_ID=" + strconv.Itoa(o.uid),
		"CNB_GROUP_ID=" + strconv.Itoa(o.gid),
	}, o.env)
	cfg.Config.User = fmt.Sprintf("%d:%d", o.uid, o.gid)
	cfg.Config.WorkingDir = "/"
	cfg.Config.Cmd = []string{"/bin/sh"}
	labels := map[string]string{}
	for k, v := range map[string]string{
		LabelBaseID: o.baseID, LabelStackID: o.stackID,
		LabelDistroName: o.distroName, LabelDistroVersion: o.distroVers,
	} {
		if v != "" {
			labels[k] = v
		}
	}
	maps.Copy(labels, o.labels)
	cfg.Config.Labels = labels
	return mutate.ConfigFile(img, cfg)
}

// readBusybox reads BusyboxPath, which must be statically linked to run in
// an image without a C library.
func readBusybox() ([]byte, error) {
	data, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return nil, fmt.Errorf("the static busybox is missing: %v: %s (Debian package busybox-static)", err, missingHint)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", BusyboxPath, err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return nil, fmt.Errorf("%s is dynamically linked (Debian package busybox, not busybox-static): %s", BusyboxPath, missingHint)
		}
	}
	return data, nil
}

// entry is one member of a layer's tar.
type entry struct {
	hdr  tar.Header
	data []byte
}

func dir(name string, mode int64, uid, gid int) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: uid, Gid: gid}}
}

func file(name string, mode int64, data []byte) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))}, data: data}
}

func symlink(name, target string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}

func rootfsEntries(o *imageOptions, busybox []byte) []entry {
	osRelease := fmt.Sprintf("NAME=%q\nID=%s\nVERSION_ID=%q\nPRETTY_NAME=%q\n",
		"BusyBox", o.distroName, o.distroVers, "BusyBox "+o.distroVers+" (cnb-lifecycle tests)")
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/bin/sh\ncnb:x:%d:%d:cnb:/home/cnb:/bin/sh\n", o.uid, o.gid)
	group := fmt.Sprintf("root:x:0:\ncnb:x:%d:\n", o.gid)
	es := []entry{
		dir("bin", 0o755, 0, 0),
		file("bin/busybox", 0o755, busybox),
	}
	for _, a := range BusyboxApplets {
		es = append(es, symlink("bin/"+a, "busybox"))
	}
	return append(es,
		dir("etc", 0o755, 0, 0),
		file("etc/os-release", 0o644, []byte(osRelease)),
		file("etc/passwd", 0o644, []byte(passwd)),
		file("etc/group", 0o644, []byte(group)),
		dir("home", 0o755, 0, 0),
		dir("home/cnb", 0o755, o.uid, o.gid),
		dir("layers", 0o755, o.uid, o.gid),
		dir("root", 0o700, 0, 0),
		dir("tmp", 0o1777, 0, 0),
		dir("usr", 0o755, 0, 0),
		dir("usr/bin", 0o755, 0, 0),
		dir("usr/local", 0o755, 0, 0),
		dir("usr/local/bin", 0o755, 0, 0),
		dir("workspace", 0o755, o.uid, o.gid),
	)
}

func fileEntries(files map[string]string) []entry {
	var es []entry
	seen := map[string]bool{}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		name := strings.TrimPrefix(path.Clean("/"+p), "/")
		var parents []string
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			parents = append(parents, d)
		}
		for _, d := range slices.Backward(parents) {
			if !seen[d] {
				seen[d] = true
				es = append(es, dir(d, 0o755, 0, 0))
			}
		}
		mode := int64(0o644)
		if strings.HasPrefix(files[p], "#!") {
			mode = 0o755
		}
		es = append(es, file(name, mode, []byte(files[p])))
	}
	return es
}

// layerOf is a layer of media type mt holding the entries, in order.
func layerOf(es []entry, mt types.MediaType) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := e.hdr
		h.ModTime = epoch
		if err := tw.WriteHeader(&h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(mt))
	if err != nil {
		return nil, err
	}
	return plainLayer{l}, nil
}

// plainLayer hides the Descriptor method of a tarball layer, whose empty
// (not nil) annotations would put "annotations": {} in the manifest object
// ggcr keeps but not in the JSON it sends, and validate.Image sees that.
type plainLayer struct{ v1.Layer }

// mergeEnv is base with the entries of add, each replacing the entry of
// base with the same key.
func mergeEnv(base, add []string) []string {
	env := slices.Clone(base)
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		if i >= 0 {
			env[i] = kv
		} else {
			env = append(env, kv)
		}
	}
	return env
}

// RandomImage is ggcr's random.Image: layers layers of size random bytes
// each, Docker media types.
func RandomImage(t testing.TB, layers int, size int64) v1.Image {
	t.Helper()
	img, err := random.Image(size, int64(layers))
	if err != nil {
		t.Fatalf("testutil: random image: %v", err)
	}
	return img
}
