// Command runimage writes the demo's run image into an OCI layout, without
// pulling anything: a busybox-static root filesystem (Debian's
// busybox-static package) in one layer, with a build user cnb (1000:1000).
//
// Usage: go run ./samples/runimage <layout-path>
//
// The layout gets one image, annotated org.opencontainers.image.ref.name=
// latest, with OCI media types, so that umoci and runc can run the app
// images built on it.
package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// applets get a symlink to busybox in /bin.
var applets = []string{"sh", "cat", "echo", "env", "ls", "printf", "sed", "tr", "wc", "id", "head", "sleep", "true", "mkdir", "chmod", "cp", "rm"}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: runimage <layout-path>")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "runimage:", err)
		os.Exit(1)
	}
}

func write(path string) error {
	busybox, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("reading /bin/busybox (Debian package busybox-static): %w", err)
	}
	rootfs, err := rootfsTar(busybox)
	if err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(rootfs)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return err
	}
	img, err := mutate.Append(mutate.MediaType(mutate.ConfigMediaType(empty.Image, types.OCIConfigJSON), types.OCIManifestSchema1),
		mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: "busybox-static root filesystem (samples/runimage)"}})
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: time.Date(1980, 1, 1, 0, 0, 1, 0, time.UTC)}
	cf.Config.User = "1000:1000"
	cf.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	cf.Config.Labels = map[string]string{
		"io.buildpacks.base.distro.name":    "busybox",
		"io.buildpacks.base.distro.version": "1",
		"io.buildpacks.stack.id":            "io.buildpacks.samples.busybox",
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	if err := os.RemoveAll(path); err != nil {
		return err
	}
	p, err := layout.Write(path, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "latest"}))
}

// rootfsTar is the root filesystem as a reproducible tar.
func rootfsTar(busybox []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(1980, 1, 1, 0, 0, 1, 0, time.UTC)
	add := func(h *tar.Header, body []byte) error {
		h.ModTime, h.Format = mtime, tar.FormatPAX
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	dir := func(name string, mode int64, id int) error {
		return add(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: id, Gid: id}, nil)
	}
	file := func(name string, mode int64, body string) error {
		return add(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode}, []byte(body))
	}
	steps := []func() error{
		func() error { return dir("bin", 0o755, 0) },
		func() error {
			return add(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755}, busybox)
		},
	}
	for _, a := range applets {
		steps = append(steps, func() error {
			return add(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777}, nil)
		})
	}
	steps = append(steps,
		func() error { return dir("etc", 0o755, 0) },
		func() error {
			return file("etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\ncnb:x:1000:1000:cnb:/home/cnb:/bin/sh\n")
		},
		func() error { return file("etc/group", 0o644, "root:x:0:\ncnb:x:1000:\n") },
		func() error { return dir("home", 0o755, 0) },
		func() error { return dir("home/cnb", 0o755, 1000) },
		func() error { return dir("tmp", 0o1777, 0) },
		func() error { return dir("usr", 0o755, 0) },
		func() error { return dir("usr/bin", 0o755, 0) },
	)
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
