package phase

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/archive"
	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/cache"
	"github.com/cnb-lifecycle/lifecycle/image"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// RestoreConfig is what Restore needs.
type RestoreConfig struct {
	Inputs      platform.RestoreInputs
	PlatformAPI api.Version
	Logger      *log.Logger
	// Registry reaches a cache image, and the run image when Store is nil.
	Registry image.Registry
	// Store holds the run image (-daemon, -layout; P0.12+).
	Store ImageStore
}

// Restore runs the restorer (platform.md "restorer"; CONFORMANCE RES-1..6,
// LAY-2): store.toml and layer metadata from the previous image's label,
// layer contents from the volume cache, for the group's buildpacks only.
func Restore(ctx context.Context, cfg RestoreConfig) error {
	in, v, logger := cfg.Inputs, cfg.PlatformAPI, cfg.Logger
	gf, err := buildpack.ReadGroup(in.GroupPath)
	var apiErr *buildpack.APIError
	if errors.As(err, &apiErr) {
		return platform.Exit(platform.CodeIncompatibleBuildpackAPI, err)
	}
	if err != nil {
		return platform.Exit(platform.CodeGeneric, err)
	}
	var previous files.LayersMetadata
	switch a, err := files.ReadAnalyzed(in.AnalyzedPath); {
	case errors.Is(err, os.ErrNotExist):
		logger.Warnf("No analyzed metadata found at path %q", in.AnalyzedPath)
	case err != nil:
		logger.Warnf("Not using analyzed data, usable file not found: %s", err)
	default:
		previous = a.Metadata
		st := cfg.Store
		if st == nil {
			st = NewRegistryStore(cfg.Registry)
		}
		if err := updateRunImage(ctx, in, v, st, a); err != nil {
			return err
		}
	}
	var vol restoreSource
	var cached files.LayersMetadata
	if !in.SkipLayers { // only store.toml is restored: no cache needed
		vol, cached = openCache(ctx, in, cfg.Registry, logger)
	}
	if v, ok := vol.(*cache.Volume); ok {
		// Another build may be committing to the same directory.
		if unlock, err := v.Lock(false); err == nil {
			defer unlock()
			cached, _ = v.Metadata()
		}
	}
	sbomDir := filepath.Join(in.LayersDir, "sbom")
	if vol != nil && cached.SBOM.SHA != "" && !in.SkipLayers && v.Supports(api.PlatformSBOM) {
		if d, err := v1.NewHash(cached.SBOM.SHA); err == nil && vol.Has(d) {
			if err := extractVerified(ctx, vol, d, filepath.Join(sbomDir, "cache")); err != nil {
				logger.Warnf("Not restoring cached SBOMs: %s", err)
			}
		}
	}
	defer os.RemoveAll(sbomDir) // RES-7: buildpacks get their SBOMs next to their layers
	for _, e := range gf.Group {
		bp := bpRestore{dir: filepath.Join(in.LayersDir, buildpack.EscapeID(e.ID)), id: e.ID,
			image: findBuildpack(previous, e.ID), cache: findBuildpack(cached, e.ID)}
		if _, remote := vol.(*cache.Image); remote {
			bp.retries = cfg.Registry.Retry.Retries
		}
		if err := bp.store(); err != nil {
			return platform.Exit(platform.CodeRestore, err)
		}
		if in.SkipLayers {
			continue
		}
		if err := bp.layers(ctx, vol, v, in.LayersDir, logger); err != nil {
			return platform.Exit(platform.CodeRestore, err)
		}
		if err := bp.sboms(sbomDir, e.ID); err != nil {
			return platform.Exit(platform.CodeRestore, err)
		}
	}
	return nil
}

// sboms copies <layers>/sbom/{cache,launch}/<bp>/<layer>/sbom.<ext> to
// <layers>/<bp>/<layer>.sbom.<ext> for the buildpack's restored layers
// (CONFORMANCE RES-7).
func (b bpRestore) sboms(sbomDir, id string) error {
	for _, kind := range []string{"cache", "launch"} {
		base := filepath.Join(sbomDir, kind, buildpack.EscapeID(id))
		layerDirs, _ := os.ReadDir(base)
		for _, ld := range layerDirs {
			if !ld.IsDir() {
				continue
			}
			if _, err := os.Stat(filepath.Join(b.dir, ld.Name()+".toml")); err != nil {
				continue // the layer's metadata was not restored
			}
			found, _ := filepath.Glob(filepath.Join(base, ld.Name(), "sbom.*"))
			for _, f := range found {
				ext := strings.TrimPrefix(filepath.Base(f), "sbom.")
				data, err := os.ReadFile(f)
				if err != nil {
					return errors.Wrapf(err, "reading %s", f)
				}
				dst := filepath.Join(b.dir, ld.Name()+".sbom."+ext)
				if err := os.WriteFile(dst, data, 0o644); err != nil {
					return errors.Wrapf(err, "writing %s", dst)
				}
			}
		}
	}
	return nil
}

// restoreSource is a cache the restorer reads layers from.
type restoreSource interface {
	Metadata() (files.LayersMetadata, error)
	Has(d v1.Hash) bool
	Uncompressed(d v1.Hash) (io.ReadCloser, error)
}

// remover is a cache that can drop an entry found corrupt.
type remover interface {
	Remove(d v1.Hash) error
}

var (
	_ restoreSource = (*cache.Volume)(nil)
	_ restoreSource = (*cache.Image)(nil)
	_ remover       = (*cache.Volume)(nil)
)

// openCache opens -cache-image (which wins, CONFORMANCE RES-2) or
// -cache-dir; without either, cached data is not used.
func openCache(ctx context.Context, in platform.RestoreInputs, reg image.Registry, logger *log.Logger) (restoreSource, files.LayersMetadata) {
	var src restoreSource
	switch {
	case in.CacheImage != "":
		ref, err := reg.Parse(in.CacheImage)
		if err != nil {
			logger.Warnf("No cached data will be used: -cache-image: %s", err)
			return nil, files.LayersMetadata{}
		}
		ci, warn := cache.OpenImage(ctx, reg, ref)
		if warn != nil {
			logger.Warnf("%s", warn)
		}
		src = ci
	case in.CacheDir != "":
		vol, err := cache.OpenVolume(in.CacheDir)
		if err != nil {
			logger.Warnf("No cached data will be used: %s", err)
			return nil, files.LayersMetadata{}
		}
		src = vol
	default:
		logger.Warnf("No cached data will be used, no cache specified.")
		return nil, files.LayersMetadata{}
	}
	md, warn := src.Metadata()
	if warn != nil {
		logger.Warnf("%s", warn)
	}
	return src, md
}

func findBuildpack(md files.LayersMetadata, id string) files.BuildpackLayersMetadata {
	for _, b := range md.Buildpacks {
		if b.ID == id {
			return b
		}
	}
	return files.BuildpackLayersMetadata{}
}

// bpRestore restores one group buildpack.
type bpRestore struct {
	dir, id      string
	image, cache files.BuildpackLayersMetadata
	// retries is how many times a cached layer whose download broke off
	// is fetched again (a cache image; CONFORMANCE RES-5).
	retries int
}

// store writes store.toml from the previous image (RES-3).
func (b bpRestore) store() error {
	if b.image.Store.Metadata == nil {
		return nil
	}
	return writeTOML(filepath.Join(b.dir, "store.toml"), map[string]any{"metadata": b.image.Store.Metadata})
}

// layers applies the matrix of CONFORMANCE LAY-2 / RES-4: launch layers from
// the image get their metadata back unless they are build-only-not-cached;
// cached layers come back with metadata and contents when the cache holds
// them (launch ones only when the image agrees, or from P0.14 when the image
// lacks them).
func (b bpRestore) layers(ctx context.Context, vol restoreSource, v api.Version, layersDir string, logger *log.Logger) error {
	for name, lm := range b.image.Layers {
		if !lm.Launch || lm.Cache || lm.Build {
			continue // cached ones are handled below; build+launch-not-cached never restored
		}
		if !b.plainLayerName(name, logger) {
			continue
		}
		if err := writeLayerMetadata(b.dir, name, lm.Data); err != nil {
			return err
		}
	}
	for name, cm := range b.cache.Layers {
		if !cm.Cache || !b.plainLayerName(name, logger) {
			continue
		}
		if cm.Launch {
			im, inImage := b.image.Layers[name]
			switch {
			case inImage && im.Cache && im.SHA == cm.SHA:
			case !inImage && v.Supports(api.PlatformRestorerRun):
			default:
				continue
			}
		}
		if err := b.fromCache(ctx, vol, name, cm, layersDir, logger); err != nil {
			return err
		}
	}
	return nil
}

// fromCache restores a cached layer's metadata and contents, verifying the
// contents' diffID while extracting; a missing or corrupt entry is skipped
// with a warning and leaves nothing behind (RES-5, RES-6).
func (b bpRestore) fromCache(ctx context.Context, vol restoreSource, name string, cm files.BuildpackLayerMetadata, layersDir string, logger *log.Logger) error {
	label := b.id + ":" + name
	d, err := v1.NewHash(cm.SHA)
	if err != nil || vol == nil {
		logger.Infof("Skipping restore for layer '%s': not in cache", label)
		return nil
	}
	if !vol.Has(d) {
		// The cache's metadata names it, but its blob is gone (a damaged
		// cache directory): the build goes on without it (CCH-4, RES-6).
		logger.Warnf("Skipping restore for layer '%s': not in cache", label)
		return nil
	}
	layerDir := filepath.Join(b.dir, name)
	err = extractVerified(ctx, vol, d, layerDir)
	for try := 1; err != nil && try <= b.retries && image.Transient(err) && ctx.Err() == nil; try++ {
		// A download cut short (a layer too big to be read whole by the
		// registry transport): start the layer over.
		logger.Warnf("Restoring layer '%s' broke off: %s; fetching it again (attempt %d of %d)", label, image.OneLine(err), try+1, b.retries+1)
		_ = os.RemoveAll(layerDir)
		err = extractVerified(ctx, vol, d, layerDir)
	}
	if err != nil {
		_ = os.RemoveAll(layerDir)
		if writeFault(err) {
			// The layers directory is full or unwritable: the cache is not
			// at fault and keeps the blob; the build cannot go on.
			return errors.Wrapf(err, "restoring layer '%s'", label)
		}
		logger.Warnf("Skipping restore for layer '%s': %s", label, err)
		if r, ok := vol.(remover); ok {
			if rerr := r.Remove(d); rerr != nil {
				logger.Warnf("%s", rerr)
			}
		}
		return nil
	}
	logger.Infof("Restoring data for '%s' from cache", label)
	return writeLayerMetadata(b.dir, name, cm.Data)
}

// writeFault says whether err is the filesystem refusing a write (full,
// over quota, read-only, not permitted) rather than bad cached data.
func writeFault(err error) bool {
	var u unreadableCache
	if errors.As(err, &u) {
		return false
	}
	for _, e := range []error{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS, syscall.EACCES, syscall.EPERM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// unreadableCache is a cached blob that could not be opened: the cache's
// fault, whatever the errno.
type unreadableCache struct{ error }

func (u unreadableCache) Unwrap() error { return u.error }

// extractVerified unpacks the cached blob of d into layerDir while hashing
// the tar; a mismatch is an error (the partial contents are the caller's to
// remove).
func extractVerified(ctx context.Context, src restoreSource, d v1.Hash, layerDir string) error {
	rc, err := src.Uncompressed(d)
	if err != nil {
		return unreadableCache{err}
	}
	defer rc.Close()
	// Reading, gunzipping and hashing run ahead on one core while the tar
	// is extracted on the other.
	h := sha256.New()
	ra := archive.ReadAhead(io.TeeReader(rc, h))
	defer ra.Close()
	if err := archive.Extract(ctx, ra, layerDir, archive.WithStripPrefix(tarPath(layerDir))); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, ra); err != nil { // the tar's end padding
		return errors.Wrap(err, "reading cached layer")
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d.Hex {
		return errors.Errorf("wrong sha: cached data hashes to sha256:%s", got)
	}
	return nil
}

// writeLayerMetadata writes <layer>.toml with only [metadata] (never
// [types], LAY-2).
func writeLayerMetadata(dir, name string, data any) error {
	doc := map[string]any{}
	if data != nil {
		doc["metadata"] = data
	}
	return writeTOML(filepath.Join(dir, name+".toml"), doc)
}

func writeTOML(path string, v any) error {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	return errors.Wrapf(os.WriteFile(path, buf.Bytes(), 0o644), "writing %s", path)
}

// updateRunImage completes analyzed.toml's run image (CONFORMANCE RES-8):
// from Platform API 0.12 a run image named by tag, or without target data,
// is read, resolved to its identifier and given its target (exit 42 when it
// cannot be read). A run image that analyzed.toml already names exactly (a
// digest reference, a daemon image ID, a layout identifier) with its target
// is complete: it is not read at all, so the restorer needs no registry,
// daemon or layout for it.
func updateRunImage(ctx context.Context, in platform.RestoreInputs, v api.Version, st ImageStore, a files.Analyzed) error {
	if !v.Supports(api.PlatformTargetData) || a.RunImage == nil || a.RunImage.Reference == "" {
		return nil
	}
	ref := a.RunImage.Reference
	kind := referenceKind(ref)
	exact := kind != refRegistry
	if !exact {
		r, err := name.ParseReference(ref, name.WeakValidation)
		if err != nil {
			return platform.Exit(platform.CodeRestore, errors.Wrapf(err, "run image in %s", in.AnalyzedPath))
		}
		_, exact = r.(name.Digest)
	}
	if exact && a.RunImage.Target != nil {
		return nil
	}
	switch {
	case st.accepts(ref):
	case kind == refImageID:
		return platform.Exitf(platform.CodeRestore,
			"reading the run image: %s in %s is a docker daemon image ID: pass -daemon (CNB_USE_DAEMON) to read it", ref, in.AnalyzedPath)
	case kind == refLayout:
		// A layout identifier names its own path: no -layout-dir needed.
		ls, err := NewLayoutStore("", layoutIdentifierPath(ref))
		if err != nil {
			return platform.Exit(platform.CodeRestore, errors.Wrap(err, "reading the run image"))
		}
		st = ls
	}
	img, id, err := st.Read(ctx, ref)
	if err != nil {
		return platform.Exit(platform.CodeRestore, errors.Wrap(err, "reading the run image"))
	}
	imageName := a.RunImage.Image
	if imageName == "" {
		imageName = ref
	}
	ri, err := runImageData(img, id, imageName, v)
	if err != nil {
		return platform.Exit(platform.CodeRestore, err)
	}
	ri.Extend = a.RunImage.Extend
	a.RunImage = ri
	return platform.Exit(platform.CodeRestore, files.WriteAnalyzed(in.AnalyzedPath, a))
}
