package phase

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/cnb-lifecycle/lifecycle/platform"
	"github.com/cnb-lifecycle/lifecycle/platform/files"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/pkg/errors"
)

// Labels the rebaser reads (CONFORMANCE LBL-1).
const (
	LabelRebasable   = "io.buildpacks.rebasable"
	LabelStackID     = "io.buildpacks.stack.id"
	LabelStackMixins = "io.buildpacks.stack.mixins"
)

// RebaseConfig is what Rebase needs.
type RebaseConfig struct {
	Inputs      platform.RebaseInputs
	PlatformAPI api.Version
	Store       ImageStore
	Logger      *log.Logger
}

// Rebase puts the app image on a new run image: the layers above the old
// run image's top layer are kept byte for byte, the ones below are replaced
// by the new run image's, and the config keeps everything but the target
// fields and base labels (platform.md "rebaser"; CONFORMANCE REB-1..9).
func Rebase(ctx context.Context, cfg RebaseConfig) (files.Report, error) {
	in, st, logger := cfg.Inputs, cfg.Store, cfg.Logger
	fail := func(err error) (files.Report, error) { return files.Report{}, platform.Exit(platform.CodeRebase, err) }

	app, _, err := st.Read(ctx, in.PreviousImage)
	if err != nil {
		return fail(errors.Wrap(err, "reading the app image"))
	}
	appCfg, err := app.ConfigFile()
	if err != nil {
		return fail(errors.Wrapf(err, "reading the config of %s", in.PreviousImage))
	}
	labels := appCfg.Config.Labels
	raw, ok := labels[LabelLifecycleMetadata]
	if !ok {
		return fail(errors.Errorf("%s has no %s label: it was not built by a buildpacks lifecycle", in.PreviousImage, LabelLifecycleMetadata))
	}
	var md files.LayersMetadata
	if err := json.Unmarshal([]byte(raw), &md); err != nil {
		return fail(errors.Wrapf(err, "parsing the %s label of %s", LabelLifecycleMetadata, in.PreviousImage))
	}
	appAPI := imagePlatformAPI(appCfg.Config.Env)
	modern := appAPI.Supports(api.PlatformTargetData)

	runName, recorded, err := chooseRebaseRunImage(in, md, modern, st)
	if err != nil {
		return fail(err)
	}
	logger.Infof("Rebasing %s on run image %s", in.PreviousImage, runName)
	run, runID, err := st.Read(ctx, runName)
	if err != nil {
		return fail(errors.Wrap(err, "reading the new run image"))
	}
	runCfg, err := run.ConfigFile()
	if err != nil {
		return fail(errors.Wrapf(err, "reading the config of run image %s", runName))
	}

	if labels[LabelRebasable] == "false" {
		if err := forceable(in.Force, logger, "%s is marked not rebasable (label %s=false)", in.PreviousImage, LabelRebasable); err != nil {
			return fail(err)
		}
	}
	if modern {
		if err := checkRebaseTarget(in.Force, logger, appCfg, runCfg); err != nil {
			return fail(err)
		}
		if !recorded {
			if err := forceable(in.Force, logger, "run image %s is not %s or one of its mirrors %v, recorded in the app image",
				runName, md.RunImage.Image, md.RunImage.Mirrors); err != nil {
				return fail(err)
			}
			md.RunImage.Image, md.RunImage.Mirrors = runName, nil
		}
	} else if err := checkRebaseStack(appCfg, runCfg); err != nil {
		return fail(err)
	}

	img, err := rebaseImage(app, appCfg, run, runCfg, &md, runID)
	if err != nil {
		return fail(err)
	}
	// The new run image's chains are in the daemon (it was read from there);
	// everything above them must be handed over again.
	runDiffs, _ := diffIDs(run)
	written, err := st.Write(ctx, img, in.Images, [][]v1.Hash{runDiffs})
	logWritten(cfg.Logger, written)
	report := written.Report
	if err != nil {
		return fail(err)
	}
	if err := files.WriteReport(in.ReportPath, report); err != nil {
		return fail(err)
	}
	return report, nil
}

// chooseRebaseRunImage is -run-image, else the recorded runImage.image or
// the mirror on the app image's registry (P0.12+; below, stack.runImage)
// (CONFORMANCE REB-3). recorded tells whether the name is one the label
// lists, which -run-image must be unless -force (REB-6).
func chooseRebaseRunImage(in platform.RebaseInputs, md files.LayersMetadata, modern bool, st ImageStore) (string, bool, error) {
	entry := files.RunImageEntry{Image: md.RunImage.Image, Mirrors: md.RunImage.Mirrors}
	if !modern || entry.Image == "" {
		entry = md.Stack.RunImage
	}
	if in.RunImage != "" {
		if in.RunImage == entry.Image {
			return in.RunImage, true, nil
		}
		for _, m := range entry.Mirrors {
			if m == in.RunImage {
				return in.RunImage, true, nil
			}
		}
		return in.RunImage, false, nil
	}
	if entry.Image == "" {
		return "", false, errors.Errorf("no run image: %s records none; pass -run-image", in.PreviousImage)
	}
	target := in.Images[0]
	for _, c := range append([]string{entry.Image}, entry.Mirrors...) {
		if st.SameRegistry(c, target) {
			return c, true, nil
		}
	}
	return entry.Image, true, nil
}

// forceable fails with the message, or with -force only warns (REB-6).
func forceable(force bool, logger *log.Logger, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if force {
		logger.Warnf("%s; rebasing anyway (-force)", msg)
		return nil
	}
	return errors.New(msg + " (pass -force to rebase anyway)")
}

// checkRebaseTarget: os and architecture must be equal; variant and distro
// must match when the new run image sets them (P0.12+, REB-6).
func checkRebaseTarget(force bool, logger *log.Logger, app, run *v1.ConfigFile) error {
	type field struct{ name, old, new string }
	fields := []field{
		{"os", app.OS, run.OS},
		{"architecture", app.Architecture, run.Architecture},
	}
	if run.Variant != "" {
		fields = append(fields, field{"variant", app.Variant, run.Variant})
	}
	for _, l := range []string{LabelDistroName, LabelDistroVersion} {
		if v := run.Config.Labels[l]; v != "" {
			fields = append(fields, field{l, app.Config.Labels[l], v})
		}
	}
	for _, f := range fields {
		if f.old != f.new {
			if err := forceable(force, logger, "the new run image's %s %q does not match the app image's %q", f.name, f.new, f.old); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRebaseStack are the checks of images built below P0.12: the same
// stack id on both, and every mixin of the app image on the new run image
// (CONFORMANCE REB-7).
func checkRebaseStack(app, run *v1.ConfigFile) error {
	appStack, runStack := app.Config.Labels[LabelStackID], run.Config.Labels[LabelStackID]
	if appStack == "" {
		return errors.Errorf("the app image has no %s label", LabelStackID)
	}
	if runStack == "" {
		return errors.Errorf("the new run image has no %s label", LabelStackID)
	}
	if appStack != runStack {
		return errors.Errorf("the new run image's stack %q is not the app image's %q", runStack, appStack)
	}
	need, err := mixins(app.Config.Labels[LabelStackMixins])
	if err != nil {
		return errors.Wrap(err, "app image")
	}
	have, err := mixins(run.Config.Labels[LabelStackMixins])
	if err != nil {
		return errors.Wrap(err, "new run image")
	}
	var missing []string
	for m := range need {
		if !have[m] {
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		return errors.Errorf("the new run image lacks mixins %v of the app image", missing)
	}
	return nil
}

// mixins reads the JSON array of the mixins label, without stage prefixes.
func mixins(label string) (map[string]bool, error) {
	out := map[string]bool{}
	if label == "" {
		return out, nil
	}
	var list []string
	if err := json.Unmarshal([]byte(label), &list); err != nil {
		return nil, errors.Wrapf(err, "parsing label %s", LabelStackMixins)
	}
	for _, m := range list {
		m = strings.TrimPrefix(strings.TrimPrefix(m, "run:"), "build:")
		out[m] = true
	}
	return out, nil
}

// rebaseImage stacks the app layers above the recorded top layer on the new
// run image and derives the config (REB-4, REB-5, REB-9).
func rebaseImage(app v1.Image, appCfg *v1.ConfigFile, run v1.Image, runCfg *v1.ConfigFile, md *files.LayersMetadata, runID string) (v1.Image, error) {
	appLayers, err := app.Layers()
	if err != nil {
		return nil, errors.Wrap(err, "reading the app image's layers")
	}
	top := -1
	for i, l := range appLayers {
		d, err := l.DiffID()
		if err != nil {
			return nil, errors.Wrap(err, "reading the app image's layers")
		}
		if d.String() == md.RunImage.TopLayer {
			top = i
		}
	}
	if md.RunImage.TopLayer == "" || top < 0 {
		return nil, errors.Errorf("the app image has no layer %q, the run image top layer its label records", md.RunImage.TopLayer)
	}
	keep := appLayers[top+1:]
	adds := make([]mutate.Addendum, len(keep))
	for i, l := range keep {
		adds[i] = mutate.Addendum{Layer: l}
	}
	img, err := mutate.Append(run, adds...)
	if err != nil {
		return nil, errors.Wrap(err, "stacking the app layers")
	}
	newTop, err := topLayer(run)
	if err != nil {
		return nil, err
	}
	md.RunImage.TopLayer = newTop
	md.RunImage.Reference = runID

	cf := appCfg.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant, cf.OSVersion = runCfg.OS, runCfg.Architecture, runCfg.Variant, runCfg.OSVersion
	cf.OSFeatures = runCfg.OSFeatures
	for k := range cf.Config.Labels {
		if strings.HasPrefix(k, "io.buildpacks.stack.") || strings.HasPrefix(k, "io.buildpacks.base.") {
			delete(cf.Config.Labels, k)
		}
	}
	for k, v := range runCfg.Config.Labels {
		if strings.HasPrefix(k, "io.buildpacks.stack.") || strings.HasPrefix(k, "io.buildpacks.base.") {
			cf.Config.Labels[k] = v
		}
	}
	label, err := json.Marshal(md)
	if err != nil {
		return nil, errors.Wrap(err, "encoding the lifecycle metadata label")
	}
	cf.Config.Labels[LabelLifecycleMetadata] = string(label)
	runDiffs, err := diffIDs(run)
	if err != nil {
		return nil, err
	}
	cf.RootFS.DiffIDs = runDiffs
	for _, l := range keep {
		d, _ := l.DiffID()
		cf.RootFS.DiffIDs = append(cf.RootFS.DiffIDs, d)
	}
	cf.History = append(append([]v1.History{}, runCfg.History...), appHistory(appCfg.History, top+1)...)
	if len(runCfg.History) == 0 && len(cf.History) > 0 {
		cf.History = nil // a partial history would not match the layers
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, errors.Wrap(err, "setting the image config")
	}
	if mt, err := app.MediaType(); err == nil {
		img = mutate.MediaType(img, mt)
	}
	if mt, err := appConfigMediaType(app); err == nil && mt != "" {
		img = mutate.ConfigMediaType(img, mt)
	}
	return img, nil
}

// appHistory is the history of the app image above its first skip
// non-empty layers: what the buildpacks and the exporter added.
func appHistory(h []v1.History, skip int) []v1.History {
	seen := 0
	for i, e := range h {
		if seen == skip {
			return h[i:]
		}
		if !e.EmptyLayer {
			seen++
		}
	}
	return nil
}

func appConfigMediaType(img v1.Image) (types.MediaType, error) {
	m, err := img.Manifest()
	if err != nil {
		return "", err
	}
	return m.Config.MediaType, nil
}

func diffIDs(img v1.Image) ([]v1.Hash, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, errors.Wrap(err, "reading the run image config")
	}
	return append([]v1.Hash{}, cf.RootFS.DiffIDs...), nil
}

// imagePlatformAPI is the CNB_PLATFORM_API an app image was exported with
// (CONFORMANCE REB-7); 0.0 when absent.
func imagePlatformAPI(env []string) api.Version {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "CNB_PLATFORM_API="); ok {
			if parsed, err := api.Parse(v); err == nil {
				return parsed
			}
		}
	}
	return api.Version{}
}
