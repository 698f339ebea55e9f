package phase

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/archive"
	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/cache"
	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"
)

// ExportConfig is what Export needs.
type ExportConfig struct {
	Inputs      platform.ExportInputs
	PlatformAPI api.Version
	// Registry reaches the cache image, and the images when Store is nil.
	Registry image.Registry
	// Store holds the run and previous images and gets the app image; nil
	// means the registry.
	Store            ImageStore
	Logger           *log.Logger
	LifecycleVersion string
	// ExecEnv is CNB_EXEC_ENV at P0.15+ ("" below).
	ExecEnv string
}

// ExportResult is what was written.
type ExportResult struct {
	Report files.Report
	Image  v1.Image
}

// Export builds the app image on the run image and writes it to every
// <image> in one registry (platform.md "exporter"; CONFORMANCE EXP-1..21),
// in steps: prepare (inputs, run and previous images), produce the layers,
// assemble the image, write it with the cache.
func Export(ctx context.Context, cfg ExportConfig) (ExportResult, error) {
	x, err := prepareExport(ctx, cfg)
	if err != nil {
		return ExportResult{}, err
	}
	defer func() {
		for _, dir := range x.scratchDirs {
			os.RemoveAll(dir)
		}
	}()
	if err := x.produceLayers(ctx); err != nil {
		return ExportResult{}, err
	}
	img, err := x.assembleImage()
	if err != nil {
		return ExportResult{}, err
	}
	report, err := x.writeImage(ctx, img)
	if err != nil {
		return ExportResult{Image: img}, err
	}
	return ExportResult{Report: report, Image: img}, nil
}

// prepareExport reads the inputs, the run and previous images, and plans
// the layers. The caller removes x.scratchDirs.
func prepareExport(ctx context.Context, cfg ExportConfig) (*exporter, error) {
	in, reg, logger := cfg.Inputs, cfg.Registry, cfg.Logger
	st := cfg.Store
	if st == nil {
		st = NewRegistryStore(reg)
	}
	refs, err := parseExportRefs(in, st)
	if err != nil {
		return nil, err
	}
	first, err := reg.Parse(refs[0])
	if err != nil {
		return nil, platform.Exit(platform.CodeInvalidArgs, err)
	}
	analyzed, err := files.ReadAnalyzed(in.AnalyzedPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, platform.Exit(platform.CodeInvalidArgs, err)
	}
	if analyzed.RunImage == nil || analyzed.RunImage.Reference == "" {
		return nil, platform.Exitf(platform.CodeInvalidArgs, "run image not found in analyzed metadata %s", in.AnalyzedPath)
	}
	bps, err := exportGroup(in)
	if err != nil {
		return nil, err
	}
	md, err := launch.ReadMetadata(launch.MetadataPath(in.LayersDir))
	if err != nil {
		return nil, platform.Exit(platform.CodeExport, err)
	}
	base, _, err := st.Read(ctx, analyzed.RunImage.Reference)
	if err != nil {
		return nil, platform.Exit(platform.CodeExport, errors.Wrap(err, "reading the run image"))
	}
	x := &exporter{cfg: cfg, reg: reg, store: st, logger: logger, refs: refs, analyzed: analyzed, bps: bps, md: md, base: base,
		created: creationTime(in.SourceDateEpoch, logger), uploadTo: st.uploadRepository(first)}
	if x.vol, x.scratch, err = exportScratch(in, logger); err != nil {
		return nil, err
	}
	x.scratchDirs = []string{x.scratch}
	x.prevImage = exportPrevious(ctx, st, analyzed)
	x.previous = layersByDiffID(x.prevImage)
	if st.uncompressedLayers() && in.LaunchCacheDir != "" {
		if lc, err := cache.OpenVolume(in.LaunchCacheDir); err != nil {
			logger.Warnf("not using the launch cache: %s", err)
		} else {
			x.launchCache = lc
		}
	}
	if cfg.PlatformAPI.Supports(api.PlatformLauncherSBOM) {
		copyLifecycleSBOMs(in, logger)
	}
	if mt, err := base.MediaType(); err == nil && mt == types.DockerManifestSchema2 {
		x.dockerBase = true
	}
	if x.plan, x.lmd, err = x.planLayers(bps, md, analyzed); err != nil {
		os.RemoveAll(x.scratch)
		return nil, err
	}
	return x, nil
}

// produceLayers makes or reuses every planned layer and records their
// diffIDs in the lifecycle metadata.
func (x *exporter) produceLayers(ctx context.Context) error {
	adds, err := x.produce(ctx, x.plan)
	if err != nil && x.vol != nil && writeFault(err) && ctx.Err() == nil {
		// The layers were written inside the cache directory, whose
		// filesystem is full or refuses them: a cache fault must not fail
		// the image (EXP-17), so they are written again outside it.
		x.logger.Warnf("The cache directory cannot take the new layers, writing them outside it: %s", err)
		outside, terr := os.MkdirTemp("", "cnb-export-")
		if terr != nil {
			return err
		}
		x.scratch = outside
		x.scratchDirs = append(x.scratchDirs, outside)
		adds, err = x.produce(ctx, x.plan)
	}
	if err != nil {
		return err
	}
	for i, a := range adds {
		x.plan[i].record(&x.lmd, a.diffID)
	}
	x.adds = adds
	return nil
}

// assembleImage completes the lifecycle metadata with the run image and
// puts the image together.
func (x *exporter) assembleImage() (v1.Image, error) {
	in, ri := x.cfg.Inputs, x.analyzed.RunImage
	entry := runImageEntry(in, ri.Image, ri.Reference)
	x.lmd.RunImage = files.RunImageForRebase{Reference: ri.Reference}
	if ri.Image != "" { // runImage.image and mirrors are P0.12+
		x.lmd.RunImage.Image, x.lmd.RunImage.Mirrors = entry.Image, entry.Mirrors
	}
	if top, err := topLayer(x.base); err == nil {
		x.lmd.RunImage.TopLayer = top
	}
	x.lmd.Stack = files.StackMetadata{RunImage: entry}
	return x.assemble(x.base, x.plan, x.adds, x.md, x.lmd)
}

// writeImage writes the image to the store and report.toml, and the cache
// after the image, or beside it with -parallel (CONFORMANCE EXP-17); a
// failed cache export does not fail a finished image (EXP-17 D).
func (x *exporter) writeImage(ctx context.Context, img v1.Image) (files.Report, error) {
	in := x.cfg.Inputs
	cacheDone := make(chan struct{})
	if in.Parallel {
		go func() { defer close(cacheDone); x.saveCache(ctx) }()
	}
	present := [][]v1.Hash{}
	for _, known := range []v1.Image{x.base, x.prevImage} {
		if known != nil {
			if d, err := diffIDs(known); err == nil {
				present = append(present, d)
			}
		}
	}
	written, err := x.store.Write(ctx, img, x.refs, present)
	logWritten(x.logger, written)
	if err != nil {
		err = platform.Exit(platform.CodeExport, err)
	}
	if err == nil && x.launchCache != nil {
		x.saveLaunchCache(x.plan, x.adds)
	}
	if in.Parallel {
		<-cacheDone
	}
	if err != nil {
		return files.Report{}, err
	}
	if err := files.WriteReport(in.ReportPath, written.Report); err != nil {
		return files.Report{}, platform.Exit(platform.CodeExport, err)
	}
	if !in.Parallel {
		x.saveCache(ctx)
	}
	return written.Report, nil
}

// saveCache exports the cache image, else the volume cache, if either was
// asked for; a failure is a warning.
func (x *exporter) saveCache(ctx context.Context) {
	var err error
	switch {
	case x.cfg.Inputs.CacheImage != "":
		err = x.exportCacheImage(ctx, x.bps, x.plan, x.adds)
	case x.vol != nil:
		err = x.exportVolumeCache(ctx, x.vol, x.bps, x.plan, x.adds)
	default:
		return
	}
	if err != nil {
		x.logger.Warnf("Failed to export cache: %s", err)
	}
}

// exportCacheImage opens the cache image and writes the new one. The image
// cache wins over a -cache-dir given too (pack passes both).
func (x *exporter) exportCacheImage(ctx context.Context, bps []*buildpack.Descriptor, jobs []layerJob, made []produced) error {
	ref, err := x.reg.Parse(x.cfg.Inputs.CacheImage)
	if err != nil {
		return err
	}
	ci, warn := cache.OpenImage(ctx, x.reg, ref)
	if warn != nil {
		x.logger.Warnf("%s", warn)
	}
	return x.exportImageCache(ctx, ci, bps, jobs, made)
}

// exportScratch opens the volume cache, if any, and makes the directory new
// layers are written to: inside the cache directory when there is one, so
// that caching a layer is a hard link (CONFORMANCE CCH-6).
func exportScratch(in platform.ExportInputs, logger *log.Logger) (*cache.Volume, string, error) {
	var vol *cache.Volume
	if in.CacheDir != "" && in.CacheImage == "" {
		v, err := cache.OpenVolume(in.CacheDir)
		if err != nil {
			logger.Warnf("no cache is written: %s", err)
		} else {
			vol = v
		}
	}
	if vol != nil {
		dir, err := vol.StagingDir()
		if err == nil {
			return vol, dir, nil
		}
		logger.Warnf("%s", err)
	}
	dir, err := os.MkdirTemp("", "cnb-export-")
	if err != nil {
		return nil, "", platform.Exit(platform.CodeExport, errors.Wrap(err, "making a scratch directory"))
	}
	return vol, dir, nil
}

// parseExportRefs checks the <image> arguments; not in daemon mode they
// must share one registry (CONFORMANCE EXP-2).
func parseExportRefs(in platform.ExportInputs, st ImageStore) ([]string, error) {
	var refs []name.Reference
	for _, s := range in.Images {
		ref, err := name.ParseReference(s, name.WeakValidation)
		if err != nil {
			return nil, platform.Exit(platform.CodeInvalidArgs, errors.Wrapf(err, "parsing image reference %q", s))
		}
		if !st.namesSpanRegistries() && len(refs) > 0 && ref.Context().RegistryStr() != refs[0].Context().RegistryStr() {
			return nil, platform.Exitf(platform.CodeInvalidArgs, "%s is on registry %s, but %s is on %s: all images must be on one registry",
				s, ref.Context().RegistryStr(), in.Images[0], refs[0].Context().RegistryStr())
		}
		refs = append(refs, ref)
	}
	return in.Images, nil
}

func exportGroup(in platform.ExportInputs) ([]*buildpack.Descriptor, error) {
	gf, err := buildpack.ReadGroup(in.GroupPath)
	var apiErr *buildpack.APIError
	if errors.As(err, &apiErr) {
		return nil, platform.Exit(platform.CodeIncompatibleBuildpackAPI, err)
	}
	if err != nil {
		return nil, platform.Exit(platform.CodeGeneric, err)
	}
	var out []*buildpack.Descriptor
	for _, e := range gf.Group {
		// Only the group's ids, versions and APIs matter here: buildpack
		// directories need not exist in the export image.
		v, _ := api.Parse(e.API)
		out = append(out, &buildpack.Descriptor{API: e.API, APIVersion: v, Buildpack: buildpack.Info{ID: e.ID, Version: e.Version, Homepage: e.Homepage}})
	}
	return out, nil
}

// creationTime is SOURCE_DATE_EPOCH (P0.9+) or the normalized time; an
// invalid value is a warning (CONFORMANCE EXP-20).
func creationTime(sde string, logger *log.Logger) time.Time {
	if sde == "" {
		return archive.NormalizedTime
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(sde), 10, 64)
	if err != nil {
		logger.Warnf("SOURCE_DATE_EPOCH=%q is not an integer number of seconds: using %s", sde, archive.NormalizedTime.Format(time.RFC3339))
		return archive.NormalizedTime
	}
	return time.Unix(secs, 0).UTC()
}

// runImageEntry is the run.toml (P0.12+) or stack.toml entry the run image
// named in analyzed.toml belongs to, so that the label records its mirrors
// for the rebaser (CONFORMANCE LBL-2, REB-3). Below P0.12 analyzed.toml
// names no run image: the stack.toml entry is used, as platforms such as
// kpack read stack.runImage.image back; without one, the run image's
// reference.
func runImageEntry(in platform.ExportInputs, runImage, reference string) files.RunImageEntry {
	var entries []files.RunImageEntry
	if in.RunPath != "" {
		if r, err := files.ReadRun(in.RunPath); err == nil {
			entries = r.Images
		}
	} else if in.StackPath != "" {
		if st, err := files.ReadStack(in.StackPath); err == nil && st.RunImage.Image != "" {
			entries = []files.RunImageEntry{st.RunImage}
		}
	}
	if runImage == "" {
		if len(entries) > 0 {
			return entries[0]
		}
		return files.RunImageEntry{Image: reference}
	}
	for _, e := range entries {
		if e.Image == runImage {
			return e
		}
		for _, m := range e.Mirrors {
			if m == runImage {
				return e
			}
		}
	}
	return files.RunImageEntry{Image: runImage}
}

func topLayer(img v1.Image) (string, error) {
	ls, err := img.Layers()
	if err != nil || len(ls) == 0 {
		return "", errors.New("run image has no layers")
	}
	d, err := ls[len(ls)-1].DiffID()
	return d.String(), err
}

// exportPrevious is the previous app image in the store, nil when there is
// none or it is unreadable: no reuse then (CONFORMANCE EXP-13, TGT-9).
func exportPrevious(ctx context.Context, st ImageStore, a files.Analyzed) v1.Image {
	if a.Image == nil || a.Image.Reference == "" {
		return nil
	}
	img, _, err := st.Read(ctx, a.Image.Reference)
	if err != nil {
		return nil
	}
	return img
}

// layersByDiffID indexes an image's layers for reuse (EXP-13).
func layersByDiffID(img v1.Image) map[v1.Hash]v1.Layer {
	out := map[v1.Hash]v1.Layer{}
	if img == nil {
		return out
	}
	ls, err := img.Layers()
	if err != nil {
		return out
	}
	for _, l := range ls {
		if d, err := l.DiffID(); err == nil {
			out[d] = l
		}
	}
	return out
}

// copyLifecycleSBOMs puts the lifecycle's own SBOMs where the SBOM layers
// pick them up (P0.11+, CONFORMANCE EXP-16): launcher.sbom.<ext> from the
// -launcher-sbom directory into <layers>/sbom/launch/buildpacksio_lifecycle/
// launcher/, lifecycle.sbom.<ext> into <layers>/sbom/build/
// buildpacksio_lifecycle/. Missing files are only a warning.
func copyLifecycleSBOMs(in platform.ExportInputs, logger *log.Logger) {
	copied := 0
	for _, c := range []struct{ prefix, dest string }{
		{"launcher", filepath.Join(in.LayersDir, "sbom", "launch", "buildpacksio_lifecycle", "launcher")},
		{"lifecycle", filepath.Join(in.LayersDir, "sbom", "build", "buildpacksio_lifecycle")},
	} {
		for _, ext := range []string{"cdx.json", "spdx.json", "syft.json"} {
			src := filepath.Join(in.LauncherSBOMDir, c.prefix+".sbom."+ext)
			data, err := os.ReadFile(src)
			if err != nil {
				continue
			}
			if err := os.MkdirAll(c.dest, 0o755); err == nil {
				if err := os.WriteFile(filepath.Join(c.dest, "sbom."+ext), data, 0o644); err == nil {
					copied++
					continue
				}
			}
			logger.Warnf("Failed to copy %s", src)
		}
	}
	if copied == 0 {
		logger.Warnf("No SBOM files of the lifecycle or launcher found in %s", in.LauncherSBOMDir)
	}
}
