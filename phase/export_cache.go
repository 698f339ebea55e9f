package phase

import (
	"path/filepath"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/buildpack"
	"github.com/cnb-lifecycle/lifecycle/cache"
	"github.com/cnb-lifecycle/lifecycle/layers"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/pkg/errors"
)

// exportCache saves every cache=true layer of the group that has contents
// to the volume cache (CONFORMANCE CCH-1, CCH-3, CCH-6). A layer exported to
// the image in this run is hard linked from its blob, not written again; a
// layer whose diffID the cache already holds costs one hash pass.
func (x *exporter) exportCache(vol *cache.Volume, bps []*buildpack.Descriptor, jobs []layerJob, made []produced) error {
	blobs := map[string]produced{} // layer label -> blob written in this export
	for i, j := range jobs {
		if made[i].path != "" {
			blobs[j.label] = made[i]
		}
	}
	old, warn := vol.Metadata()
	if warn != "" {
		x.logger.Warnf("%s", warn)
	}
	var md cache.Metadata
	for _, bp := range bps {
		entry, err := x.cacheBuildpack(vol, bp, old, blobs)
		if err != nil {
			return err
		}
		md.Buildpacks = append(md.Buildpacks, entry)
	}
	return vol.Commit(md)
}

func (x *exporter) cacheBuildpack(vol *cache.Volume, bp *buildpack.Descriptor, old cache.Metadata, blobs map[string]produced) (files.BuildpackLayersMetadata, error) {
	dir := filepath.Join(x.cfg.Inputs.LayersDir, buildpack.EscapeID(bp.Buildpack.ID))
	entry := files.BuildpackLayersMetadata{ID: bp.Buildpack.ID, Version: bp.Buildpack.Version, Layers: map[string]files.BuildpackLayerMetadata{}}
	oldLayers := map[string]files.BuildpackLayerMetadata{}
	for _, o := range old.Buildpacks {
		if o.ID == bp.Buildpack.ID {
			oldLayers = o.Layers
		}
	}
	tomls, _ := filepath.Glob(filepath.Join(dir, "*.toml"))
	for _, t := range tomls {
		name := strings.TrimSuffix(filepath.Base(t), ".toml")
		if name == "launch" || name == "build" || name == "store" {
			continue
		}
		lt, err := readLayerFile(t)
		if err != nil || !lt.Types.Cache {
			if err != nil {
				x.logger.Warnf("not caching layer %s:%s: %s", bp.Buildpack.ID, name, err)
			}
			continue
		}
		label := bp.Buildpack.ID + ":" + name
		layerDir := filepath.Join(dir, name)
		if !isDir(layerDir) {
			x.logger.Warnf("not caching layer %s: cache=true but it has no contents", label)
			continue
		}
		d, err := x.cacheLayer(vol, label, layerDir, oldLayers[name].SHA, blobs[label])
		if err != nil {
			return entry, err
		}
		entry.Layers[name] = files.BuildpackLayerMetadata{SHA: d.String(), Data: lt.Metadata, Build: lt.Types.Build, Launch: lt.Types.Launch, Cache: true}
	}
	return entry, nil
}

// cacheLayer stores one layer and returns its diffID.
func (x *exporter) cacheLayer(vol *cache.Volume, label, layerDir, oldSHA string, blob produced) (v1.Hash, error) {
	spec := layers.Spec{Path: layerDir, TarPath: tarPath(layerDir), UID: x.cfg.Inputs.UID, GID: x.cfg.Inputs.GID, ModTime: normalizedTime}
	if blob.path != "" {
		return blob.diffID, vol.Add(blob.path, blob.diffID)
	}
	if oldSHA != "" {
		d, err := layers.DiffID(x.ctx, spec)
		if err != nil {
			return v1.Hash{}, errors.Wrapf(err, "hashing layer %s", label)
		}
		if d.String() == oldSHA && vol.Has(d) {
			x.logger.Infof("Reusing cache layer '%s'", label)
			return d, nil
		}
	}
	staging, err := vol.StagingDir()
	if err != nil {
		return v1.Hash{}, err
	}
	defer vol.Discard(staging)
	res, path, err := layers.WriteBlob(x.ctx, spec, staging)
	if err != nil {
		return v1.Hash{}, errors.Wrapf(err, "writing cache layer %s", label)
	}
	x.logger.Infof("Adding cache layer '%s'", label)
	return res.DiffID, vol.Add(path, res.DiffID)
}
