package phase

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/cache"
	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/launch"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"
)

// NormalizedTime is the creation time of every exported image and file
// unless SOURCE_DATE_EPOCH says otherwise (CONFORMANCE RPR-1, RPR-3).
var normalizedTime = time.Date(1980, 1, 1, 0, 0, 1, 0, time.UTC)

// ExportConfig is what Export needs.
type ExportConfig struct {
	Inputs           platform.ExportInputs
	PlatformAPI      api.Version
	Registry         image.Registry
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
// <image> in one registry (platform.md "exporter"; CONFORMANCE EXP-1..21).
func Export(ctx context.Context, cfg ExportConfig) (ExportResult, error) {
	in, reg, logger := cfg.Inputs, cfg.Registry, cfg.Logger
	if in.UseDaemon || in.UseLayout {
		return ExportResult{}, platform.Exitf(platform.CodeGeneric, "the docker daemon and OCI layout targets are not supported by this lifecycle yet: use a registry")
	}
	refs, err := parseExportRefs(in, reg)
	if err != nil {
		return ExportResult{}, err
	}
	analyzed, err := files.ReadAnalyzed(in.AnalyzedPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return ExportResult{}, platform.Exit(platform.CodeInvalidArgs, err)
	}
	if analyzed.RunImage == nil || analyzed.RunImage.Reference == "" {
		return ExportResult{}, platform.Exitf(platform.CodeInvalidArgs, "run image not found in analyzed metadata %s", in.AnalyzedPath)
	}
	bps, err := exportGroup(in)
	if err != nil {
		return ExportResult{}, err
	}
	md, err := launch.ReadMetadata(launch.MetadataPath(in.LayersDir))
	if err != nil {
		return ExportResult{}, platform.Exit(platform.CodeExport, err)
	}
	runRef, err := reg.Parse(analyzed.RunImage.Reference)
	if err != nil {
		return ExportResult{}, platform.Exit(platform.CodeInvalidArgs, errors.Wrap(err, "run image in analyzed.toml"))
	}
	base, err := reg.Image(ctx, runRef)
	if err != nil {
		return ExportResult{}, platform.Exit(platform.CodeExport, errors.Wrap(err, "reading the run image"))
	}
	created := creationTime(in.SourceDateEpoch, logger)
	vol, scratch, err := exportScratch(in, logger)
	if err != nil {
		return ExportResult{}, err
	}
	defer os.RemoveAll(scratch)

	x := &exporter{ctx: ctx, cfg: cfg, reg: reg, logger: logger, scratch: scratch, created: created,
		previous: previousLayers(ctx, reg, analyzed)}
	target := refs[0].Context()
	x.uploadTo = &target
	if cfg.PlatformAPI.Supports(api.PlatformLauncherSBOM) {
		copyLifecycleSBOMs(in, logger)
	}
	if mt, err := base.MediaType(); err == nil && mt == types.DockerManifestSchema2 {
		x.dockerBase = true
	}
	plan, lmd, err := x.planLayers(bps, md, analyzed)
	if err != nil {
		return ExportResult{}, err
	}
	adds, err := x.produce(plan)
	if err != nil {
		return ExportResult{}, err
	}
	for i, a := range adds {
		plan[i].record(&lmd, a.diffID)
	}
	lmd.RunImage = files.RunImageForRebase{Reference: analyzed.RunImage.Reference, Image: analyzed.RunImage.Image}
	if top, err := topLayer(base); err == nil {
		lmd.RunImage.TopLayer = top
	}
	lmd.Stack = files.StackMetadata{RunImage: files.RunImageEntry{Image: analyzed.RunImage.Image}}
	img, err := x.assemble(base, plan, adds, md, lmd)
	if err != nil {
		return ExportResult{}, err
	}
	// The cache is written after the image, or beside it with -parallel
	// (CONFORMANCE EXP-17). A failed cache export does not fail a finished
	// image (EXP-17 D).
	saveCache := func() {
		var err error
		switch {
		case in.CacheImage != "":
			err = x.exportCacheImage(bps, plan, adds)
		case vol != nil:
			err = x.exportVolumeCache(vol, bps, plan, adds)
		default:
			return
		}
		if err != nil {
			logger.Warnf("Failed to export cache: %s", err)
		}
	}
	cacheDone := make(chan struct{})
	if in.Parallel {
		go func() { defer close(cacheDone); saveCache() }()
	}
	report, err := x.write(img, refs)
	if in.Parallel {
		<-cacheDone
	}
	if err != nil {
		return ExportResult{Image: img}, err
	}
	if err := files.WriteReport(in.ReportPath, report); err != nil {
		return ExportResult{Image: img}, platform.Exit(platform.CodeExport, err)
	}
	if !in.Parallel {
		saveCache()
	}
	return ExportResult{Report: report, Image: img}, nil
}

// exportCacheImage opens the cache image and writes the new one. The image
// cache wins over a -cache-dir given too (pack passes both).
func (x *exporter) exportCacheImage(bps []*buildpack.Descriptor, jobs []layerJob, made []produced) error {
	ref, err := x.reg.Parse(x.cfg.Inputs.CacheImage)
	if err != nil {
		return err
	}
	ci, warn := cache.OpenImage(x.ctx, x.reg, ref)
	if warn != "" {
		x.logger.Warnf("%s", warn)
	}
	return x.exportImageCache(ci, bps, jobs, made)
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

// parseExportRefs reads the <image> arguments; not in daemon mode they must
// share one registry (CONFORMANCE EXP-2).
func parseExportRefs(in platform.ExportInputs, reg image.Registry) ([]name.Reference, error) {
	var refs []name.Reference
	for _, s := range in.Images {
		ref, err := reg.Parse(s)
		if err != nil {
			return nil, platform.Exit(platform.CodeInvalidArgs, err)
		}
		if len(refs) > 0 && ref.Context().RegistryStr() != refs[0].Context().RegistryStr() {
			return nil, platform.Exitf(platform.CodeInvalidArgs, "%s is on registry %s, but %s is on %s: all images must be on one registry",
				s, ref.Context().RegistryStr(), in.Images[0], refs[0].Context().RegistryStr())
		}
		refs = append(refs, ref)
	}
	return refs, nil
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
		return normalizedTime
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(sde), 10, 64)
	if err != nil {
		logger.Warnf("SOURCE_DATE_EPOCH=%q is not an integer number of seconds: using %s", sde, normalizedTime.Format(time.RFC3339))
		return normalizedTime
	}
	return time.Unix(secs, 0).UTC()
}

func topLayer(img v1.Image) (string, error) {
	ls, err := img.Layers()
	if err != nil || len(ls) == 0 {
		return "", errors.New("run image has no layers")
	}
	d, err := ls[len(ls)-1].DiffID()
	return d.String(), err
}

// write pushes img to the first reference and tags the others with the same
// manifest; a failing tag is reported by name and fails the export without a
// report (CONFORMANCE EXP-14, EXP-15).
func (x *exporter) write(img v1.Image, refs []name.Reference) (files.Report, error) {
	var report files.Report
	digest, err := img.Digest()
	if err != nil {
		return report, platform.Exit(platform.CodeExport, errors.Wrap(err, "computing the image digest"))
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return report, platform.Exit(platform.CodeExport, errors.Wrap(err, "encoding the manifest"))
	}
	var failed []string
	for i, ref := range refs {
		var err error
		if i == 0 {
			err = remote.Write(ref, img, x.reg.Options(x.ctx, ref)...)
		} else {
			err = remote.Tag(ref.Context().Tag(tagOf(ref)), img, x.reg.Options(x.ctx, ref)...)
		}
		if err != nil {
			x.logger.Errorf("saving %s: %s", ref.Name(), err)
			failed = append(failed, ref.Name())
			if i == 0 {
				break
			}
			continue
		}
		x.logger.Infof("*** Images (%s):", digest.Hex[:12])
		x.logger.Infof("      %s", ref.Name())
		report.Image.Tags = append(report.Image.Tags, ref.Name())
	}
	if len(failed) > 0 {
		return report, platform.Exitf(platform.CodeExport, "saving image %s", strings.Join(failed, ", "))
	}
	report.Image.Digest = digest.String()
	report.Image.ManifestSize = int64(len(manifest))
	x.logger.Infof("*** Digest: %s", digest)
	return report, nil
}

func tagOf(ref name.Reference) string {
	if t, ok := ref.(name.Tag); ok {
		return t.TagStr()
	}
	return "latest"
}

// previousLayers indexes the previous app image's layers by diffID for
// reuse (CONFORMANCE EXP-13); an unreadable previous image means no reuse.
func previousLayers(ctx context.Context, reg image.Registry, a files.Analyzed) map[v1.Hash]v1.Layer {
	out := map[v1.Hash]v1.Layer{}
	if a.Image == nil || a.Image.Reference == "" {
		return out
	}
	ref, err := reg.Parse(a.Image.Reference)
	if err != nil {
		return out
	}
	img, err := reg.Image(ctx, ref)
	if err != nil {
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
