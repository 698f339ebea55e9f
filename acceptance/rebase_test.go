package acceptance

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// rebaseFixture is an app image exported on run image v1 (with base labels
// a rebase must replace), and a v2 of that run image pushed to the same tag.
type rebaseFixture struct {
	*exportWorkspace
	v1Digest string // the app image before any rebase
}

func newRebaseFixture(t *testing.T, runV1 ...testutil.ImageOption) *rebaseFixture {
	t.Helper()
	w := newExportWorkspace(t)
	opts := append([]testutil.ImageOption{
		testutil.WithDistro("busybox", "1.0"),
		testutil.WithLabels(map[string]string{"io.buildpacks.base.maintainer": "v1 team", "io.buildpacks.stack.id": "bb"}),
	}, runV1...)
	testutil.Push(t, testutil.BusyboxImage(t, opts...), w.runRef)
	wantCode(t, "exporter", w.buildAndExport(t), 0)
	f := &rebaseFixture{exportWorkspace: w, v1Digest: testutil.Digest(t, w.appRef).String()}
	return f
}

// pushRunV2 pushes a new run image to the fixture's run image tag: one more
// file (so one more or a different layer) and new base labels.
func (f *rebaseFixture) pushRunV2(t *testing.T, opts ...testutil.ImageOption) v1.Image {
	t.Helper()
	all := append([]testutil.ImageOption{
		testutil.WithDistro("busybox", "1.0"),
		testutil.WithLabels(map[string]string{"io.buildpacks.base.maintainer": "v2 team", "io.buildpacks.stack.id": "bb"}),
		testutil.WithFiles(map[string]string{"etc/run-version": "2\n"}),
	}, opts...)
	img := testutil.BusyboxImage(t, all...)
	testutil.Push(t, img, f.runRef)
	return img
}

func (f *rebaseFixture) rebase(api string, args ...string) result {
	report := filepath.Join(f.Out, "rebase-report.toml")
	return f.run("rebaser", runOpts{args: append([]string{"-report", report}, args...), env: []string{"CNB_PLATFORM_API=" + api}})
}

type lifecycleLabel struct {
	RunImage struct {
		TopLayer  string   `json:"topLayer"`
		Reference string   `json:"reference"`
		Image     string   `json:"image"`
		Mirrors   []string `json:"mirrors"`
	} `json:"runImage"`
}

func readLifecycleLabel(t *testing.T, cf *v1.ConfigFile) lifecycleLabel {
	t.Helper()
	var l lifecycleLabel
	if err := json.Unmarshal([]byte(cf.Config.Labels["io.buildpacks.lifecycle.metadata"]), &l); err != nil {
		t.Fatalf("lifecycle metadata label: %v", err)
	}
	return l
}

func diffIDsOf(t *testing.T, img v1.Image) []v1.Hash {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf.RootFS.DiffIDs
}

// TestREB_RegistryRebase rebases an app image onto a new run image in the
// real registry: run image layers swapped, app layers kept byte for byte,
// label and base labels updated, created time and everything else kept,
// report written, and the same inputs give the same digest
// (CONFORMANCE REB-2, REB-3, REB-4, REB-5, REB-8, REB-9, TGT-1).
func TestREB_RegistryRebase(t *testing.T) {
	t.Parallel()
	f := newRebaseFixture(t)
	before := testutil.Pull(t, f.appRef)
	beforeCfg, _ := before.ConfigFile()
	oldRun := testutil.Pull(t, f.runRef)
	newRun := f.pushRunV2(t)

	other := strings.TrimSuffix(f.appRef, ":latest") + ":rebased"
	res := f.rebase("0.12", f.appRef, other)
	wantCode(t, "rebaser", res, 0)

	after := testutil.Pull(t, f.appRef)
	if err := validate.Image(after); err != nil {
		t.Fatalf("validate.Image(rebased) = %v", err)
	}
	digest, _ := after.Digest()
	if digest.String() == f.v1Digest {
		t.Fatal("the app image did not change")
	}
	if got := testutil.Digest(t, other).String(); got != digest.String() {
		t.Errorf("second tag has %s, first %s (REB-2: same image to every <image>)", got, digest)
	}
	var report struct {
		Image struct {
			Tags         []string `toml:"tags"`
			Digest       string   `toml:"digest"`
			ManifestSize int64    `toml:"manifest-size"`
		} `toml:"image"`
	}
	if _, err := toml.DecodeFile(filepath.Join(f.Out, "rebase-report.toml"), &report); err != nil {
		t.Fatalf("report: %v", err)
	}
	if report.Image.Digest != digest.String() || len(report.Image.Tags) != 2 || report.Image.ManifestSize == 0 {
		t.Errorf("report = %+v, want digest %s, both tags and the manifest size (REB-8)", report.Image, digest)
	}

	// Layers: new run image's, then the app's above the old top layer.
	oldDiffs, newRunDiffs, beforeDiffs := diffIDsOf(t, oldRun), diffIDsOf(t, newRun), diffIDsOf(t, before)
	want := append(append([]v1.Hash{}, newRunDiffs...), beforeDiffs[len(oldDiffs):]...)
	got := diffIDsOf(t, after)
	if len(got) != len(want) {
		t.Fatalf("rebased diffIDs = %v, want %v (REB-4)", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("layer %d = %s, want %s (REB-4)", i, got[i], want[i])
		}
	}
	beforeLayers, _ := before.Layers()
	afterLayers, _ := after.Layers()
	for i := len(oldDiffs); i < len(beforeLayers); i++ {
		b, _ := beforeLayers[i].Digest()
		a, _ := afterLayers[len(newRunDiffs)+i-len(oldDiffs)].Digest()
		if a != b {
			t.Errorf("app layer %d digest %s, was %s: app layers must be kept byte for byte", i, a, b)
		}
	}

	cf, _ := after.ConfigFile()
	label := readLifecycleLabel(t, cf)
	if label.RunImage.TopLayer != newRunDiffs[len(newRunDiffs)-1].String() {
		t.Errorf("runImage.topLayer = %s, want the new run image's top %s (REB-4)", label.RunImage.TopLayer, newRunDiffs[len(newRunDiffs)-1])
	}
	runDigest := testutil.Digest(t, f.runRef)
	if !strings.HasSuffix(label.RunImage.Reference, "@"+runDigest.String()) {
		t.Errorf("runImage.reference = %s, want a digest reference to %s (REB-4)", label.RunImage.Reference, runDigest)
	}
	if got := cf.Config.Labels["io.buildpacks.base.maintainer"]; got != "v2 team" {
		t.Errorf("io.buildpacks.base.maintainer = %q, want the new run image's (REB-5)", got)
	}
	if !cf.Created.Equal(beforeCfg.Created.Time) {
		t.Errorf("created = %s, was %s (REB-9)", cf.Created, beforeCfg.Created)
	}
	if strings.Join(cf.Config.Entrypoint, " ") != strings.Join(beforeCfg.Config.Entrypoint, " ") ||
		strings.Join(cf.Config.Env, "\n") != strings.Join(beforeCfg.Config.Env, "\n") ||
		cf.Config.Labels["io.buildpacks.build.metadata"] != beforeCfg.Config.Labels["io.buildpacks.build.metadata"] {
		t.Errorf("entrypoint, env or build label changed by the rebase")
	}
	if len(cf.History) != len(cf.RootFS.DiffIDs) {
		t.Errorf("history has %d entries for %d layers", len(cf.History), len(cf.RootFS.DiffIDs))
	}

	// Rebasing the rebased image onto the same run image gives the same
	// image (REB-9).
	wantCode(t, "second rebaser", f.rebase("0.12", f.appRef), 0)
	if again := testutil.Digest(t, f.appRef); again != digest {
		t.Errorf("rebasing again gave %s, want the same %s (REB-9)", again, digest)
	}
}

// TestREB2_PreviousImage reads -previous-image and writes only <image>:
// the previous image keeps its digest (CONFORMANCE REB-2).
func TestREB2_PreviousImage(t *testing.T) {
	t.Parallel()
	f := newRebaseFixture(t)
	f.pushRunV2(t)
	out := strings.TrimSuffix(f.appRef, ":latest") + ":new"
	wantCode(t, "rebaser", f.rebase("0.12", "-previous-image", f.appRef, out), 0)
	if got := testutil.Digest(t, f.appRef).String(); got != f.v1Digest {
		t.Errorf("previous image changed to %s (REB-2)", got)
	}
	if got := testutil.Digest(t, out).String(); got == f.v1Digest {
		t.Errorf("%s was not rebased", out)
	}
}

// TestREB6_Checks: not rebasable, target mismatch and a run image the label
// does not list each fail with exit 72 and leave the image as it was; with
// -force they pass with a warning (CONFORMANCE REB-6, REB-8).
func TestREB6_Checks(t *testing.T) {
	t.Parallel()
	t.Run("not rebasable", func(t *testing.T) {
		t.Parallel()
		f := newRebaseFixture(t, testutil.WithLabels(map[string]string{"io.buildpacks.rebasable": "false"}))
		f.pushRunV2(t)
		res := f.rebase("0.12", f.appRef)
		wantCode(t, "rebaser", res, 72)
		wantContains(t, "stderr", res.stderr, "io.buildpacks.rebasable")
		if got := testutil.Digest(t, f.appRef).String(); got != f.v1Digest {
			t.Errorf("failed rebase changed the image to %s", got)
		}
		res = f.rebase("0.12", "-force", f.appRef)
		wantCode(t, "rebaser -force", res, 0)
		wantContains(t, "stderr", res.stderr, "-force")
	})
	t.Run("target mismatch", func(t *testing.T) {
		t.Parallel()
		f := newRebaseFixture(t)
		f.pushRunV2(t, testutil.WithPlatform("linux", "arm64", ""))
		res := f.rebase("0.12", f.appRef)
		wantCode(t, "rebaser", res, 72)
		wantContains(t, "stderr", res.stderr, "architecture")
		if got := testutil.Digest(t, f.appRef).String(); got != f.v1Digest {
			t.Errorf("failed rebase changed the image to %s", got)
		}
		wantCode(t, "rebaser -force", f.rebase("0.12", "-force", f.appRef), 0)
		cf, _ := testutil.Pull(t, f.appRef).ConfigFile()
		if cf.Architecture != "arm64" {
			t.Errorf("architecture = %s, want the new run image's arm64 with -force", cf.Architecture)
		}
	})
	t.Run("distro mismatch", func(t *testing.T) {
		t.Parallel()
		f := newRebaseFixture(t)
		f.pushRunV2(t, testutil.WithDistro("busybox", "2.0"))
		wantCode(t, "rebaser", f.rebase("0.12", f.appRef), 72)
	})
	t.Run("unlisted run image", func(t *testing.T) {
		t.Parallel()
		f := newRebaseFixture(t)
		other := sharedRegistry(t).Ref(registryRepo(t, "other-run") + ":latest")
		testutil.Push(t, testutil.BusyboxImage(t, testutil.WithDistro("busybox", "1.0")), other)
		res := f.rebase("0.12", "-run-image", other, f.appRef)
		wantCode(t, "rebaser", res, 72)
		wantContains(t, "stderr", res.stderr, other)
		wantCode(t, "rebaser -force", f.rebase("0.12", "-force", "-run-image", other, f.appRef), 0)
		cf, _ := testutil.Pull(t, f.appRef).ConfigFile()
		if l := readLifecycleLabel(t, cf); l.RunImage.Image != other || len(l.RunImage.Mirrors) != 0 {
			t.Errorf("runImage = %+v, want image %s and no mirrors after a forced rebase", l.RunImage, other)
		}
	})
	t.Run("listed run image by -run-image", func(t *testing.T) {
		t.Parallel()
		f := newRebaseFixture(t)
		f.pushRunV2(t)
		wantCode(t, "rebaser", f.rebase("0.12", "-run-image", f.runRef, f.appRef), 0)
	})
}

// TestREB7_LegacyStackChecks: an app image built below Platform API 0.12
// is checked by stack id instead of target (CONFORMANCE REB-7).
func TestREB7_LegacyStackChecks(t *testing.T) {
	t.Parallel()
	f := newRebaseFixture(t)
	// Pretend the image was exported at 0.11: its env says so.
	img := testutil.Pull(t, f.appRef)
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	for i, kv := range cf.Config.Env {
		if strings.HasPrefix(kv, "CNB_PLATFORM_API=") {
			cf.Config.Env[i] = "CNB_PLATFORM_API=0.11"
		}
	}
	legacy, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	testutil.Push(t, legacy, f.appRef)
	f.pushRunV2(t, testutil.WithLabels(map[string]string{"io.buildpacks.stack.id": "another"}), testutil.WithPlatform("linux", "arm64", ""))
	res := f.rebase("0.12", f.appRef)
	wantCode(t, "rebaser", res, 72)
	wantContains(t, "stderr", res.stderr, "stack")
}

// TestREB_Errors: bad arguments are exit 3; a missing app image, a missing
// run image or an unreachable registry are exit 72, and the image stays
// (CONFORMANCE REB-1, REB-2, REB-3, REB-8).
func TestREB_Errors(t *testing.T) {
	t.Parallel()
	f := newRebaseFixture(t)
	reg := sharedRegistry(t)
	missing := reg.Ref(registryRepo(t, "nothing-here") + ":latest")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no image", nil, 3, ""},
		{"digest reference", []string{f.appRef[:strings.LastIndex(f.appRef, ":")] + "@" + f.v1Digest}, 3, "tag"},
		{"two registries", []string{f.appRef, "other.example.com/app:latest"}, 3, "registry"},
		{"run-image and image", []string{"-run-image", f.runRef, "-image", f.runRef, f.appRef}, 3, "-image"},
		{"missing app image", []string{missing}, 72, "nothing-here"},
		{"missing run image", []string{"-force", "-run-image", missing, f.appRef}, 72, "nothing-here"},
		{"unreachable registry", []string{"127.0.0.1:1/app:latest"}, 72, "127.0.0.1:1"},
	} {
		res := f.rebase("0.12", tc.args...)
		if res.code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, res.code, tc.code, res.stderr)
			continue
		}
		if tc.want != "" {
			wantContains(t, tc.name+" stderr", res.stderr, tc.want)
		}
	}
	if got := testutil.Digest(t, f.appRef).String(); got != f.v1Digest {
		t.Errorf("failed rebases changed the image to %s", got)
	}
}
