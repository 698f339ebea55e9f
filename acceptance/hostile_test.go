package acceptance

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// Hostile inputs to the real binaries (issue 8 §3): cache tars that try to
// write outside <layers>, lifecycle metadata naming layers outside their
// buildpack's directory, malformed, wrong-typed and enormous labels and
// TOML files. Every case asserts the exit code, the line that explains it,
// that nothing panicked, and (for the restorer) that nothing was written
// outside <layers>.

// hostileWorkspace is a workspace with a group of one buildpack
// (example/deps, Buildpack API 0.10), a volume cache directory and a
// sentinel directory <root>/outside holding a file "victim".
type hostileWorkspace struct {
	*workspace
	cacheDir, outside, victim string
}

func newHostileWorkspace(t *testing.T) *hostileWorkspace {
	t.Helper()
	w := &hostileWorkspace{workspace: newWorkspace(t)}
	w.cacheDir = filepath.Join(w.Root, "cache")
	w.outside = filepath.Join(w.Root, "outside")
	w.victim = filepath.Join(w.outside, "victim")
	w.mkdir(w.cacheDir)
	w.write(w.victim, "original")
	w.write(filepath.Join(w.Layers, "group.toml"), "[[group]]\n  id = \"example/deps\"\n  version = \"1.0.0\"\n  api = \"0.10\"\n")
	return w
}

// layerDir is where the restorer puts layer name of example/deps.
func (w *hostileWorkspace) layerDir(name string) string {
	return filepath.Join(w.Layers, "example_deps", name)
}

// cacheLayer stores data as a cached layer of example/deps named name
// (cache=true, build=true) in the volume cache: the blob under its diffID,
// so that the restorer's hash check passes and only the contents are
// hostile.
func (w *hostileWorkspace) cacheLayer(name string, data []byte) {
	w.t.Helper()
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	w.mkdir(filepath.Join(w.cacheDir, "blobs"))
	if err := os.WriteFile(filepath.Join(w.cacheDir, "blobs", "sha256-"+hexSum+".tar"), data, 0o644); err != nil {
		w.t.Fatal(err)
	}
	md := fmt.Sprintf(`{"buildpacks":[{"key":"example/deps","version":"1.0.0","layers":{%q:{"sha":"sha256:%s","data":{"k":"v"},"build":true,"launch":false,"cache":true}}}]}`, name, hexSum)
	w.write(filepath.Join(w.cacheDir, "metadata.json"), md)
}

// restore runs the restorer at Platform API 0.12 with the volume cache.
func (w *hostileWorkspace) restore() result {
	w.t.Helper()
	return w.run("restorer", runOpts{args: []string{"-layers", w.Layers, "-cache-dir", w.cacheDir}, env: []string{"CNB_PLATFORM_API=0.12"}})
}

// wantContained fails unless the sentinel is untouched and nothing but the
// workspace's own directories and files exists outside <layers>.
func (w *hostileWorkspace) wantContained() {
	w.t.Helper()
	if data, err := os.ReadFile(w.victim); err != nil || string(data) != "original" {
		w.t.Errorf("the sentinel outside <layers> = %q, %v, want it untouched", data, err)
	}
	if es, _ := os.ReadDir(w.outside); len(es) != 1 {
		w.t.Errorf("the directory outside <layers> holds %d entries, want only the sentinel", len(es))
	}
	known := map[string]bool{}
	for _, d := range []string{w.App, w.Buildpacks, w.Layers, w.Platform, w.Out, w.Tmp, w.cacheDir, w.outside, w.Order} {
		known[d] = true
	}
	es, _ := os.ReadDir(w.Root)
	for _, e := range es {
		if p := filepath.Join(w.Root, e.Name()); !known[p] {
			w.t.Errorf("the restorer wrote %s outside <layers>", p)
		}
	}
	_ = filepath.WalkDir(w.Root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), "pwned") {
			w.t.Errorf("found %s", p)
		}
		return nil
	})
}

// wantNoPanic fails if a binary's output shows a Go panic or stack dump.
func wantNoPanic(t *testing.T, what string, r result) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "runtime error"} {
		if strings.Contains(r.output(), s) {
			t.Errorf("%s output contains %q:\n%s", what, s, r.output())
		}
	}
}

// hostileLayerTar is a layer tar as the exporter writes it (absolute
// paths, LAY-5), entries named by rel below the layer directory unless
// already absolute; "$O" is replaced by the sentinel directory.
type hostileEnt struct {
	name, body, link string
	typ              byte
	size             int64 // declared size when not len(body)
}

func (w *hostileWorkspace) layerTar(layer string, ents ...hostileEnt) []byte {
	w.t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	sub := strings.NewReplacer("$O", w.outside, "$L", w.layerDir(layer))
	for _, e := range ents {
		h := &tar.Header{Name: sub.Replace(e.name), Linkname: sub.Replace(e.link), Typeflag: e.typ, Mode: 0o644, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			w.t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	return buf.Bytes()
}

// TestHostile_RES6_CacheLayerTars: a cached layer whose tar (with the
// right diffID) tries to write outside its layer directory is skipped
// with "Skipping restore for layer" and the restorer succeeds, or, when
// the hostile entries are only ignored, the rest of the layer is restored;
// nothing is written outside <layers> (CONFORMANCE RES-5, RES-6).
func TestHostile_RES6_CacheLayerTars(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ents []hostileEnt
		// skipped wants the layer skipped with a warning; otherwise it is
		// restored (with file "ok").
		skipped bool
		wantErr string
	}{
		{name: "dot-dot out of the layer is ignored", ents: []hostileEnt{{name: "$L/ok", body: "ok"}, {name: "$L/../../../outside/pwned", body: "evil"}}},
		{name: "absolute path elsewhere is ignored", ents: []hostileEnt{{name: "$L/ok", body: "ok"}, {name: "$O/pwned", body: "evil"}}},
		{name: "absolute symlink then a file through it", ents: []hostileEnt{{name: "$L/l", link: "$O", typ: tar.TypeSymlink}, {name: "$L/l/pwned", body: "evil"}}, skipped: true, wantErr: "path escapes"},
		{name: "relative symlink then a file through it", ents: []hostileEnt{{name: "$L/l", link: "../../..", typ: tar.TypeSymlink}, {name: "$L/l/outside/pwned", body: "evil"}}, skipped: true, wantErr: "path escapes"},
		{name: "symlink chain then a file through it", ents: []hostileEnt{{name: "$L/a", link: "b", typ: tar.TypeSymlink}, {name: "$L/b", link: "$O", typ: tar.TypeSymlink}, {name: "$L/a/pwned", body: "evil"}}, skipped: true, wantErr: "path escapes"},
		{name: "hard link to an outside file", ents: []hostileEnt{{name: "$L/pwned", link: "$O/victim", typ: tar.TypeLink}}, skipped: true, wantErr: "path escapes"},
		{name: "hard link through a symlink", ents: []hostileEnt{{name: "$L/l", link: "$O", typ: tar.TypeSymlink}, {name: "$L/pwned", link: "$L/l/victim", typ: tar.TypeLink}}, skipped: true, wantErr: "path escapes"},
		{name: "device and fifo are skipped", ents: []hostileEnt{{name: "$L/ok", body: "ok"}, {name: "$L/null", typ: tar.TypeChar}, {name: "$L/fifo", typ: tar.TypeFifo}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newHostileWorkspace(t)
			w.cacheLayer("deps", w.layerTar("deps", tc.ents...))
			res := w.restore()
			wantNoPanic(t, "restorer", res)
			wantCode(t, "restorer", res, 0)
			w.wantContained()
			if tc.skipped {
				wantContains(t, "restorer stderr", res.stderr, "Skipping restore for layer 'example/deps:deps'")
				wantContains(t, "restorer stderr", res.stderr, tc.wantErr)
				if exists(w.layerDir("deps")) || exists(w.layerDir("deps")+".toml") {
					t.Error("the skipped layer was left behind")
				}
				return
			}
			wantContains(t, "restorer stdout", res.stdout, "Restoring data for 'example/deps:deps' from cache")
			if got := w.readFile(filepath.Join(w.layerDir("deps"), "ok")); got != "ok" {
				t.Errorf("deps/ok = %q, want ok", got)
			}
			for _, n := range []string{"null", "fifo"} {
				if _, err := os.Lstat(filepath.Join(w.layerDir("deps"), n)); err == nil {
					t.Errorf("deps/%s was created", n)
				}
			}
		})
	}
}

// TestHostile_RES6_MalformedCacheTars: cached blobs that hash to their
// name but are no valid tar (truncated, oversized PAX header, garbage) are
// skipped with a one-line warning naming the layer (CONFORMANCE RES-6).
func TestHostile_RES6_MalformedCacheTars(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 2<<20)
	cases := []struct {
		name    string
		data    func(w *hostileWorkspace) []byte
		wantErr string
	}{
		{"truncated", func(w *hostileWorkspace) []byte {
			return w.layerTar("deps", hostileEnt{name: "$L/big", body: strings.Repeat("x", 8192)})[:1024+512]
		}, "unexpected EOF"},
		{"not a tar", func(*hostileWorkspace) []byte { return bytes.Repeat([]byte("garbage!"), 200) }, "reading tar"},
		{"PAX header of 2 MiB", func(w *hostileWorkspace) []byte {
			rec := " comment=" + huge + "\n"
			rec = fmt.Sprintf("%d%s", len(rec)+7, rec)
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			tw.WriteHeader(&tar.Header{Name: "PaxHeaders/f", Typeflag: tar.TypeReg, Size: int64(len(rec)), Mode: 0o644, Format: tar.FormatUSTAR})
			tw.Write([]byte(rec))
			tw.Close()
			data := buf.Bytes()
			data[156] = tar.TypeXHeader
			copy(data[148:156], "        ")
			sum := 0
			for _, b := range data[:512] {
				sum += int(b)
			}
			copy(data[148:156], fmt.Sprintf("%06o\x00 ", sum))
			return data
		}, "header field too long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newHostileWorkspace(t)
			w.cacheLayer("deps", tc.data(w))
			res := w.restore()
			wantNoPanic(t, "restorer", res)
			wantCode(t, "restorer", res, 0)
			w.wantContained()
			line := hostileLine(res.stderr, "Skipping restore for layer 'example/deps:deps'")
			if line == "" || !strings.Contains(line, tc.wantErr) {
				t.Errorf("restorer stderr = %q, want one line skipping example/deps:deps for %q", res.stderr, tc.wantErr)
			}
			if exists(w.layerDir("deps")) {
				t.Error("the skipped layer was left behind")
			}
		})
	}
}

// hostileLine is the line of s containing sub, "" if none.
func hostileLine(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// TestHostile_RES4_LayerNames: layer names in the cache metadata and in
// the previous image's metadata (analyzed.toml [metadata], from the
// io.buildpacks.lifecycle.metadata label) that are no plain directory name
// (dot-dot, a slash, ".", empty, the reserved launch/build/store) are
// skipped with a warning naming them; nothing is written outside the
// buildpack's layers directory (CONFORMANCE RES-4, RES-5, BPI-13).
func TestHostile_RES4_LayerNames(t *testing.T) {
	t.Parallel()
	names := []string{"../../../outside/pwned", "../pwned", "a/pwned", ".", "..", "", "launch", "store"}
	for _, from := range []string{"cache", "image"} {
		for _, name := range names {
			t.Run(from+"/"+strings.NewReplacer("/", "_", ".", "dot").Replace(name), func(t *testing.T) {
				t.Parallel()
				w := newHostileWorkspace(t)
				if from == "cache" {
					w.cacheLayer(name, w.layerTar(name, hostileEnt{name: "$L/pwned", body: "evil"}))
				} else {
					w.write(filepath.Join(w.Layers, "analyzed.toml"), fmt.Sprintf(`[image]
  reference = ""
[[metadata.buildpacks]]
  key = "example/deps"
  version = "1.0.0"
  [metadata.buildpacks.layers.%q]
    sha = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
    launch = true
    [metadata.buildpacks.layers.%q.data]
      pwned = true
`, name, name))
				}
				res := w.restore()
				wantNoPanic(t, "restorer", res)
				wantCode(t, "restorer", res, 0)
				w.wantContained()
				wantContains(t, "restorer stderr", res.stderr, fmt.Sprintf("Skipping layer %q of example/deps", name))
				bpDir := filepath.Join(w.Layers, "example_deps")
				es, _ := os.ReadDir(bpDir)
				for _, e := range es {
					t.Errorf("the restorer wrote %s", filepath.Join(bpDir, e.Name()))
				}
				if es, _ := os.ReadDir(w.Layers); len(es) > 2 {
					t.Errorf("<layers> holds %d entries, want group.toml (and example_deps)", len(es))
				}
			})
		}
	}
}

// hostileLabels are values of the io.buildpacks.lifecycle.metadata label:
// readable says whether the analyzer takes the image as a previous image.
var hostileLabels = []struct {
	name, value string
	readable    bool
}{
	{"not json", `{"buildpacks":[`, false},
	{"wrong types", `{"buildpacks":"example/deps","runImage":7}`, false},
	{"an array", `[1,2,3]`, false},
	{"nested beyond the decoder's depth", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), false},
	{"nested store metadata", `{"buildpacks":[{"key":"example/deps","version":"1.0.0","layers":{},"store":{"metadata":{"deep":` +
		strings.Repeat(`{"a":`, 500) + `1` + strings.Repeat("}", 500) + `}}}]}`, true},
	{"20 MB of store metadata", `{"buildpacks":[{"key":"example/deps","version":"1.0.0","layers":{},"store":{"metadata":{"blob":"` +
		strings.Repeat("x", 20<<20) + `"}}}]}`, true},
}

// TestHostile_ANA8_LifecycleLabel: a previous image whose lifecycle label is
// malformed, of the wrong types or nested too deep counts as absent (info
// line, exit 0, ANA-8); an enormous or deeply nested but valid label is
// taken, and the restorer hands its store metadata back (RES-3). Neither
// phase panics.
func TestHostile_ANA8_LifecycleLabel(t *testing.T) {
	t.Parallel()
	run := anaSharedRunImage(t)
	for _, tc := range hostileLabels {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newAnaFixture(t)
			app := f.push("app", testutil.BusyboxImage(t, testutil.WithLabels(map[string]string{"io.buildpacks.lifecycle.metadata": tc.value})))
			res := f.analyze("0.12", nil, "-layers", f.w.Layers, "-run-image", run, app)
			wantNoPanic(t, "analyzer", res)
			wantCode(t, "analyzer", res, 0)
			m := readTOMLMap(t, f.analyzedPath())
			if !tc.readable {
				wantContains(t, "analyzer stdout", res.stdout, "treating it as absent")
				anaWantNoPrevious(t, m)
				return
			}
			anaWant(t, m, f.digestRef(app), "image", "reference")
			f.w.write(filepath.Join(f.w.Layers, "group.toml"), "[[group]]\n  id = \"example/deps\"\n  version = \"1.0.0\"\n  api = \"0.10\"\n")
			res = f.w.run("restorer", runOpts{args: []string{"-layers", f.w.Layers}, env: []string{"CNB_PLATFORM_API=0.12"}})
			wantNoPanic(t, "restorer", res)
			wantCode(t, "restorer", res, 0)
			store := f.w.readFile(filepath.Join(f.w.Layers, "example_deps", "store.toml"))
			if len(store) < 500 {
				t.Errorf("store.toml = %q, want the label's store metadata", store)
			}
		})
	}
}

// TestHostile_REB_LifecycleLabel: the rebaser refuses an app image whose
// lifecycle label it cannot read with 72 and one error line naming the
// label, and leaves the image alone; an enormous valid label is carried
// over (CONFORMANCE REB-1, REB-4, LBL-2).
func TestHostile_REB_LifecycleLabel(t *testing.T) {
	t.Parallel()
	for _, tc := range hostileLabels {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newExportWorkspace(t)
			testutil.Push(t, testutil.BusyboxImage(t, testutil.WithStackID("bb")), w.runRef)
			label := tc.value
			if tc.readable {
				// The app image is its run image: its top layer is the one
				// the rebase replaces.
				ids := diffIDsOf(t, testutil.BusyboxImage(t, testutil.WithStackID("bb")))
				label = `{"runImage":{"topLayer":"` + ids[len(ids)-1].String() + `"},` + label[1:]
			}
			testutil.Push(t, testutil.BusyboxImage(t, testutil.WithStackID("bb"),
				testutil.WithLabels(map[string]string{"io.buildpacks.lifecycle.metadata": label})), w.appRef)
			before := testutil.Digest(t, w.appRef).String()
			res := w.run("rebaser", runOpts{args: []string{"-report", filepath.Join(w.Out, "report.toml"), "-run-image", w.runRef, "-force", w.appRef}, env: []string{"CNB_PLATFORM_API=0.12"}})
			wantNoPanic(t, "rebaser", res)
			if !tc.readable {
				hostileOneError(t, "rebaser", res, 72, "io.buildpacks.lifecycle.metadata")
				if got := testutil.Digest(t, w.appRef).String(); got != before {
					t.Errorf("the failed rebase changed the app image")
				}
				return
			}
			wantCode(t, "rebaser", res, 0)
			cf, err := testutil.Pull(t, w.appRef).ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if got := cf.Config.Labels["io.buildpacks.lifecycle.metadata"]; len(got) < len(tc.value) {
				t.Errorf("the rebased image's lifecycle label has %d bytes, want the %d of the store metadata and more", len(got), len(tc.value))
			}
		})
	}
}

// hostileANSI matches the colour codes of the log's level prefixes.
var hostileANSI = regexp.MustCompile("\x1b\\[[0-9;]*m")

// hostileOneError fails unless r exited with code and its stderr has
// exactly one ERROR line, containing each of subs.
func hostileOneError(t *testing.T, what string, r result, code int, subs ...string) {
	t.Helper()
	wantCode(t, what, r, code)
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if l = hostileANSI.ReplaceAllString(l, ""); strings.HasPrefix(l, "ERROR: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Errorf("%s stderr has %d ERROR lines, want 1:\n%s", what, len(lines), r.stderr)
		return
	}
	for _, s := range subs {
		if !strings.Contains(lines[0], s) {
			t.Errorf("%s error line %q does not contain %q", what, lines[0], s)
		}
	}
}

// TestHostile_FIL11_TOMLInputs: TOML inputs the existing tests leave out,
// malformed, of the wrong types or enormous (50 MB): each phase exits with
// its code for the input (EXIT table: 1 for an unreadable group or order,
// 3 for the analyzer's run image sources run.toml and stack.toml, which are
// input resolution, ANA-3; the restorer's warning for analyzed.toml, RES-1) and one error line naming
// the file, or goes on with a warning; never a panic (CONFORMANCE FIL-11).
func TestHostile_FIL11_TOMLInputs(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("# padding padding padding padding padding padding\n", 1<<20) // 50 MB of comments
	group := "[[group]]\n  id = \"example/deps\"\n  version = \"1.0.0\"\n  api = \"0.10\"\n"
	cases := []struct {
		name, phase, api string
		file, content    string // relative to the workspace root
		args             []string
		code             int
		// warn, when set, wants a warning line containing it (code 0);
		// otherwise one ERROR line naming the file.
		warn string
	}{
		{name: "restorer/malformed group.toml", phase: "restorer", file: "layers/group.toml", content: "[[group]\n", code: 1},
		{name: "restorer/group.toml of the wrong types", phase: "restorer", file: "layers/group.toml", content: "group = \"example/deps\"\n", code: 1},
		{name: "restorer/group entry of the wrong types", phase: "restorer", file: "layers/group.toml", content: "[[group]]\n  id = 7\n  version = [1]\n", code: 1},
		{name: "restorer/50 MB malformed group.toml", phase: "restorer", file: "layers/group.toml", content: huge + "[[group]\n", code: 1},
		{name: "restorer/50 MB valid group.toml", phase: "restorer", file: "layers/group.toml", content: huge + group, warn: "No analyzed metadata found"},
		{name: "restorer/malformed analyzed.toml", phase: "restorer", file: "layers/analyzed.toml", content: "[image\n", warn: "Not using analyzed data"},
		{name: "restorer/analyzed.toml of the wrong types", phase: "restorer", file: "layers/analyzed.toml", content: "[image]\n  reference = 7\n[[metadata.buildpacks]]\n  key = [1]\n", warn: "Not using analyzed data"},
		{name: "restorer/50 MB malformed analyzed.toml", phase: "restorer", file: "layers/analyzed.toml", content: huge + "[image\n", warn: "Not using analyzed data"},
		{name: "detector/order.toml of the wrong types", phase: "detector", file: "order.toml", content: "order = 3\n", code: 1},
		{name: "detector/order group of the wrong types", phase: "detector", file: "order.toml", content: "[[order]]\n  group = \"example/deps\"\n", code: 1},
		{name: "detector/50 MB malformed order.toml", phase: "detector", file: "order.toml", content: huge + "[[order]\n", code: 1},
		{name: "analyzer/malformed run.toml", phase: "analyzer", api: "0.12", file: "run.toml", content: "[[images]\n", code: 3},
		{name: "analyzer/run.toml of the wrong types", phase: "analyzer", api: "0.12", file: "run.toml", content: "images = \"busybox\"\n", code: 3},
		{name: "analyzer/50 MB malformed run.toml", phase: "analyzer", api: "0.12", file: "run.toml", content: huge + "[[images]\n", code: 3},
		{name: "analyzer/malformed stack.toml", phase: "analyzer", api: "0.7", file: "stack.toml", content: "[run-image\n", code: 3},
		{name: "analyzer/stack.toml of the wrong types", phase: "analyzer", api: "0.7", file: "stack.toml", content: "run-image = 5\n", code: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newHostileWorkspace(t)
			path := filepath.Join(w.Root, tc.file)
			w.write(path, tc.content)
			api := tc.api
			if api == "" {
				api = "0.12"
			}
			var args []string
			switch tc.phase {
			case "restorer":
				args = []string{"-layers", w.Layers}
			case "detector":
				w.add(bp{id: "example/deps"})
				args = w.stdFlags()
			case "analyzer":
				flag := "-run"
				if tc.file == "stack.toml" {
					flag = "-stack"
				}
				args = []string{"-layers", w.Layers, flag, path, sharedRegistry(t).Ref(registryRepo(t, "app") + ":latest")}
			}
			res := w.run(tc.phase, runOpts{args: append(args, tc.args...), env: []string{"CNB_PLATFORM_API=" + api}})
			wantNoPanic(t, tc.phase, res)
			if tc.warn != "" {
				wantCode(t, tc.phase, res, 0)
				if l := hostileLine(res.stderr, tc.warn); l == "" {
					t.Errorf("%s stderr = %q, want a line containing %q", tc.phase, res.stderr, tc.warn)
				}
				return
			}
			hostileOneError(t, tc.phase, res, tc.code, tc.file)
		})
	}
}
