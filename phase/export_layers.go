package phase

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/archive"
	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/cache"
	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/layers"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"
	"golang.org/x/sync/errgroup"
)

// exporter holds one export's state, filled in by its steps.
type exporter struct {
	cfg    ExportConfig
	reg    image.Registry
	store  ImageStore
	logger *log.Logger

	// prepareExport
	refs        []string // <image> names
	analyzed    files.Analyzed
	bps         []*buildpack.Descriptor
	md          launch.Metadata
	base        v1.Image // the run image
	prevImage   v1.Image // nil for none
	vol         *cache.Volume
	scratch     string   // where new layer files are written
	scratchDirs []string // every scratch directory, removed at the end
	created     time.Time
	previous    map[v1.Hash]v1.Layer // the previous image's layers
	plan        []layerJob
	lmd         files.LayersMetadata

	// produceLayers
	adds []produced // per plan entry
	// dockerBase: the run image has a Docker manifest, so new layers use
	// Docker media types too.
	dockerBase bool
	// uploadTo is the repository new layers stream into while they are
	// written (registry exports).
	uploadTo *name.Repository
	// launchCache keeps the launch layers of daemon exports (-launch-cache,
	// CONFORMANCE CCH-5).
	launchCache *cache.Volume
}

// layerJob is one layer of the app image to produce or reuse.
type layerJob struct {
	label   string // for log lines, e.g. "example/node:modules"
	history string // created_by (CONFORMANCE EXP-19)
	spec    layers.Spec
	// previousSHA is the diffID the previous image recorded for this layer.
	previousSHA string
	// reuseOnly: the layer has metadata but no directory (LAY-3).
	reuseOnly bool
	record    func(md *files.LayersMetadata, diffID v1.Hash)
}

type produced struct {
	layer  v1.Layer
	diffID v1.Hash
	reused bool
	// path is the blob file of a layer written in this export.
	path string
}

// planLayers lists the layers to add, in image order (CONFORMANCE EXP-4):
// buildpack launch layers, the SBOM layer, the app, the launcher, its config
// and the process types. It also starts the lifecycle metadata label.
func (x *exporter) planLayers(bps []*buildpack.Descriptor, md launch.Metadata, a files.Analyzed) ([]layerJob, files.LayersMetadata, error) {
	in, v := x.cfg.Inputs, x.cfg.PlatformAPI
	prev := a.Metadata
	var lmd files.LayersMetadata
	var jobs []layerJob
	owned := func(dir, tarPath string) layers.Spec {
		return layers.Spec{Path: dir, TarPath: tarPath, UID: in.UID, GID: in.GID, ModTime: archive.NormalizedTime}
	}
	for _, bp := range bps {
		bpJobs, entry, err := x.buildpackLayers(bp, prev, owned)
		if err != nil {
			return nil, lmd, err
		}
		lmd.Buildpacks = append(lmd.Buildpacks, entry)
		jobs = append(jobs, bpJobs...)
	}
	if sbomDir := filepath.Join(in.LayersDir, "sbom", "launch"); v.Supports(api.PlatformSBOM) && isDir(sbomDir) {
		jobs = append(jobs, layerJob{label: "sbom", history: "Software Bill-of-Materials", spec: owned(sbomDir, tarPath(sbomDir)),
			previousSHA: prev.SBOM.SHA, record: func(m *files.LayersMetadata, d v1.Hash) { m.SBOM.SHA = d.String() }})
	}
	appJobs, err := x.appLayers(md, prev, owned)
	if err != nil {
		return nil, lmd, err
	}
	jobs = append(jobs, appJobs...)
	root := layers.Spec{UID: 0, GID: 0, ModTime: archive.NormalizedTime}
	launcherSpec := root
	launcherSpec.Path, launcherSpec.TarPath = in.LauncherPath, "/cnb/lifecycle/launcher"
	jobs = append(jobs, layerJob{label: "launcher", history: "Buildpacks Application Launcher", spec: launcherSpec,
		previousSHA: prev.Launcher.SHA, record: func(m *files.LayersMetadata, d v1.Hash) { m.Launcher.SHA = d.String() }})
	configDir := filepath.Join(in.LayersDir, "config")
	jobs = append(jobs, layerJob{label: "config", history: "Buildpacks Launcher Config", spec: owned(configDir, tarPath(configDir)),
		previousSHA: prev.Config.SHA, record: func(m *files.LayersMetadata, d v1.Hash) { m.Config.SHA = d.String() }})
	if len(md.Processes) > 0 {
		dir, err := x.processLinks(md)
		if err != nil {
			return nil, lmd, err
		}
		spec := root
		spec.Path, spec.TarPath = dir, "/cnb/process"
		jobs = append(jobs, layerJob{label: "process-types", history: "Buildpacks Process Types", spec: spec,
			previousSHA: prev.ProcessTypes.SHA, record: func(m *files.LayersMetadata, d v1.Hash) { m.ProcessTypes.SHA = d.String() }})
	}
	return jobs, lmd, nil
}

// appLayers is one layer per non-empty slice, in order, then one with the
// rest of the app (CONFORMANCE EXP-5; an empty slice gets no layer).
func (x *exporter) appLayers(md launch.Metadata, prev files.LayersMetadata, owned func(dir, tarPath string) layers.Spec) ([]layerJob, error) {
	appDir := x.cfg.Inputs.AppDir
	record := func(m *files.LayersMetadata, d v1.Hash) { m.App = append(m.App, files.LayerMetadata{SHA: d.String()}) }
	prevSHA := func(i int) string {
		if i < len(prev.App) {
			return prev.App[i].SHA
		}
		return ""
	}
	if len(md.Slices) == 0 {
		return []layerJob{{label: "app", history: "Application Layer", spec: owned(appDir, tarPath(appDir)), previousSHA: prevSHA(0), record: record}}, nil
	}
	assign, counts, err := appSlices(appDir, md.Slices, x.logger)
	if err != nil {
		return nil, platform.Exit(platform.CodeExport, err)
	}
	sliceOf := func(rel string) int {
		if v, ok := assign[rel]; ok {
			return v
		}
		return -1
	}
	var jobs []layerJob
	for i, n := range counts {
		if n == 0 {
			x.logger.Debugf("slice %d matches no files: no layer", i+1)
			continue
		}
		idx := i
		spec := owned(appDir, tarPath(appDir))
		spec.Include = func(rel string, _ os.FileInfo) bool { return sliceOf(rel) == idx }
		jobs = append(jobs, layerJob{label: fmt.Sprintf("slice %d", i+1), history: fmt.Sprintf("Application Slice: %d", i+1),
			spec: spec, previousSHA: prevSHA(len(jobs)), record: record})
	}
	spec := owned(appDir, tarPath(appDir))
	spec.Include = func(rel string, _ os.FileInfo) bool { return rel == "." || sliceOf(rel) == -1 }
	jobs = append(jobs, layerJob{label: "app", history: "Application Layer", spec: spec, previousSHA: prevSHA(len(jobs)), record: record})
	return jobs, nil
}

// buildpackLayers plans one buildpack's launch layers in name order and
// fills its label entry (CONFORMANCE EXP-4, LAY-3, LAY-4, EXP-18).
func (x *exporter) buildpackLayers(bp *buildpack.Descriptor, prev files.LayersMetadata, owned func(dir, tarPath string) layers.Spec) ([]layerJob, files.BuildpackLayersMetadata, error) {
	dir := filepath.Join(x.cfg.Inputs.LayersDir, buildpack.EscapeID(bp.Buildpack.ID))
	entry := files.BuildpackLayersMetadata{ID: bp.Buildpack.ID, Version: bp.Buildpack.Version, Layers: map[string]files.BuildpackLayerMetadata{}}
	var prevLayers map[string]files.BuildpackLayerMetadata
	for _, p := range prev.Buildpacks {
		if p.ID == bp.Buildpack.ID {
			prevLayers = p.Layers
		}
	}
	if store, err := buildpack.ReadStore(filepath.Join(dir, "store.toml")); err != nil {
		return nil, entry, platform.Exit(platform.CodeExport, err)
	} else if store != nil {
		entry.Store = files.BuildpackStore{Metadata: store}
	}
	tomls, _ := filepath.Glob(filepath.Join(dir, "*.toml"))
	var jobs []layerJob
	for _, t := range tomls {
		name := strings.TrimSuffix(filepath.Base(t), ".toml")
		if name == "launch" || name == "build" || name == "store" {
			continue
		}
		lt, err := buildpack.ReadLayerFile(t)
		if err != nil {
			return nil, entry, platform.Exit(platform.CodeExport, errors.Wrapf(err, "layers of %s", bp))
		}
		if !lt.Types.Launch {
			continue
		}
		lm := files.BuildpackLayerMetadata{Data: lt.Metadata, Build: lt.Types.Build, Launch: true, Cache: lt.Types.Cache}
		label := bp.Buildpack.ID + ":" + name
		job := layerJob{label: label, history: fmt.Sprintf("Layer: '%s', Created by buildpack: %s", name, bp),
			previousSHA: prevLayers[name].SHA}
		layerName := name
		job.record = func(m *files.LayersMetadata, d v1.Hash) {
			for i := range m.Buildpacks {
				if m.Buildpacks[i].ID == bp.Buildpack.ID {
					l := m.Buildpacks[i].Layers[layerName]
					l.SHA = d.String()
					m.Buildpacks[i].Layers[layerName] = l
				}
			}
		}
		layerDir := filepath.Join(dir, name)
		if !isDir(layerDir) {
			if lt.Types.Cache {
				return nil, entry, platform.Exitf(platform.CodeExport, "layer %s has cache=true but has no contents", label)
			}
			if job.previousSHA == "" {
				return nil, entry, platform.Exitf(platform.CodeExport, "cannot reuse layer %s: the previous image has no such layer", label)
			}
			job.reuseOnly = true
		} else {
			job.spec = owned(layerDir, tarPath(layerDir))
		}
		entry.Layers[name] = lm
		jobs = append(jobs, job)
	}
	return jobs, entry, nil
}

// processLinks makes <scratch>/process/<type> -> /cnb/lifecycle/launcher
// symlinks (CONFORMANCE EXP-6).
func (x *exporter) processLinks(md launch.Metadata) (string, error) {
	dir := filepath.Join(x.scratch, "process")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", platform.Exit(platform.CodeExport, err)
	}
	for _, p := range md.Processes {
		if err := os.Symlink("/cnb/lifecycle/launcher", filepath.Join(dir, p.Type)); err != nil {
			return "", platform.Exit(platform.CodeExport, errors.Wrapf(err, "linking process type %s", p.Type))
		}
	}
	return dir, nil
}

// produce makes or reuses every layer, in parallel on the available cores.
// A layer with a recorded diffID costs one hash pass before it is known to
// be unchanged (CONFORMANCE EXP-13); a new layer is written once, in one
// streamed pass, to a blob file.
func (x *exporter) produce(ctx context.Context, jobs []layerJob) ([]produced, error) {
	out := make([]produced, len(jobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.NumCPU())
	for i := range jobs {
		g.Go(func() error {
			var err error
			out[i], err = x.produceOne(gctx, i, jobs[i])
			return err
		})
	}
	// The first failure cancels the other layers.
	if err := g.Wait(); err != nil {
		return nil, platform.Exit(platform.CodeExport, err)
	}
	reused := 0
	for i, j := range jobs {
		if out[i].reused {
			reused++
			x.logger.Infof("Reusing layer '%s'", j.label)
		} else {
			x.logger.Infof("Adding layer '%s'", j.label)
		}
	}
	x.logger.Debugf("Reused %d/%d layer(s)", reused, len(jobs))
	return out, nil
}

func (x *exporter) produceOne(ctx context.Context, i int, j layerJob) (produced, error) {
	if j.reuseOnly {
		return x.reuse(j, j.previousSHA)
	}
	if j.previousSHA != "" {
		d, err := layers.DiffID(ctx, j.spec)
		if err != nil {
			return produced{}, errors.Wrapf(err, "hashing layer %s", j.label)
		}
		if d.String() == j.previousSHA {
			if p, err := x.reuse(j, j.previousSHA); err == nil {
				return p, nil
			}
		}
	}
	// The daemon only ever reads the uncompressed tar: no gzip pass for it
	// (CONFORMANCE TGT-3).
	daemon := x.store != nil && x.store.uncompressedLayers()
	name := fmt.Sprintf("layer-%03d.tar.gz", i)
	if daemon {
		name = fmt.Sprintf("layer-%03d.tar", i)
	}
	path := filepath.Join(x.scratch, name)
	f, err := os.Create(path)
	if err != nil {
		return produced{}, errors.Wrapf(err, "writing layer %s", j.label)
	}
	var res layers.Result
	if daemon {
		res, err = layers.WriteTar(ctx, j.spec, f)
	} else {
		res, err = x.writeAndUpload(ctx, j.spec, f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return produced{}, errors.Wrapf(err, "writing layer %s", j.label)
	}
	if daemon {
		return produced{layer: layers.TarFileLayer(path, res), diffID: res.DiffID, path: path}, nil
	}
	return produced{layer: layers.FileLayer(path, res, x.layerMediaType()), diffID: res.DiffID, path: path}, nil
}

// writeAndUpload writes the layer once: the compressed bytes go to the blob
// file (for the cache) and, when exporting to a registry, straight into a
// blob upload at the same time, so that compression and upload overlap
// instead of following each other. The image write then finds the blob
// present.
func (x *exporter) writeAndUpload(ctx context.Context, spec layers.Spec, blob io.Writer) (layers.Result, error) {
	if x.uploadTo == nil {
		return layers.Write(ctx, spec, blob)
	}
	pr, pw := io.Pipe()
	digests := make(chan v1.Hash, 1)
	uploaded := make(chan error, 1)
	go func() {
		err := x.reg.UploadBlob(ctx, *x.uploadTo, pr, func() (v1.Hash, error) {
			d, ok := <-digests
			if !ok {
				return v1.Hash{}, errors.New("the layer was not written")
			}
			return d, nil
		})
		pr.CloseWithError(err) // a failed upload stops the writer
		uploaded <- err
	}()
	res, err := layers.Write(ctx, spec, io.MultiWriter(blob, &bestEffort{w: pw}))
	if err != nil {
		pw.CloseWithError(err)
		close(digests)
	} else {
		pw.Close()
		digests <- res.Digest
	}
	if uerr := <-uploaded; err == nil && uerr != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		// The blob file is complete: the image write uploads it again,
		// with retries, from there.
		x.logger.Warnf("Uploading a layer while writing it failed, it is uploaded again from its file: %s", image.OneLine(uerr))
	}
	return res, err
}

// bestEffort passes writes on until the first failure and then drops them,
// so that a failed upload never stops the layer being written to its file.
type bestEffort struct {
	w      io.Writer
	failed bool
}

func (b *bestEffort) Write(p []byte) (int, error) {
	if !b.failed {
		if _, err := b.w.Write(p); err != nil {
			b.failed = true
		}
	}
	return len(p), nil
}

func (x *exporter) reuse(j layerJob, sha string) (produced, error) {
	h, err := v1.NewHash(sha)
	if err != nil {
		return produced{}, errors.Wrapf(err, "layer %s: recorded diffID", j.label)
	}
	l, ok := x.previous[h]
	if !ok {
		return produced{}, errors.Errorf("cannot reuse layer %s: the previous image has no layer %s", j.label, sha)
	}
	// A launch layer the daemon may need again comes from the launch cache
	// rather than out of the daemon (CONFORMANCE CCH-5).
	if x.launchCache != nil {
		if p := x.launchCache.TarPath(h); fileSize(p) >= 0 {
			l = layers.TarFileLayer(p, layers.Result{DiffID: h, Digest: h, Size: fileSize(p), UncompressedSize: fileSize(p)})
			x.logger.Debugf("Layer '%s' is in the launch cache", j.label)
		}
	}
	return produced{layer: l, diffID: h, reused: true}, nil
}

// layerMediaType keeps the base image's flavour (CONFORMANCE TGT-8).
func (x *exporter) layerMediaType() types.MediaType {
	if x.dockerBase {
		return types.DockerLayer
	}
	return types.OCILayer
}

// fileSize is the size of the file at p, -1 when it is not one.
func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func tarPath(abs string) string { return filepath.ToSlash(abs) }
