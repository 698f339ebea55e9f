package phase

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/archive"
	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// Labels the lifecycle reads and writes (CONFORMANCE LBL-1, LBL-2).
const (
	LabelLifecycleMetadata = files.LabelLifecycleMetadata
	LabelBaseID            = "io.buildpacks.base.id"
	LabelDistroName        = "io.buildpacks.base.distro.name"
	LabelDistroVersion     = "io.buildpacks.base.distro.version"
)

// AnalyzeConfig is what Analyze needs.
type AnalyzeConfig struct {
	Inputs      platform.AnalyzeInputs
	PlatformAPI api.Version
	// Registry reaches the cache image, and the images when Store is nil.
	Registry image.Registry
	// Store holds the previous and run images; nil means the registry.
	Store  ImageStore
	Logger *log.Logger
}

// Analyze runs the analyzer (platform.md "analyzer";
// CONFORMANCE ANA-1..8): it checks access, reads the previous image's
// metadata and the run image, and writes analyzed.toml.
func Analyze(ctx context.Context, cfg AnalyzeConfig) (files.Analyzed, error) {
	in, v, reg := cfg.Inputs, cfg.PlatformAPI, cfg.Registry
	st := cfg.Store
	if st == nil {
		st = NewRegistryStore(reg)
	}
	refs, err := parseAnalyzeRefs(in, reg, st.namesSpanRegistries())
	if err != nil {
		return files.Analyzed{}, err
	}
	runName, err := chooseRunImage(ctx, in, v, reg, st, refs.image)
	if err != nil {
		return files.Analyzed{}, err
	}
	runRef, err := reg.Parse(runName)
	if err != nil {
		return files.Analyzed{}, platform.Exit(platform.CodeInvalidArgs, err)
	}
	if err := st.checkAccess(ctx, reg, refs, runRef); err != nil {
		return files.Analyzed{}, err
	}

	var out files.Analyzed
	if refs.previous != nil {
		out.Image, out.Metadata = previousImage(ctx, st, in.PreviousImage, cfg.Logger)
	}
	if out.Image != nil && out.Metadata.SBOM.SHA != "" && !in.SkipLayers && v.Supports(api.PlatformSBOM) {
		restoreSBOMLayer(ctx, st, out.Image.Reference, out.Metadata.SBOM.SHA, in.LayersDir, cfg.Logger)
	}
	run, runID, err := st.Read(ctx, runName)
	if err != nil {
		return out, platform.Exit(platform.CodeAnalyze, errors.Wrapf(err, "reading the run image %s", runName))
	}
	out.RunImage, err = runImageData(run, runID, runName, v)
	if err != nil {
		return out, err
	}
	if err := files.WriteAnalyzed(in.AnalyzedPath, out); err != nil {
		return out, platform.Exit(platform.CodeAnalyze, err)
	}
	return out, nil
}

type analyzeRefs struct {
	image, previous, cache name.Reference
	tags                   []name.Reference
}

// parseAnalyzeRefs reads every image reference; <image> and its tags must
// share one registry (CONFORMANCE ANA-2, exit 3).
func parseAnalyzeRefs(in platform.AnalyzeInputs, reg image.Registry, spanRegistries bool) (analyzeRefs, error) {
	var r analyzeRefs
	var err error
	if r.image, err = reg.Parse(in.Image); err != nil {
		return r, platform.Exit(platform.CodeInvalidArgs, err)
	}
	for _, t := range in.Tags {
		ref, err := reg.Parse(t)
		if err != nil {
			return r, platform.Exit(platform.CodeInvalidArgs, errors.Wrap(err, "-tag"))
		}
		if !spanRegistries && ref.Context().RegistryStr() != r.image.Context().RegistryStr() {
			return r, platform.Exitf(platform.CodeInvalidArgs, "-tag %s is on registry %s, but %s is on %s: all tags must be on one registry",
				t, ref.Context().RegistryStr(), in.Image, r.image.Context().RegistryStr())
		}
		r.tags = append(r.tags, ref)
	}
	if in.PreviousImage != "" {
		if r.previous, err = reg.Parse(in.PreviousImage); err != nil {
			return r, platform.Exit(platform.CodeInvalidArgs, errors.Wrap(err, "-previous-image"))
		}
	}
	if in.CacheImage != "" {
		if r.cache, err = reg.Parse(in.CacheImage); err != nil {
			return r, platform.Exit(platform.CodeInvalidArgs, errors.Wrap(err, "-cache-image"))
		}
	}
	return r, nil
}

// checkAccess verifies read access to the previous, run and cache images and
// write access to the image, its tags and the cache image (CONFORMANCE
// ANA-5).
func checkAccess(ctx context.Context, reg image.Registry, refs analyzeRefs, run name.Reference) error {
	for _, ref := range []name.Reference{refs.previous, run, refs.cache} {
		if ref == nil {
			continue
		}
		if err := reg.CheckRead(ctx, ref); err != nil {
			return platform.Exit(platform.CodeAnalyze, err)
		}
	}
	for _, ref := range append([]name.Reference{refs.image, refs.cache}, refs.tags...) {
		if ref == nil {
			continue
		}
		if err := reg.CheckWrite(ctx, ref); err != nil {
			return platform.Exit(platform.CodeAnalyze, err)
		}
	}
	return nil
}

// previousImage reads the previous image's identifier and lifecycle
// metadata. A missing, unreadable or corrupt previous image counts as none
// (CONFORMANCE ANA-4, ANA-8).
func previousImage(ctx context.Context, st ImageStore, ref string, logger *log.Logger) (*files.ImageIdentifier, files.LayersMetadata) {
	var md files.LayersMetadata
	img, id, err := st.Read(ctx, ref)
	if errors.Is(err, image.ErrNotFound) {
		logger.Infof("Previous image with name %q not found", ref)
		return nil, md
	}
	if err != nil {
		logger.Infof("Previous image %q is unreadable, treating it as absent: %s", ref, err)
		return nil, md
	}
	cf, err := img.ConfigFile()
	if err != nil {
		logger.Infof("Previous image %q has an unreadable config, treating it as absent: %s", ref, err)
		return nil, md
	}
	if raw := cf.Config.Labels[LabelLifecycleMetadata]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &md); err != nil {
			logger.Infof("Previous image %q has unreadable %s, treating it as absent: %s", ref, LabelLifecycleMetadata, err)
			return nil, files.LayersMetadata{}
		}
	}
	return &files.ImageIdentifier{Reference: id}, md
}

// runImageData is analyzed.toml's [run-image] (CONFORMANCE ANA-6, ANA-7).
func runImageData(img v1.Image, id string, name string, v api.Version) (*files.RunImage, error) {
	ref := name
	ri := &files.RunImage{Reference: id}
	if !v.Supports(api.PlatformTargetData) {
		return ri, nil
	}
	ri.Image = name
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, platform.Exit(platform.CodeAnalyze, errors.Wrapf(err, "reading the config of run image %s", ref))
	}
	if cf.OS == "" {
		return nil, platform.Exitf(platform.CodeAnalyze, "failed to find OS in run image config of %s", ref)
	}
	t := &files.TargetMetadata{ID: cf.Config.Labels[LabelBaseID], OS: cf.OS, Arch: cf.Architecture, ArchVariant: cf.Variant}
	if n := cf.Config.Labels[LabelDistroName]; n != "" {
		t.Distro = &files.OSDistro{Name: n, Version: cf.Config.Labels[LabelDistroVersion]}
	}
	ri.Target = t
	return ri, nil
}

// chooseRunImage is -run-image, else the run.toml (P0.12+) or stack.toml
// entry: among image and mirrors, the first on the app image's registry that
// is readable, else the first readable (CONFORMANCE ANA-3, FIL-12).
func chooseRunImage(ctx context.Context, in platform.AnalyzeInputs, v api.Version, reg image.Registry, st ImageStore, app name.Reference) (string, error) {
	if in.RunImage != "" {
		if _, err := reg.Parse(in.RunImage); err != nil {
			return "", platform.Exit(platform.CodeInvalidArgs, errors.Wrap(err, "-run-image"))
		}
		return in.RunImage, nil
	}
	candidates, source, err := runCandidates(in, v)
	if err != nil {
		return "", err
	}
	if len(candidates) == 0 {
		return "", platform.Exitf(platform.CodeInvalidArgs, "no run image: pass -run-image or provide %s", source)
	}
	var readable []string
	for _, c := range candidates {
		ref, err := reg.Parse(c)
		if err != nil {
			return "", platform.Exit(platform.CodeInvalidArgs, errors.Wrapf(err, "run image in %s", source))
		}
		if !st.available(ctx, ref) {
			continue
		}
		if ref.Context().RegistryStr() == app.Context().RegistryStr() {
			return c, nil
		}
		readable = append(readable, c)
	}
	if len(readable) == 0 {
		return "", platform.Exitf(platform.CodeAnalyze, "failed to find accessible run image among %v (from %s)", candidates, source)
	}
	return readable[0], nil
}

// runCandidates lists the first run.toml entry's image and mirrors, or
// stack.toml's, in order.
func runCandidates(in platform.AnalyzeInputs, v api.Version) ([]string, string, error) {
	if v.Supports(api.PlatformRunTOML) {
		run, err := files.ReadRun(in.RunPath)
		if errors.Is(err, os.ErrNotExist) {
			return nil, in.RunPath, nil
		}
		if err != nil {
			return nil, in.RunPath, platform.Exit(platform.CodeInvalidArgs, err)
		}
		if len(run.Images) == 0 || run.Images[0].Image == "" {
			return nil, in.RunPath, nil
		}
		return append([]string{run.Images[0].Image}, run.Images[0].Mirrors...), in.RunPath, nil
	}
	st, err := files.ReadStack(in.StackPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, in.StackPath, nil
	}
	if err != nil {
		return nil, in.StackPath, platform.Exit(platform.CodeInvalidArgs, err)
	}
	if st.RunImage.Image == "" {
		return nil, in.StackPath, nil
	}
	return append([]string{st.RunImage.Image}, st.RunImage.Mirrors...), in.StackPath, nil
}

// restoreSBOMLayer unpacks the previous image's SBOM layer into
// <layers>/sbom/launch so that the restorer can hand per-layer SBOMs back to
// buildpacks (CONFORMANCE ANA-9). Failure is a warning: SBOMs are rebuilt.
func restoreSBOMLayer(ctx context.Context, st ImageStore, ref, sha string, layersDir string, logger *log.Logger) {
	warn := func(err error) { logger.Warnf("Not restoring the SBOM layer of the previous image: %s", err) }
	img, _, err := st.Read(ctx, ref)
	if err != nil {
		warn(err)
		return
	}
	h, err := v1.NewHash(sha)
	if err != nil {
		warn(err)
		return
	}
	l, err := img.LayerByDiffID(h)
	if err != nil {
		warn(err)
		return
	}
	rc, err := l.Uncompressed()
	if err != nil {
		warn(err)
		return
	}
	defer rc.Close()
	dest := filepath.Join(layersDir, "sbom", "launch")
	if err := archive.Extract(ctx, rc, dest, archive.WithStripPrefix(filepath.ToSlash(dest))); err != nil {
		warn(err)
	}
}
