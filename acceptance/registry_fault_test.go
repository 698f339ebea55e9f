package acceptance

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// The fault matrix of issue 8 §1: every phase that touches a registry runs
// behind faultProxy, once per transient fault (injected into the first
// request of every kind the phase sends) and then under persistent faults.
// Transient faults are ridden out with retries, visible as warnings;
// persistent ones fail the phase with its exit code, and after any failure
// the tag, the cache image and the cache directory are what they were and
// every manifest in the registry is complete.

// faultTally counts what a test injected; its top-level test logs it (go
// test -v) for the table in docs/RELIABILITY.md.
type faultTally struct {
	sync.Mutex
	faults, cases int
}

func newTally(t *testing.T) *faultTally {
	c := &faultTally{}
	t.Cleanup(func() { t.Logf("fault tally: %d faults injected, %d cases", c.faults, c.cases) })
	return c
}

func (c *faultTally) add(t *testing.T, p *faultProxy, before int) {
	t.Helper()
	n, _ := p.counts()
	if n-before == 0 {
		t.Errorf("the proxy injected no fault: the case proves nothing")
	}
	c.Lock()
	c.faults += n - before
	c.cases++
	c.Unlock()
}

// allKinds is every request kind: a rule per kind fails the first of each.
var allKinds = []reqKind{kindPing, kindToken, kindBlobHead, kindBlobGet, kindUploadPost, kindUploadPatch, kindUploadPut, kindManifestHead, kindManifestGet, kindManifestPut}

// faultFixture is a built app behind a fault proxy: an image, a volume cache
// and a cache image from one clean build.
type faultFixture struct {
	*exportWorkspace
	proxy    *faultProxy
	upstream *testutil.Registry
	cacheDir string
	appRepo  string
	cacheRef string
}

func newFaultFixture(t *testing.T, upstream *testutil.Registry) *faultFixture {
	t.Helper()
	w, cacheDir := newCacheWorkspace(t)
	f := &faultFixture{exportWorkspace: w, upstream: upstream, cacheDir: cacheDir, proxy: newFaultProxy(t, upstream.Host())}
	runRepo := registryRepo(t, "run") + ":latest"
	f.appRepo = registryRepo(t, "app") + ":latest"
	testutil.Push(t, testutil.BusyboxImage(t), upstream.Ref(runRepo))
	w.runRef = f.proxy.Ref(runRepo)
	w.appRef = f.proxy.Ref(f.appRepo)
	f.cacheRef = f.proxy.Ref(registryRepo(t, "cache") + ":latest")
	f.analyze(t, 0)
	wantCode(t, "detector", w.detect("0.12", nil), 0)
	wantCode(t, "builder", w.build("0.12", nil), 0)
	wantCode(t, "clean exporter", f.export("-cache-image", f.cacheRef), 0)
	wantCode(t, "clean exporter (volume cache)", f.export("-cache-dir", cacheDir), 0)
	return f
}

func (f *faultFixture) env() []string {
	return []string{"CNB_PLATFORM_API=0.12", "LIFECYCLE_REGISTRY_TIMEOUT=" + faultClientTimeout}
}

func (f *faultFixture) analyze(t *testing.T, want int) result {
	t.Helper()
	res := f.run("analyzer", runOpts{args: []string{"-layers", f.Layers, "-run-image", f.runRef, "-cache-image", f.cacheRef, f.appRef}, env: f.env()})
	wantCode(t, "analyzer", res, want)
	return res
}

func (f *faultFixture) export(cache ...string) result {
	args := append([]string{"-layers", f.Layers, "-app", f.App, "-launcher", filepath.Join(binDir, "launcher")}, cache...)
	return f.run("exporter", runOpts{args: append(args, f.appRef), env: f.env()})
}

func (f *faultFixture) restore(cache ...string) result {
	return f.run("restorer", runOpts{args: append([]string{"-layers", f.Layers}, cache...), env: f.env()})
}

// change makes the next export upload a new layer.
func (f *faultFixture) change(t *testing.T, i int) {
	t.Helper()
	f.write(filepath.Join(f.App, "index.txt"), fmt.Sprintf("change %d\n", i))
	wantCode(t, "builder", f.build("0.12", nil), 0)
}

// state is what must survive a failure.
type faultState struct {
	app, cache v1.Hash
	cacheMD    string
}

func (f *faultFixture) state(t *testing.T) faultState {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(f.cacheDir, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	return faultState{
		app:     testutil.Digest(t, f.upstream.Ref(f.appRepo)),
		cache:   testutil.Digest(t, f.upstream.Ref(strings.TrimPrefix(f.cacheRef, f.proxy.Host()+"/"))),
		cacheMD: string(md),
	}
}

// wantNothingLost: the tag and the cache image still name what they named,
// the cache directory's metadata is the same and the cache image restores.
func (f *faultFixture) wantNothingLost(t *testing.T, before faultState) {
	t.Helper()
	after := f.state(t)
	if after.app != before.app {
		t.Errorf("the app tag moved to %s after a failure, want %s", after.app, before.app)
	}
	if after.cache != before.cache {
		t.Errorf("the cache image moved to %s after a failure, want %s", after.cache, before.cache)
	}
	if after.cacheMD != before.cacheMD {
		t.Errorf("the cache directory's metadata changed after a failure")
	}
	wantComplete(t, f.upstream.Ref(f.appRepo))
	f.proxy.script()
	f.wantRestores(t, "-cache-image", f.cacheRef)
	f.wantRestores(t, "-cache-dir", f.cacheDir)
}

// wantRestores runs analyzer and restorer on fresh layers and checks that
// the cached layer came back.
func (f *faultFixture) wantRestores(t *testing.T, cache ...string) {
	t.Helper()
	f.freshLayers(t)
	f.analyze(t, 0)
	wantCode(t, "detector", f.detect("0.12", nil), 0)
	res := f.restore(cache...)
	wantCode(t, "restorer", res, 0)
	if !exists(filepath.Join(f.Layers, escapeID("example/deps"), "deps", "marker")) {
		t.Errorf("restorer %v did not restore the cached layer:\n%s", cache, res.output())
	}
	wantCode(t, "builder", f.build("0.12", nil), 0)
}

// wantComplete: the manifest ref names has every blob it lists.
func wantComplete(t *testing.T, ref string) {
	t.Helper()
	img := testutil.Pull(t, ref)
	m, err := img.Manifest()
	if err != nil {
		t.Fatalf("reading %s: %v", ref, err)
	}
	repo, _ := name.NewRepository(strings.SplitN(ref, ":latest", 2)[0], name.Insecure)
	for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		if _, err := remote.Layer(repo.Digest(d.Digest.String()), remote.WithTransport(http.DefaultTransport)); err != nil {
			t.Errorf("%s names blob %s, which is missing: %v", ref, d.Digest, err)
			continue
		}
		resp, err := http.Head("http://" + repo.RegistryStr() + "/v2/" + repo.RepositoryStr() + "/blobs/" + d.Digest.String())
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%s names blob %s, which the registry does not have (%v)", ref, d.Digest, err)
		}
	}
}

func wantRetried(t *testing.T, res result) {
	t.Helper()
	if !strings.Contains(res.stderr, "retrying") {
		t.Errorf("no retry warning in stderr:\n%s", res.stderr)
	}
	wantNoPanic(t, "the phase", res)
}

// faultErrorLine: a failure's last ERROR line names each of words and
// carries no upload state.
func faultErrorLine(t *testing.T, res result, words ...string) {
	t.Helper()
	wantNoPanic(t, "the phase", res)
	var lines []string
	for _, l := range strings.Split(ansi.ReplaceAllString(res.stderr, ""), "\n") {
		if strings.HasPrefix(l, "ERROR: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		t.Errorf("no ERROR line in stderr:\n%s", res.stderr)
		return
	}
	last := lines[len(lines)-1]
	if strings.Contains(last, "_state=") {
		t.Errorf("error line %q carries an upload state", last)
	}
	for _, w := range words {
		if !strings.Contains(last, w) {
			t.Errorf("error line %q does not name %q", last, w)
		}
	}
}

func analyzedPrevious(t *testing.T, layers string) string {
	t.Helper()
	m := readTOMLMap(t, filepath.Join(layers, "analyzed.toml"))
	v, _ := anaGet(m, "image", "reference")
	s, _ := v.(string)
	return s
}

// TestFaults_TransientRegistryFaults: each phase rides out each transient
// fault on every kind of request it sends (issue 8 §1).
func TestFaults_TransientRegistryFaults(t *testing.T) {
	t.Parallel()
	reg := sharedRegistry(t)
	count := newTally(t)
	phases := map[string]func(t *testing.T, f *faultFixture, fault string, i int){
		"analyzer": func(t *testing.T, f *faultFixture, fault string, i int) {
			f.freshLayers(t)
			f.proxy.script(each(fault, 1, allKinds...)...)
			res := f.analyze(t, 0)
			wantRetried(t, res)
			if got := analyzedPrevious(t, f.Layers); !strings.Contains(got, "@sha256:") {
				t.Errorf("analyzed.toml has no previous image after the faults: %q", got)
			}
		},
		"restorer (cache image)": func(t *testing.T, f *faultFixture, fault string, i int) {
			f.freshLayers(t)
			f.analyze(t, 0)
			wantCode(t, "detector", f.detect("0.12", nil), 0)
			f.proxy.script(each(fault, 1, allKinds...)...)
			res := f.restore("-cache-image", f.cacheRef)
			wantCode(t, "restorer", res, 0)
			wantRetried(t, res)
			if !exists(filepath.Join(f.Layers, escapeID("example/deps"), "deps", "marker")) {
				t.Errorf("the cached layer was not restored:\n%s", res.output())
			}
			f.proxy.script()
			wantCode(t, "builder", f.build("0.12", nil), 0)
		},
		"exporter (image, volume cache)": func(t *testing.T, f *faultFixture, fault string, i int) {
			f.change(t, i)
			before := testutil.Digest(t, f.upstream.Ref(f.appRepo))
			f.proxy.script(each(fault, 1, allKinds...)...)
			res := f.export("-cache-dir", f.cacheDir)
			wantCode(t, "exporter", res, 0)
			wantRetried(t, res)
			if testutil.Digest(t, f.upstream.Ref(f.appRepo)) == before {
				t.Error("the tag did not move to the new image")
			}
			wantComplete(t, f.upstream.Ref(f.appRepo))
		},
		"exporter (image and cache image)": func(t *testing.T, f *faultFixture, fault string, i int) {
			f.change(t, i)
			before := f.state(t)
			f.proxy.script(each(fault, 1, allKinds...)...)
			res := f.export("-cache-image", f.cacheRef)
			wantCode(t, "exporter", res, 0)
			wantRetried(t, res)
			if after := f.state(t); after.app == before.app {
				t.Error("the image was not updated")
			}
			wantComplete(t, f.upstream.Ref(f.appRepo))
			wantComplete(t, f.upstream.Ref(strings.TrimPrefix(f.cacheRef, f.proxy.Host()+"/")))
		},
		"rebaser": func(t *testing.T, f *faultFixture, fault string, i int) {
			// A new version of the same run image.
			newRun := strings.TrimPrefix(f.runRef, f.proxy.Host()+"/")
			testutil.Push(t, testutil.BusyboxImage(t, testutil.WithFiles(map[string]string{"/etc/run-version": fmt.Sprint(i)})), f.upstream.Ref(newRun))
			f.proxy.script(each(fault, 1, allKinds...)...)
			res := f.run("rebaser", runOpts{args: []string{"-report", filepath.Join(f.Layers, "report.toml"), "-run-image", f.proxy.Ref(newRun), f.appRef}, env: f.env()})
			wantCode(t, "rebaser", res, 0)
			wantRetried(t, res)
			cfg, err := testutil.Pull(t, f.upstream.Ref(f.appRepo)).ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			runDigest := testutil.Digest(t, f.upstream.Ref(newRun)).String()
			if md := cfg.Config.Labels["io.buildpacks.lifecycle.metadata"]; !strings.Contains(md, runDigest) {
				t.Errorf("the app was not rebased onto %s (%s): metadata %s", newRun, runDigest, md)
			}
			wantComplete(t, f.upstream.Ref(f.appRepo))
		},
		"creator": func(t *testing.T, f *faultFixture, fault string, i int) {
			f.freshLayers(t)
			f.write(filepath.Join(f.App, "index.txt"), fmt.Sprintf("creator change %d\n", i))
			before := testutil.Digest(t, f.upstream.Ref(f.appRepo))
			f.proxy.script(each(fault, 1, allKinds...)...)
			res := f.run("creator", runOpts{args: []string{"-app", f.App, "-buildpacks", f.Buildpacks, "-layers", f.Layers, "-order", f.Order,
				"-platform", f.Platform, "-launcher", filepath.Join(binDir, "launcher"), "-run-image", f.runRef, "-cache-image", f.cacheRef, f.appRef}, env: f.env()})
			wantCode(t, "creator", res, 0)
			wantRetried(t, res)
			if testutil.Digest(t, f.upstream.Ref(f.appRepo)) == before {
				t.Error("the tag did not move to the new image")
			}
			wantComplete(t, f.upstream.Ref(f.appRepo))
		},
	}
	for phase, run := range phases {
		t.Run(phase, func(t *testing.T) {
			t.Parallel()
			f := newFaultFixture(t, reg)
			for i, fault := range transientFaults {
				t.Run(fault, func(t *testing.T) {
					n, _ := f.proxy.counts()
					run(t, f, fault, i)
					count.add(t, f.proxy, n)
				})
			}
		})
	}
}

// TestFaults_PersistentRegistryFaults: faults that do not go away fail the
// phase with one line and its exit code, and lose nothing.
func TestFaults_PersistentRegistryFaults(t *testing.T) {
	t.Parallel()
	reg := sharedRegistry(t)
	count := newTally(t)
	cases := []struct {
		name  string
		rules []rule
		basic string // the token endpoint wants these credentials
		run   func(t *testing.T, f *faultFixture) result
		code  int
		words []string
	}{
		{name: "analyzer/manifest GET 503", rules: []rule{{kind: kindManifestGet, fault: fault503, times: -1}, {kind: kindManifestHead, fault: fault503, times: -1}},
			run: func(t *testing.T, f *faultFixture) result { f.freshLayers(t); return f.analyze(t, 32) }, code: 32, words: []string{"no read access", "503", "gave up after 5 attempts"}},
		{name: "analyzer/bad credentials 401", basic: "user:right", rules: nil,
			run: func(t *testing.T, f *faultFixture) result {
				f.freshLayers(t)
				res := f.run("analyzer", runOpts{args: []string{"-layers", f.Layers, "-run-image", f.runRef, f.appRef},
					env: append(f.env(), `CNB_REGISTRY_AUTH={"`+f.proxy.Host()+`":"Basic `+anaBasic("user", "wrong")+`"}`)})
				return res
			}, code: 32, words: []string{"UNAUTHORIZED", "no read access"}},
		{name: "restorer/cache layer blob 404", rules: []rule{{kind: kindBlobGet, fault: fault404, times: -1, repo: ""}},
			run: func(t *testing.T, f *faultFixture) result {
				f.freshLayers(t)
				f.proxy.script()
				f.analyze(t, 0)
				wantCode(t, "detector", f.detect("0.12", nil), 0)
				f.proxy.script(rule{kind: kindBlobGet, fault: fault404, times: -1})
				res := f.restore("-cache-image", f.cacheRef)
				if exists(filepath.Join(f.Layers, escapeID("example/deps"), "deps", "marker")) {
					t.Error("a layer whose blob is missing was restored")
				}
				return res
			}, code: 0, words: nil},
		{name: "exporter/blob commit 503", rules: []rule{{kind: kindUploadPut, fault: fault503, times: -1}},
			run: func(t *testing.T, f *faultFixture) result {
				f.change(t, 100)
				return f.export("-cache-dir", f.cacheDir)
			},
			code: 62, words: []string{"saving image", "blobs/uploads", "503"}},
		{name: "exporter/manifest PUT 500", rules: []rule{{kind: kindManifestPut, fault: fault500, times: -1}},
			run: func(t *testing.T, f *faultFixture) result {
				f.change(t, 101)
				return f.export("-cache-image", f.cacheRef)
			},
			code: 62, words: []string{"500", "gave up after 5 attempts"}},
		{name: "exporter/uploads reset", rules: []rule{{kind: kindUploadPatch, fault: faultReset, times: -1}},
			run: func(t *testing.T, f *faultFixture) result {
				f.change(t, 102)
				return f.export("-cache-dir", f.cacheDir)
			},
			code: 62, words: []string{"saving"}},
		{name: "exporter/429 asking for an hour", rules: []rule{{kind: kindUploadPost, fault: fault429, times: -1}},
			run: func(t *testing.T, f *faultFixture) result {
				f.change(t, 103)
				return f.run("exporter", runOpts{args: []string{"-layers", f.Layers, "-app", f.App, "-launcher", filepath.Join(binDir, "launcher"), "-cache-dir", f.cacheDir, f.appRef},
					env: append(f.env(), "LIFECYCLE_REGISTRY_RETRIES=2")})
			}, code: 62, words: []string{"429"}},
		{name: "rebaser/run image config 404", rules: []rule{{kind: kindBlobGet, fault: fault404, times: -1}},
			run: func(t *testing.T, f *faultFixture) result {
				newRun := strings.TrimPrefix(f.runRef, f.proxy.Host()+"/")
				testutil.Push(t, testutil.BusyboxImage(t, testutil.WithEnv("RUN_VERSION=404")), f.upstream.Ref(newRun))
				return f.run("rebaser", runOpts{args: []string{"-report", filepath.Join(f.Layers, "report.toml"), "-run-image", f.proxy.Ref(newRun), f.appRef}, env: f.env()})
			}, code: 72, words: []string{"404"}},
		{name: "rebaser/manifest PUT 503", rules: []rule{{kind: kindManifestPut, fault: fault503, times: -1}},
			run: func(t *testing.T, f *faultFixture) result {
				newRun := strings.TrimPrefix(f.runRef, f.proxy.Host()+"/")
				testutil.Push(t, testutil.BusyboxImage(t, testutil.WithEnv("RUN_VERSION=503")), f.upstream.Ref(newRun))
				return f.run("rebaser", runOpts{args: []string{"-report", filepath.Join(f.Layers, "report.toml"), "-run-image", f.proxy.Ref(newRun), f.appRef}, env: f.env()})
			}, code: 72, words: []string{"503", "gave up after 5 attempts"}},
		{name: "creator/blob commits 502", rules: []rule{{kind: kindUploadPut, fault: fault502, times: -1}},
			run: func(t *testing.T, f *faultFixture) result {
				f.freshLayers(t)
				f.write(filepath.Join(f.App, "index.txt"), "creator under 502\n")
				return f.run("creator", runOpts{args: []string{"-app", f.App, "-buildpacks", f.Buildpacks, "-layers", f.Layers, "-order", f.Order,
					"-platform", f.Platform, "-launcher", filepath.Join(binDir, "launcher"), "-run-image", f.runRef, "-cache-dir", f.cacheDir, f.appRef}, env: f.env()})
			}, code: 62, words: []string{"saving image", "blobs/uploads", "502"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFaultFixture(t, reg)
			before := f.state(t)
			n, _ := f.proxy.counts()
			f.proxy.basic = c.basic
			f.proxy.script(c.rules...)
			res := c.run(t, f)
			wantCode(t, c.name, res, c.code)
			if c.code != 0 {
				faultErrorLine(t, res, c.words...)
			} else {
				wantNoPanic(t, "the phase", res)
			}
			if c.basic == "" {
				count.add(t, f.proxy, n)
			} else {
				count.Lock()
				count.faults++
				count.cases++
				count.Unlock()
			}
			f.proxy.basic = ""
			f.wantNothingLost(t, before)
		})
	}
}

// TestFaults_RegistryRestartMidPush: the registry goes down while a layer
// is being uploaded and comes back; the exporter retries and the image is
// whole (issue 8 §1).
func TestFaults_RegistryRestartMidPush(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	reg, err := testutil.LaunchRegistry(dir)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	t.Cleanup(func() { mu.Lock(); defer mu.Unlock(); reg.Stop() })
	f := newFaultFixture(t, reg)
	count := newTally(t)
	restarts := 0
	f.proxy.restart = func() {
		mu.Lock()
		defer mu.Unlock()
		if err := reg.Stop(); err != nil {
			t.Errorf("stopping the registry: %v", err)
		}
		again, err := testutil.LaunchRegistryAt(dir, reg.Host())
		if err != nil {
			t.Errorf("restarting the registry: %v", err)
			return
		}
		reg = again
		f.upstream = again
		restarts++
	}
	for i, cache := range [][]string{{"-cache-dir", f.cacheDir}, {"-cache-image", f.cacheRef}} {
		f.change(t, 200+i)
		n, _ := f.proxy.counts()
		f.proxy.script(rule{kind: kindUploadPatch, fault: faultRestart, times: 1})
		res := f.export(cache...)
		wantCode(t, fmt.Sprintf("exporter %v with a registry restart", cache), res, 0)
		wantRetried(t, res)
		count.add(t, f.proxy, n)
		wantComplete(t, reg.Ref(f.appRepo))
	}
	if restarts != 2 {
		t.Errorf("the registry restarted %d times, want 2", restarts)
	}
}

// TestFaults_RestorerFetchesABrokenLayerAgain: a cached layer too big for
// the transport to read whole (6 MB) breaks off mid-download, reset or cut
// short; the restorer fetches it again and restores it intact (issue 8 §1,
// RES-5).
func TestFaults_RestorerFetchesABrokenLayerAgain(t *testing.T) {
	t.Parallel()
	f := newFaultFixture(t, sharedRegistry(t))
	count := newTally(t)
	f.addBuild(bbp{id: "example/big", api: "0.10", script: `
if [ -f "$L/big/blob" ]; then sha256sum "$L/big/blob" > "$rec.restored"; fi
rm -rf "$L/big"
layer big cache
head -c 6000000 /dev/urandom > "$L/big/blob"
sha256sum "$L/big/blob" > "$rec.written"
`})
	f.setOrder([]ref{r("example/deps"), r("example/web"), r("example/big")})
	f.freshLayers(t)
	f.analyze(t, 0)
	wantCode(t, "detector", f.detect("0.12", nil), 0)
	wantCode(t, "builder", f.build("0.12", nil), 0)
	wantCode(t, "exporter", f.export("-cache-image", f.cacheRef), 0)
	written := f.readFile(f.buildRecord("example/big") + ".written")

	for _, fault := range []string{faultReset, faultTruncate} {
		t.Run(fault, func(t *testing.T) {
			// The cache image's biggest layer is the one to break.
			big := biggestLayer(t, f.upstream.Ref(strings.TrimPrefix(f.cacheRef, f.proxy.Host()+"/")))
			if big.Size < 5<<20 {
				t.Fatalf("the biggest cached layer has %d bytes, want over the transport's 4 MiB", big.Size)
			}
			f.freshLayers(t)
			os.Remove(f.buildRecord("example/big") + ".restored")
			f.analyze(t, 0)
			wantCode(t, "detector", f.detect("0.12", nil), 0)
			n, _ := f.proxy.counts()
			f.proxy.script(rule{kind: kindBlobGet, fault: fault, times: 2, suffix: big.Digest.String()})
			res := f.restore("-cache-image", f.cacheRef)
			wantCode(t, "restorer", res, 0)
			wantContains(t, "restorer stderr", res.stderr, "fetching it again")
			count.add(t, f.proxy, n)
			f.proxy.script()
			wantCode(t, "builder", f.build("0.12", nil), 0)
			if got := f.readFile(f.buildRecord("example/big") + ".restored"); got != written {
				t.Errorf("the restored layer hashes to %q, want %q", got, written)
			}
			written = f.readFile(f.buildRecord("example/big") + ".written")
			wantCode(t, "exporter", f.export("-cache-image", f.cacheRef), 0)
		})
	}
}

// biggestLayer is the descriptor of the biggest layer of the image ref.
func biggestLayer(t *testing.T, ref string) v1.Descriptor {
	t.Helper()
	m, err := testutil.Pull(t, ref).Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var big v1.Descriptor
	for _, l := range m.Layers {
		if l.Size > big.Size {
			big = l
		}
	}
	return big
}
