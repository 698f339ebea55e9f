package phase

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/archive"
	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/cache"
	"github.com/cnb-lifecycle/lifecycle/layers"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// cacheStore is what the cache export needs of a volume or image cache.
type cacheStore interface {
	Metadata() (cache.Metadata, error)
	Has(d v1.Hash) bool
}

var (
	_ cacheStore = (*cache.Volume)(nil)
	_ cacheStore = (*cache.Image)(nil)
)

// cacheItem is one cache=true layer to keep.
type cacheItem struct {
	diffID v1.Hash
	// blob is a gzipped tar written in this export ("" when the store
	// already holds the layer); layer is the same as a v1.Layer, or a layer
	// of the previous app image.
	blob  string
	layer v1.Layer
}

// cacheLayers lists every cache=true layer of the group that has contents,
// with its metadata (CONFORMANCE CCH-3, CCH-6). A layer written for the image
// in this export is used as is; one the store holds with the same diffID
// costs one hash pass; others are written once to the scratch directory.
func (x *exporter) cacheLayers(ctx context.Context, store cacheStore, bps []*buildpack.Descriptor, jobs []layerJob, made []produced) ([]cacheItem, cache.Metadata, error) {
	fromImage := map[string]produced{}
	for i, j := range jobs {
		fromImage[j.label] = made[i]
	}
	old, warn := store.Metadata()
	if warn != nil {
		x.logger.Warnf("%s", warn)
	}
	var items []cacheItem
	var md cache.Metadata
	for _, bp := range bps {
		dir := filepath.Join(x.cfg.Inputs.LayersDir, buildpack.EscapeID(bp.Buildpack.ID))
		entry := files.BuildpackLayersMetadata{ID: bp.Buildpack.ID, Version: bp.Buildpack.Version, Layers: map[string]files.BuildpackLayerMetadata{}}
		oldLayers := findBuildpack(old, bp.Buildpack.ID).Layers
		tomls, _ := filepath.Glob(filepath.Join(dir, "*.toml"))
		for _, t := range tomls {
			name := strings.TrimSuffix(filepath.Base(t), ".toml")
			if name == "launch" || name == "build" || name == "store" {
				continue
			}
			label := bp.Buildpack.ID + ":" + name
			lt, err := buildpack.ReadLayerFile(t)
			if err != nil {
				x.logger.Warnf("not caching layer %s: %s", label, err)
				continue
			}
			if !lt.Types.Cache {
				continue
			}
			layerDir := filepath.Join(dir, name)
			if !isDir(layerDir) {
				x.logger.Warnf("not caching layer %s: cache=true but it has no contents", label)
				continue
			}
			item, err := x.cacheItem(ctx, store, label, layerDir, oldLayers[name].SHA, fromImage[label])
			if err != nil {
				return nil, md, err
			}
			items = append(items, item)
			entry.Layers[name] = files.BuildpackLayerMetadata{SHA: item.diffID.String(), Data: lt.Metadata, Build: lt.Types.Build, Launch: lt.Types.Launch, Cache: true}
		}
		md.Buildpacks = append(md.Buildpacks, entry)
	}
	// The SBOMs of cached layers travel with the cache (CONFORMANCE SBOM-3).
	if sbomDir := filepath.Join(x.cfg.Inputs.LayersDir, "sbom", "cache"); x.cfg.PlatformAPI.Supports(api.PlatformSBOM) && isDir(sbomDir) {
		item, err := x.cacheItem(ctx, store, "sbom", sbomDir, old.SBOM.SHA, produced{})
		if err != nil {
			return nil, md, err
		}
		items = append(items, item)
		md.SBOM.SHA = item.diffID.String()
	}
	return items, md, nil
}

func (x *exporter) cacheItem(ctx context.Context, store cacheStore, label, layerDir, oldSHA string, img produced) (cacheItem, error) {
	if img.path != "" {
		return cacheItem{diffID: img.diffID, blob: img.path, layer: img.layer}, nil
	}
	spec := layers.Spec{Path: layerDir, TarPath: tarPath(layerDir), UID: x.cfg.Inputs.UID, GID: x.cfg.Inputs.GID, ModTime: archive.NormalizedTime}
	if oldSHA != "" || img.layer != nil {
		d := img.diffID
		if img.layer == nil {
			var err error
			if d, err = layers.DiffID(ctx, spec); err != nil {
				return cacheItem{}, errors.Wrapf(err, "hashing layer %s", label)
			}
		}
		if store.Has(d) {
			x.logger.Infof("Reusing cache layer '%s'", label)
			return cacheItem{diffID: d}, nil
		}
	}
	res, path, err := layers.WriteBlob(ctx, spec, x.scratch)
	if err != nil {
		return cacheItem{}, errors.Wrapf(err, "writing cache layer %s", label)
	}
	x.logger.Infof("Adding cache layer '%s'", label)
	return cacheItem{diffID: res.DiffID, blob: path, layer: layers.FileLayer(path, res, x.layerMediaType())}, nil
}

// exportVolumeCache saves the cache layers to the volume cache by hard link
// and commits its metadata (CONFORMANCE CCH-1).
func (x *exporter) exportVolumeCache(ctx context.Context, vol *cache.Volume, bps []*buildpack.Descriptor, jobs []layerJob, made []produced) error {
	unlock, err := vol.Lock(true)
	if err != nil {
		return err
	}
	defer unlock()
	items, md, err := x.cacheLayers(ctx, vol, bps, jobs, made)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.blob != "" {
			if err := vol.Add(it.blob, it.diffID); err != nil {
				return err
			}
		}
	}
	return vol.Commit(md)
}

// exportImageCache writes a new cache image; layers the registry has are not
// uploaded again (CONFORMANCE CCH-2).
func (x *exporter) exportImageCache(ctx context.Context, ci *cache.Image, bps []*buildpack.Descriptor, jobs []layerJob, made []produced) error {
	items, md, err := x.cacheLayers(ctx, ci, bps, jobs, made)
	if err != nil {
		return err
	}
	var ls []v1.Layer
	for _, it := range items {
		l := it.layer
		if l == nil {
			var ok bool
			if l, ok = ci.Layer(it.diffID); !ok {
				return fmt.Errorf("cache layer %s vanished", it.diffID)
			}
		}
		ls = append(ls, l)
	}
	return ci.Save(ctx, ls, md)
}

// saveLaunchCache keeps the uncompressed launch layers of a daemon export
// in the launch cache, by hard link, so that the next export can hand them
// to the daemon again without reading them out of it; layers the image no
// longer has are dropped (CONFORMANCE CCH-5). Failures are warnings.
func (x *exporter) saveLaunchCache(jobs []layerJob, made []produced) {
	lc := x.launchCache
	var md cache.Metadata
	layers := map[string]files.BuildpackLayerMetadata{}
	for i, p := range made {
		switch {
		case p.path != "":
			if err := lc.Add(p.path, p.diffID); err != nil {
				x.logger.Warnf("Failed to save layer '%s' to the launch cache: %s", jobs[i].label, err)
				continue
			}
		case !lc.Has(p.diffID):
			continue
		}
		layers[p.diffID.String()] = files.BuildpackLayerMetadata{SHA: p.diffID.String(), Launch: true}
	}
	md.Buildpacks = []files.BuildpackLayersMetadata{{ID: "launch-cache", Layers: layers}}
	if err := lc.Commit(md); err != nil {
		x.logger.Warnf("Failed to save the launch cache: %s", err)
	}
}
