package acceptance

import (
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/BurntSushi/toml"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// anaAPIs are the Platform APIs the analyzer tests run at: the oldest
// supported, the first with -skip-layers, the first with run.toml and
// target data, the first with -insecure-registry, and the newest.
var anaAPIs = []string{"0.7", "0.9", "0.12", "0.13", "0.15"}

// anaUser is the uid and gid the analyzer runs as: the build user when the
// tests run as root, else the test's own user.
func anaUser() (uid, gid int) {
	if asRoot {
		return buildUID, buildGID
	}
	return os.Getuid(), os.Getgid()
}

// anaFixture is one analyzer test: a workspace and the shared registry.
type anaFixture struct {
	t   *testing.T
	w   *workspace
	reg *testutil.Registry
}

func newAnaFixture(t *testing.T) *anaFixture {
	t.Helper()
	return &anaFixture{t: t, w: newWorkspace(t), reg: sharedRegistry(t)}
}

// repo is the test's repository name in the shared registry as a tagless
// reference, "127.0.0.1:PORT/tests/<test>/<name>".
func (f *anaFixture) repo(name string) string { return f.reg.Ref(registryRepo(f.t, name)) }

// push pushes img to repo(name) with the tag latest and returns repo(name).
func (f *anaFixture) push(name string, img v1.Image) string {
	f.t.Helper()
	ref := f.repo(name)
	testutil.Push(f.t, img, ref+":latest")
	return ref
}

// runImage pushes a busybox run image built with opts to repo(name).
func (f *anaFixture) runImage(name string, opts ...testutil.ImageOption) string {
	f.t.Helper()
	return f.push(name, testutil.BusyboxImage(f.t, opts...))
}

// analyzedPath is the default <layers>/analyzed.toml.
func (f *anaFixture) analyzedPath() string { return filepath.Join(f.w.Layers, "analyzed.toml") }

// analyze runs the analyzer at Platform API api with args, as the build
// user and with CNB_USER_ID/CNB_GROUP_ID naming it, an empty docker config,
// then env. At Platform API 0.13 it also passes -insecure-registry for the
// shared registry, which is how a platform reaches a plain-HTTP registry.
func (f *anaFixture) analyze(api string, env []string, args ...string) result {
	f.t.Helper()
	return f.runAnalyzer(api, false, env, args...)
}

// runAnalyzer is analyze, run as the test's own user when privileged.
func (f *anaFixture) runAnalyzer(api string, privileged bool, env []string, args ...string) result {
	f.t.Helper()
	uid, gid := anaUser()
	base := []string{
		"CNB_PLATFORM_API=" + api,
		"CNB_USER_ID=" + strconv.Itoa(uid),
		"CNB_GROUP_ID=" + strconv.Itoa(gid),
		"DOCKER_CONFIG=" + filepath.Join(f.w.Root, "no-docker-config"),
	}
	if api == "0.13" {
		args = append([]string{"-insecure-registry", f.reg.Host()}, args...)
	}
	return f.w.run("analyzer", runOpts{args: args, env: append(base, env...), privileged: privileged})
}

// analyzeOK runs the analyzer with -layers <layers> and args, wants exit 0
// and returns the analyzed.toml it wrote to the default path.
func (f *anaFixture) analyzeOK(api string, env []string, args ...string) map[string]any {
	f.t.Helper()
	res := f.analyze(api, env, append([]string{"-layers", f.w.Layers}, args...)...)
	wantCode(f.t, "analyzer "+strings.Join(args, " "), res, 0)
	return readTOMLMap(f.t, f.analyzedPath())
}

// digestRef is repo@<digest of repo:latest>, the way analyzed.toml names
// an image in a registry.
func (f *anaFixture) digestRef(repo string) string {
	f.t.Helper()
	return repo + "@" + testutil.Digest(f.t, repo+":latest").String()
}

// anaGet follows keys through nested tables.
func anaGet(m map[string]any, keys ...string) (any, bool) {
	var v any = m
	for _, k := range keys {
		tbl, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = tbl[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// anaWant fails the test unless the value at keys is want.
func anaWant(t *testing.T, m map[string]any, want any, keys ...string) {
	t.Helper()
	got, ok := anaGet(m, keys...)
	if !ok {
		t.Errorf("analyzed.toml has no %s, want %#v\n%s", strings.Join(keys, "."), want, anaDump(m))
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("analyzed.toml %s = %#v, want %#v", strings.Join(keys, "."), got, want)
	}
}

// anaWantAbsent fails the test if analyzed.toml has a value at keys.
func anaWantAbsent(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	if got, ok := anaGet(m, keys...); ok {
		t.Errorf("analyzed.toml has %s = %#v, want none", strings.Join(keys, "."), got)
	}
}

// anaWantNoPrevious fails the test unless analyzed.toml describes no
// previous image: no [image] reference and no (or an empty) [metadata].
func anaWantNoPrevious(t *testing.T, m map[string]any) {
	t.Helper()
	if ref, ok := anaGet(m, "image", "reference"); ok && ref != "" {
		t.Errorf("analyzed.toml [image] reference = %#v, want none", ref)
	}
	if md, ok := anaGet(m, "metadata"); ok && len(anaNormalize(md).(map[string]any)) != 0 {
		t.Errorf("analyzed.toml [metadata] = %#v, want none or empty", md)
	}
}

// anaNormalize drops empty tables, a false run-image extend and reads
// integers as floats, so that equivalent TOML compares equal: JSON numbers
// in a label have no integer type.
func anaNormalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			n := anaNormalize(e)
			if tbl, ok := n.(map[string]any); ok && len(tbl) == 0 {
				continue
			}
			out[k] = n
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = anaNormalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = anaNormalize(e)
		}
		return out
	case int64:
		return float64(x)
	}
	return v
}

// anaNormalizeAnalyzed is anaNormalize plus dropping run-image.extend =
// false, which may be written or left out.
func anaNormalizeAnalyzed(m map[string]any) map[string]any {
	out := anaNormalize(m).(map[string]any)
	if ri, ok := out["run-image"].(map[string]any); ok {
		if ext, ok := ri["extend"].(bool); ok && !ext {
			delete(ri, "extend")
		}
	}
	return out
}

func anaDump(m map[string]any) string {
	var b strings.Builder
	if err := toml.NewEncoder(&b).Encode(m); err != nil {
		return fmt.Sprintf("%#v", m)
	}
	return b.String()
}

// anaProxy serves the shared registry through a server of its own on
// 127.0.0.1, which the lifecycle sees as another registry. For each
// request deny may return an HTTP status and a registry error code to
// answer with instead of forwarding (0 forwards). A 401 carries a Basic
// challenge.
func anaProxy(t *testing.T, upstream string, deny func(*http.Request) (int, string)) (host string) {
	t.Helper()
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: upstream})
	// A client that hangs up early is no news.
	rp.ErrorLog = log.New(io.Discard, "", 0)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, code := deny(r); status != 0 {
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Basic realm="cnb-lifecycle tests"`)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"refused by the test proxy"}]}`, code)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

// Credentials the Basic-auth proxy accepts.
const (
	anaUserName = "cnb-user"
	anaPassword = "cnb-secret"
)

// anaBasic is the base64 user:password of a Basic Authorization header.
func anaBasic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// anaAuthProxy is an anaProxy that wants Basic anaUserName:anaPassword on
// every request, /v2/ included.
func anaAuthProxy(t *testing.T, upstream string) string {
	t.Helper()
	want := "Basic " + anaBasic(anaUserName, anaPassword)
	return anaProxy(t, upstream, func(r *http.Request) (int, string) {
		if r.Header.Get("Authorization") != want {
			return http.StatusUnauthorized, "UNAUTHORIZED"
		}
		return 0, ""
	})
}

// anaWriteFile writes content to path, making its directory.
func anaWriteFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// anaRunTOML is a run.toml with one [[images]] entry.
func anaRunTOML(image string, mirrors ...string) string {
	s := fmt.Sprintf("[[images]]\nimage = %q\n", image)
	if len(mirrors) > 0 {
		s += fmt.Sprintf("mirrors = [%s]\n", quoteList(mirrors))
	}
	return s
}

// anaStackTOML is a stack.toml naming a run image and its mirrors.
func anaStackTOML(image string, mirrors ...string) string {
	s := fmt.Sprintf("[build-image]\nimage = \"example.com/build\"\n\n[run-image]\nimage = %q\n", image)
	if len(mirrors) > 0 {
		s += fmt.Sprintf("mirrors = [%s]\n", quoteList(mirrors))
	}
	return s
}

// runSourceArgs writes the run image source file of Platform API api
// (run.toml from 0.12, stack.toml before) naming image and mirrors, and
// returns the flag that points the analyzer at it.
func (f *anaFixture) runSourceArgs(api, image string, mirrors ...string) []string {
	f.t.Helper()
	if apiAtLeast(api, "0.12") {
		p := filepath.Join(f.w.Platform, "run.toml")
		anaWriteFile(f.t, p, anaRunTOML(image, mirrors...), 0o644)
		return []string{"-run", p}
	}
	p := filepath.Join(f.w.Platform, "stack.toml")
	anaWriteFile(f.t, p, anaStackTOML(image, mirrors...), 0o644)
	return []string{"-stack", p}
}

// anaOwner is the uid and gid owning path (not following links).
func anaOwner(t *testing.T, path string) (uid, gid int) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatalf("no owner information for %s", path)
	}
	return int(st.Uid), int(st.Gid)
}

// anaSharedRunImage pushes a busybox run image for all the subtests of t
// to read, and returns its tagless reference.
func anaSharedRunImage(t *testing.T, opts ...testutil.ImageOption) string {
	t.Helper()
	ref := sharedRegistry(t).Ref(registryRepo(t, "run"))
	testutil.Push(t, testutil.BusyboxImage(t, opts...), ref+":latest")
	return ref
}
