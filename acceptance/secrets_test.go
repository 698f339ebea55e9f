package acceptance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// Issue 8 §6, "Secrets and privileges": registry credentials never reach a
// log, a file the phases write, an image, or a buildpack (CONFORMANCE
// AUTH-4, PRIV-4, BPI-5); the phases that drop privileges leave what they
// make to the build user (PRIV-2); detector and builder refuse root, also as
// the multi-call binary (PRIV-3, DET-3, BLD-1).

// secrets are the credentials of one test. Each is a string found nowhere
// else, so that finding it anywhere is a leak.
type secrets struct {
	user, password, wrongPassword string
	// bearer is the registry token the proxy takes instead of a password.
	bearer string
	// The rest are configured for registries the phases never reach, or
	// reach only to find nobody answering.
	envIdentity, dockerIdentity, dockerToken, otherPassword, unreachableToken string
}

func newSecrets() secrets {
	return secrets{
		user:             "secrets-user",
		password:         "pw-Qx7SecretPassw0rd",
		wrongPassword:    "pw-Wr0ngSecretPassw0rd",
		bearer:           "tok-Bearer7SecretToken",
		envIdentity:      "idt-Env5SecretIdentity",
		dockerIdentity:   "idt-Docker3SecretIdentity",
		dockerToken:      "rtk-Docker9SecretRegistryToken",
		otherPassword:    "pw-Other4SecretPassw0rd",
		unreachableToken: "tok-Unreach6SecretToken",
	}
}

// all are the strings that must not leak: every secret, and the base64
// forms of Basic credentials.
func (s secrets) all() []string {
	return []string{
		s.password, s.wrongPassword, s.bearer, s.envIdentity, s.dockerIdentity, s.dockerToken,
		s.otherPassword, s.unreachableToken,
		anaBasic(s.user, s.password), anaBasic(s.user, s.wrongPassword), anaBasic("other-user", s.otherPassword),
	}
}

// leaked names the secrets found in data.
func (s secrets) leaked(data []byte) []string {
	var found []string
	for _, sec := range s.all() {
		if bytes.Contains(data, []byte(sec)) {
			found = append(found, sec)
		}
	}
	return found
}

// Where the phases find the credentials of the registry they use.
const (
	srcEnvBasic    = "CNB_REGISTRY_AUTH Basic"
	srcEnvBearer   = "CNB_REGISTRY_AUTH Bearer"
	srcDockerAuth  = "docker config auth"
	srcDockerToken = "docker config registrytoken"
)

var secretSources = []string{srcEnvBasic, srcEnvBearer, srcDockerAuth, srcDockerToken}

// secretsFixture is a cache workspace (newCacheWorkspace) whose registry
// is reached through a proxy that wants credentials on every request, with
// one more buildpack, example/spy, that records what it can see during
// detect and build.
type secretsFixture struct {
	*exportWorkspace
	s secrets
	// proxy wants Basic user:password or Bearer bearer; unreachable is a
	// host:port where nothing listens.
	proxy, unreachable string
	cacheRef           string
	// rootDocker is a docker config directory only root may read.
	rootDocker string
}

func newSecretsFixture(t *testing.T) *secretsFixture {
	t.Helper()
	w, _ := newCacheWorkspace(t)
	f := &secretsFixture{exportWorkspace: w, s: newSecrets()}
	shared := sharedRegistry(t)
	accepted := map[string]bool{
		"Basic " + anaBasic(f.s.user, f.s.password): true,
		"Bearer " + f.s.bearer:                      true,
	}
	f.proxy = anaProxy(t, shared.Host(), func(r *http.Request) (int, string) {
		if !accepted[r.Header.Get("Authorization")] {
			return http.StatusUnauthorized, "UNAUTHORIZED"
		}
		return 0, ""
	})
	f.unreachable = closedAddr(t)
	f.runRef = f.proxy + "/" + registryRepo(t, "run") + ":latest"
	f.appRef = f.proxy + "/" + registryRepo(t, "app") + ":latest"
	f.cacheRef = f.proxy + "/" + registryRepo(t, "cache") + ":latest"
	f.rootDocker = filepath.Join(anaRootDir(t, 0o700), "docker")

	spy := func(phase string) string {
		return fmt.Sprintf(`#!/usr/bin/env bash
rec=%s
tr '\0' '\n' < /proc/$$/environ > "$rec.environ"
env > "$rec.env"
if tr '\0' '\n' < /proc/$PPID/environ > "$rec.parent" 2>/dev/null; then echo yes > "$rec.parent-readable"; fi
if cat %s > "$rec.docker" 2>/dev/null; then echo yes > "$rec.docker-readable"; fi
exit 0
`, shellQuote(filepath.Join(f.Out, "spy."+phase)), shellQuote(filepath.Join(f.rootDocker, "config.json")))
	}
	dir := f.dir("example/spy", "1.0.0")
	f.write(filepath.Join(dir, "buildpack.toml"), "api = \"0.10\"\n\n[buildpack]\n  id = \"example/spy\"\n  version = \"1.0.0\"\n  name = \"Spy\"\n")
	f.writeExec(filepath.Join(dir, "bin", "detect"), spy("detect"))
	f.writeExec(filepath.Join(dir, "bin", "build"), spy("build"))
	f.setOrder([]ref{r("example/spy"), r("example/deps"), r("example/web")})
	return f
}

// closedAddr is 127.0.0.1:PORT where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// dockerConfig is a config.json with credentials for three registries the
// phases never reach (identitytoken, registrytoken, auth) and, if entry is
// not nil, one for the proxy.
func (f *secretsFixture) dockerConfig(entry map[string]string) string {
	auths := map[string]map[string]string{
		"identity.registry.example": {"identitytoken": f.s.dockerIdentity},
		"token.registry.example":    {"registrytoken": f.s.dockerToken},
		"basic.registry.example":    {"auth": anaBasic("other-user", f.s.otherPassword)},
	}
	if entry != nil {
		auths[f.proxy] = entry
	}
	data, err := json.Marshal(map[string]any{"auths": auths})
	if err != nil {
		f.t.Fatal(err)
	}
	return string(data)
}

// credentials are CNB_REGISTRY_AUTH and a docker config that give the proxy
// the credentials of source, or wrong ones if wrong, next to credentials
// for registries the phases do not use (an X-Identity token) or cannot
// reach (a Bearer token for the unreachable host).
func (f *secretsFixture) credentials(source string, wrong bool) (registryAuth, dockerConfig string) {
	password, token := f.s.password, f.s.bearer
	if wrong {
		password, token = f.s.wrongPassword, f.s.bearer+"-wrong"
	}
	env := map[string]string{
		"https://other.registry.example/v2/": "X-Identity " + f.s.envIdentity,
		f.unreachable:                        "Bearer " + f.s.unreachableToken,
	}
	var docker map[string]string
	switch source {
	case srcEnvBasic:
		env[f.proxy] = "Basic " + anaBasic(f.s.user, password)
	case srcEnvBearer:
		env[f.proxy] = "Bearer " + token
	case srcDockerAuth:
		docker = map[string]string{"auth": anaBasic(f.s.user, password)}
	case srcDockerToken:
		docker = map[string]string{"registrytoken": token}
	}
	data, err := json.Marshal(env)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(data), f.dockerConfig(docker)
}

// env is the environment of every phase of a test: Platform API 0.12, debug
// logging, the credentials of source (in a docker config the build user
// may read, under dockerDirs).
func (f *secretsFixture) env(source string, wrong bool) []string {
	f.t.Helper()
	auth, docker := f.credentials(source, wrong)
	dir := f.dockerDirs()[0]
	if wrong {
		dir = f.dockerDirs()[1]
	}
	anaWriteFile(f.t, filepath.Join(dir, "config.json"), docker, 0o644)
	return []string{"CNB_PLATFORM_API=0.12", "CNB_LOG_LEVEL=debug", "CNB_REGISTRY_AUTH=" + auth, "DOCKER_CONFIG=" + dir}
}

// dockerDirs are the directories of the docker configs env writes, with
// the right and the wrong credentials.
func (f *secretsFixture) dockerDirs() []string {
	return []string{filepath.Join(f.Root, "docker-right"), filepath.Join(f.Root, "docker-wrong")}
}

// phase runs bin at -log-level debug with env and args; the phases that
// may start as root (all but detector and builder) do so, naming the build
// user, when the tests run as root, as pack does.
func (f *secretsFixture) phase(bin string, env []string, args ...string) result {
	f.t.Helper()
	return f.phaseAs(bin, bin != "detector" && bin != "builder", env, args...)
}

// phaseAs is phase, started as root only if asRoot and root; otherwise as
// the build user.
func (f *secretsFixture) phaseAs(bin string, root bool, env []string, args ...string) result {
	f.t.Helper()
	privileged := root && asRoot
	if privileged {
		env = append(env, "CNB_USER_ID="+strconv.Itoa(buildUID), "CNB_GROUP_ID="+strconv.Itoa(buildGID))
	}
	return f.run(bin, runOpts{args: append([]string{"-log-level", "debug"}, args...), env: env, privileged: privileged})
}

// wantNoLeak fails the test if a secret is in res's stdout or stderr.
func (f *secretsFixture) wantNoLeak(what string, res result) {
	f.t.Helper()
	for name, out := range map[string]string{"stdout": res.stdout, "stderr": res.stderr} {
		if found := f.s.leaked([]byte(out)); len(found) > 0 {
			f.t.Errorf("%s %s holds the secrets %q (AUTH-4):\n%s", what, name, found, out)
		}
	}
}

// wantNoLeakInFiles fails the test if a secret is in the name or content of
// any file under root, or the target of a link, except under the skip
// directories.
func (f *secretsFixture) wantNoLeakInFiles(root string, skip ...string) {
	f.t.Helper()
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, s := range skip {
			if p == s {
				return filepath.SkipDir
			}
		}
		if found := f.s.leaked([]byte(p)); len(found) > 0 {
			f.t.Errorf("a file name holds the secrets %q: %s", found, p)
		}
		var data []byte
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			data = []byte(target)
		case d.Type().IsRegular():
			if data, err = os.ReadFile(p); err != nil {
				return err
			}
			files++
		}
		if found := f.s.leaked(data); len(found) > 0 {
			f.t.Errorf("%s holds the secrets %q (AUTH-4)", p, found)
		}
		return nil
	})
	if err != nil {
		f.t.Fatalf("walking %s: %v", root, err)
	}
	if files == 0 {
		f.t.Fatalf("no files under %s", root)
	}
}

// wantNoLeakInImage fails the test if a secret is in the manifest, the
// config or any layer of the image at ref (read from the registry directly,
// not through the proxy).
func (f *secretsFixture) wantNoLeakInImage(ref string) {
	f.t.Helper()
	img := testutil.Pull(f.t, ref)
	manifest, err := img.RawManifest()
	if err != nil {
		f.t.Fatal(err)
	}
	config, err := img.RawConfigFile()
	if err != nil {
		f.t.Fatal(err)
	}
	parts := map[string][]byte{"manifest": manifest, "config": config}
	layers, err := img.Layers()
	if err != nil {
		f.t.Fatal(err)
	}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			f.t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			f.t.Fatal(err)
		}
		parts[fmt.Sprintf("layer %d", i)] = data
	}
	for part, data := range parts {
		if found := f.s.leaked(data); len(found) > 0 {
			f.t.Errorf("image %s, %s, holds the secrets %q (AUTH-4)", ref, part, found)
		}
	}
}

// direct is ref (on the proxy) as a reference to the shared registry.
func (f *secretsFixture) direct(ref string) string {
	return sharedRegistry(f.t).Host() + strings.TrimPrefix(ref, f.proxy)
}

// wantSpyBlind checks what example/spy recorded during phase ("detect" or
// "build") in the run of who, then removes the records: it ran, its
// environment (env and /proc/self/environ) holds no secret and neither
// CNB_REGISTRY_AUTH nor DOCKER_CONFIG (PRIV-4, BPI-5), the environment of
// the lifecycle process that started it (/proc/$PPID/environ) holds no
// secret either, and it could not read the root-only docker config
// (AUTH-4).
func (f *secretsFixture) wantSpyBlind(who, phase string) {
	f.t.Helper()
	rec := filepath.Join(f.Out, "spy."+phase)
	defer func() {
		for _, ext := range []string{"environ", "env", "parent", "parent-readable", "docker", "docker-readable"} {
			os.Remove(rec + "." + ext)
		}
	}()
	for _, ext := range []string{"environ", "env"} {
		data, err := os.ReadFile(rec + "." + ext)
		if err != nil {
			f.t.Errorf("%s: /bin/%s of example/spy left no record: %v", who, phase, err)
			continue
		}
		if found := f.s.leaked(data); len(found) > 0 {
			f.t.Errorf("%s: the environment of /bin/%s holds the secrets %q (PRIV-4)", who, phase, found)
		}
		for _, line := range strings.Split(string(data), "\n") {
			for _, v := range []string{"CNB_REGISTRY_AUTH=", "DOCKER_CONFIG="} {
				if strings.HasPrefix(line, v) {
					f.t.Errorf("%s: /bin/%s has %s in its environment (BPI-5)", who, phase, line)
				}
			}
		}
	}
	if data, err := os.ReadFile(rec + ".parent"); err == nil {
		if found := f.s.leaked(data); len(found) > 0 {
			f.t.Errorf("%s: /bin/%s read the secrets %q from its parent's /proc/$PPID/environ (PRIV-4)", who, phase, found)
		}
	}
	if exists(rec + ".docker-readable") {
		f.t.Errorf("%s: /bin/%s read the root-only docker config %s (AUTH-4)", who, phase, filepath.Join(f.rootDocker, "config.json"))
	}
}

// TestSecrets_NotInLogsFilesImagesOrBuildpacks runs every phase at debug
// level with the proxy's credentials from each source, twice over (the
// second build restores from the cache image), then the rebaser and the
// creator: no secret is printed, written under the workspace or pushed in
// the app or cache image, and the buildpacks see none (AUTH-4, PRIV-4,
// BPI-5).
func TestSecrets_NotInLogsFilesImagesOrBuildpacks(t *testing.T) {
	t.Parallel()
	for _, source := range secretSources {
		t.Run(source, func(t *testing.T) {
			t.Parallel()
			f := newSecretsFixture(t)
			env := f.env(source, false)
			run := func(bin string, args ...string) result {
				t.Helper()
				res := f.phase(bin, env, args...)
				wantCode(t, bin, res, 0)
				f.wantNoLeak(bin, res)
				return res
			}
			launcher := filepath.Join(binDir, "launcher")
			cycle := func(round string) result {
				t.Helper()
				run("analyzer", "-layers", f.Layers, "-run-image", f.runRef, "-cache-image", f.cacheRef, f.appRef)
				run("detector", f.stdFlags()...)
				f.wantSpyBlind(round+" detector", "detect")
				restore := run("restorer", "-layers", f.Layers, "-cache-image", f.cacheRef)
				run("builder", f.buildFlags()...)
				f.wantSpyBlind(round+" builder", "build")
				run("exporter", "-layers", f.Layers, "-app", f.App, "-cache-image", f.cacheRef, "-launcher", launcher, f.appRef)
				return restore
			}
			cycle("first build")
			f.freshLayers(t)
			restore := cycle("second build")
			wantContains(t, "second restorer stdout", restore.stdout, "Restoring data for 'example/deps:deps' from cache")
			f.wantNoLeakInFiles(f.Root, f.dockerDirs()...)
			f.wantNoLeakInImage(f.direct(f.appRef))
			f.wantNoLeakInImage(f.direct(f.cacheRef))

			run("rebaser", "-report", filepath.Join(f.Out, "rebase-report.toml"), f.appRef)

			// The creator as pack starts it (root, dropping to the build
			// user) and as kpack or Tekton do (the build user already).
			for _, root := range []bool{true, false} {
				who := fmt.Sprintf("creator (started as root: %v)", root && asRoot)
				f.freshLayers(t)
				res := f.phaseAs("creator", root, env, "-app", f.App, "-buildpacks", f.Buildpacks, "-layers", f.Layers,
					"-order", f.Order, "-platform", f.Platform, "-cache-dir", filepath.Join(f.Root, "cache"),
					"-run-image", f.runRef, "-launcher", launcher, f.appRef)
				wantCode(t, who, res, 0)
				f.wantNoLeak(who, res)
				f.wantSpyBlind(who, "detect")
				f.wantSpyBlind(who, "build")
			}
			f.wantNoLeakInFiles(f.Root, f.dockerDirs()...)
			f.wantNoLeakInImage(f.direct(f.appRef))
		})
	}
}

// TestSecrets_NotInFailureLogs: the registry phases fail at debug level
// against the proxy with wrong credentials from each source (401) and
// against a registry nobody answers for, whose credentials are configured:
// they fail, and no secret is in their output or in the files they leave
// (AUTH-4).
func TestSecrets_NotInFailureLogs(t *testing.T) {
	t.Parallel()
	for _, source := range secretSources {
		t.Run(source, func(t *testing.T) {
			t.Parallel()
			f := newSecretsFixture(t)
			good, bad := f.env(source, false), f.env(source, true)
			// A built workspace for the restorer and the exporter.
			for _, step := range []struct {
				bin  string
				args []string
			}{
				{"analyzer", []string{"-layers", f.Layers, "-run-image", f.runRef, f.appRef}},
				{"detector", f.stdFlags()},
				{"builder", f.buildFlags()},
			} {
				res := f.phase(step.bin, good, step.args...)
				wantCode(t, step.bin, res, 0)
				f.wantNoLeak(step.bin, res)
			}
			down := func(name string) string { return f.unreachable + "/" + registryRepo(t, name) + ":latest" }
			creatorLayers := filepath.Join(f.Root, "creator-layers")
			f.mkdir(creatorLayers)
			creator := func(run, app string) []string {
				return []string{"-app", f.App, "-buildpacks", f.Buildpacks, "-layers", creatorLayers, "-order", f.Order,
					"-platform", f.Platform, "-run-image", run, "-launcher", filepath.Join(binDir, "launcher"), app}
			}
			report := filepath.Join(f.Out, "failed-report.toml")
			// The restorer goes on without an unreadable cache image.
			cases := []struct {
				failure, bin string
				env, args    []string
				// why is what stderr says when the run failed for the
				// intended reason.
				why string
			}{
				{"401", "restorer", bad, []string{"-layers", f.Layers, "-cache-image", f.cacheRef}, "UNAUTHORIZED"},
				{"401", "exporter", bad, []string{"-layers", f.Layers, "-app", f.App, "-cache-image", f.cacheRef,
					"-launcher", filepath.Join(binDir, "launcher"), "-report", report, f.appRef}, "UNAUTHORIZED"},
				{"401", "rebaser", bad, []string{"-report", report, f.runRef}, "UNAUTHORIZED"},
				{"401", "analyzer", bad, []string{"-layers", f.Layers, "-analyzed", filepath.Join(f.Out, "analyzed.toml"),
					"-run-image", f.runRef, "-cache-image", f.cacheRef, f.appRef}, "401 Unauthorized"},
				{"401", "creator", bad, creator(f.runRef, f.appRef), "401 Unauthorized"},
				{"unreachable", "restorer", good, []string{"-layers", f.Layers, "-cache-image", down("cache")}, "connection refused"},
				{"unreachable", "exporter", good, []string{"-layers", f.Layers, "-app", f.App, "-launcher", filepath.Join(binDir, "launcher"),
					"-report", report, down("app")}, "connection refused"},
				{"unreachable", "rebaser", good, []string{"-report", report, down("app")}, "connection refused"},
				{"unreachable", "analyzer", good, []string{"-layers", f.Layers, "-analyzed", filepath.Join(f.Out, "analyzed.toml"),
					"-run-image", down("run"), down("app")}, "connection refused"},
				{"unreachable", "creator", good, creator(down("run"), down("app")), "connection refused"},
			}
			for _, tc := range cases {
				what := tc.bin + " (" + tc.failure + ")"
				res := f.phase(tc.bin, tc.env, tc.args...)
				if tc.bin == "restorer" {
					wantCode(t, what, res, 0)
					wantContains(t, what+" stderr", res.stderr, "starting with an empty cache")
				} else if res.code == 0 {
					t.Errorf("%s exit 0, want a failure\n%s", what, res.output())
				}
				wantContains(t, what+" stderr", res.stderr, tc.why)
				f.wantNoLeak(what, res)
			}
			f.wantNoLeakInFiles(f.Root, f.dockerDirs()...)
		})
	}
}

// TestSecrets_MalformedCredentialsNotEchoed: credentials the analyzer
// cannot use, in CNB_REGISTRY_AUTH or the docker config, fail the run
// without their secret part in the error (AUTH-1, AUTH-2, AUTH-4). PROXY
// in a case stands for the proxy's host.
func TestSecrets_MalformedCredentialsNotEchoed(t *testing.T) {
	t.Parallel()
	sec := newSecrets()
	b64 := anaBasic(sec.user, sec.password)
	cases := []struct {
		name, env, docker string
	}{
		{name: "env: header without a scheme", env: `{"PROXY": "` + b64 + `"}`},
		{name: "env: secret words only", env: `{"PROXY": "` + sec.password + ` ` + b64 + `"}`},
		{name: "env: unknown scheme", env: `{"PROXY": "Token ` + sec.bearer + `"}`},
		{name: "env: trailing garbage", env: `{"PROXY": "Basic ` + b64 + `"} garbage`},
		{name: "env: unterminated", env: `{"PROXY": "Basic ` + b64},
		{name: "env: a number beside", env: `{"PROXY": "Basic ` + b64 + `", "other.registry.example": 5}`},
		{name: "docker: broken JSON", docker: `{"auths": {"PROXY": {"auth": "` + b64 + `"}`},
		{name: "docker: auth not base64", docker: `{"auths": {"PROXY": {"auth": "!` + sec.password + `!"}}}`},
		{name: "docker: auth without a colon", docker: `{"auths": {"PROXY": {"auth": "` + base64.StdEncoding.EncodeToString([]byte(sec.password)) + `"}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newSecretsFixture(t)
			env := []string{"CNB_PLATFORM_API=0.12", "CNB_LOG_LEVEL=debug"}
			if tc.env != "" {
				env = append(env, "CNB_REGISTRY_AUTH="+strings.ReplaceAll(tc.env, "PROXY", f.proxy))
			}
			docker := "{}"
			if tc.docker != "" {
				docker = strings.ReplaceAll(tc.docker, "PROXY", f.proxy)
			}
			dir := f.dockerDirs()[0]
			anaWriteFile(t, filepath.Join(dir, "config.json"), docker, 0o644)
			env = append(env, "DOCKER_CONFIG="+dir)
			res := f.phase("analyzer", env, "-layers", f.Layers, "-run-image", f.runRef, f.appRef)
			if res.code == 0 {
				t.Errorf("analyzer exit 0 with unusable credentials, want a failure\n%s", res.output())
			}
			f.wantNoLeak("analyzer", res)
			f.wantNoLeakInFiles(f.Root, f.dockerDirs()...)
		})
	}
}

// TestSecrets_RootOnlyDockerConfig: the creator started as root reads a
// docker config only root may read, then drops to the build user; its
// buildpacks can neither read that file nor find its credentials anywhere
// (AUTH-4, PRIV-4).
func TestSecrets_RootOnlyDockerConfig(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root")
	}
	f := newSecretsFixture(t)
	_, docker := f.credentials(srcDockerAuth, false)
	anaWriteFile(t, filepath.Join(f.rootDocker, "config.json"), docker, 0o600)
	if err := os.Chmod(f.rootDocker, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"CNB_PLATFORM_API=0.12", "CNB_LOG_LEVEL=debug", "DOCKER_CONFIG=" + f.rootDocker}
	res := f.phase("creator", env, "-app", f.App, "-buildpacks", f.Buildpacks, "-layers", f.Layers, "-order", f.Order,
		"-platform", f.Platform, "-run-image", f.runRef, "-launcher", filepath.Join(binDir, "launcher"), f.appRef)
	wantCode(t, "creator (root-only docker config)", res, 0)
	f.wantNoLeak("creator (root-only docker config)", res)
	f.wantSpyBlind("creator (root-only docker config)", "detect")
	f.wantSpyBlind("creator (root-only docker config)", "build")
	f.wantNoLeakInFiles(f.Root)
}

// chownTree gives every file under root to uid:gid, not following links.
func chownTree(t *testing.T, uid, gid int, roots ...string) {
	t.Helper()
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, uid, gid)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// wantOwnedTree fails the test unless every file and directory under each
// root, root included, is owned by uid:gid (links themselves, not their
// targets), and each of the files must exists.
func wantOwnedTree(t *testing.T, who string, uid, gid int, roots []string, must ...string) {
	t.Helper()
	for _, p := range must {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("after the %s: %v", who, err)
		}
	}
	for _, root := range roots {
		var wrong []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok {
				return fmt.Errorf("no owner information for %s", p)
			}
			if int(st.Uid) != uid || int(st.Gid) != gid {
				wrong = append(wrong, fmt.Sprintf("%s (%d:%d)", p, st.Uid, st.Gid))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walking %s: %v", root, err)
		}
		if len(wrong) > 0 {
			t.Errorf("after the %s, %d entries under %s are not owned by %d:%d (PRIV-2):\n%s",
				who, len(wrong), root, uid, gid, strings.Join(wrong, "\n"))
		}
	}
}

// TestPRIV2_PhasesLeaveTheirFilesToTheBuildUser: analyzer, restorer and
// exporter started as root with CNB_USER_ID/CNB_GROUP_ID, each given a
// layers directory, a cache directory and a launch cache that root owns
// (a fresh volume), leave every file under them, old or made by the phase,
// to the build user; so does the rebaser with its report (PRIV-2, PRIV-3).
// Two builds: the second restores its layers from the cache.
func TestPRIV2_PhasesLeaveTheirFilesToTheBuildUser(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root")
	}
	w, _ := newCacheWorkspace(t)
	base := anaRootDir(t, 0o755)
	w.Layers = filepath.Join(base, "layers")
	cache := filepath.Join(base, "cache")
	launchCache := filepath.Join(base, "launch-cache")
	trees := []string{w.Layers, cache, launchCache}
	for _, d := range trees {
		w.mkdir(d)
	}
	anaWriteFile(t, filepath.Join(launchCache, "old", "file"), "old\n", 0o644)
	env := []string{"CNB_PLATFORM_API=0.12", "CNB_USER_ID=" + strconv.Itoa(buildUID), "CNB_GROUP_ID=" + strconv.Itoa(buildGID)}
	launcher := filepath.Join(binDir, "launcher")
	// rootPhase runs a phase as root on the directories it is given
	// (given), which root owns.
	rootPhase := func(who, bin string, given, must []string, args ...string) {
		t.Helper()
		chownTree(t, 0, 0, trees...)
		res := w.run(bin, runOpts{args: args, env: env, privileged: true})
		wantCode(t, who, res, 0)
		wantOwnedTree(t, who, buildUID, buildGID, given, must...)
	}
	layer := func(parts ...string) string { return filepath.Join(append([]string{w.Layers}, parts...)...) }
	build := func(round string) {
		t.Helper()
		anaWriteFile(t, layer("project-metadata.toml"), "[source]\ntype = \"git\"\n", 0o644)
		rootPhase(round+" analyzer", "analyzer", []string{w.Layers, launchCache}, []string{layer("analyzed.toml"), layer("project-metadata.toml")},
			"-layers", w.Layers, "-launch-cache", launchCache, "-run-image", w.runRef, w.appRef)
		wantCode(t, round+" detector", w.detect("0.12", nil), 0)
		var restored []string
		if round == "second build" {
			restored = []string{layer("example_deps", "deps", "marker"), layer("example_deps", "deps.toml")}
		}
		rootPhase(round+" restorer", "restorer", []string{w.Layers, cache}, restored, "-layers", w.Layers, "-cache-dir", cache)
		wantCode(t, round+" builder", w.build("0.12", nil), 0)
		rootPhase(round+" exporter", "exporter", trees, []string{layer("report.toml"), filepath.Join(cache, "metadata.json")},
			"-layers", w.Layers, "-app", w.App, "-cache-dir", cache, "-launch-cache", launchCache, "-launcher", launcher, w.appRef)
	}
	build("first build")
	// The rebaser chowns nothing (PRIV-3): its report goes where the build
	// user may write.
	report := layer("rebase-report.toml")
	res := w.run("rebaser", runOpts{args: []string{"-report", report, w.appRef}, env: env, privileged: true})
	wantCode(t, "rebaser", res, 0)
	wantOwnedTree(t, "rebaser", buildUID, buildGID, []string{report}, report)

	if err := os.RemoveAll(w.Layers); err != nil {
		t.Fatal(err)
	}
	w.mkdir(w.Layers)
	build("second build")
	wantContains(t, "second build: layers the build found", w.readFile(w.buildRecord("example/deps")+".restored"), "restored-deps")
}

// TestPRIV2_CreatorLeavesItsFilesToTheBuildUser: the creator started as
// root with -uid/-gid naming a user and group of different ids, on layers,
// cache and launch cache directories root owns, leaves everything under
// them to that user and group, what the buildpacks made included (PRIV-1,
// PRIV-2, CRE-4).
func TestPRIV2_CreatorLeavesItsFilesToTheBuildUser(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root")
	}
	const uid, gid = 1234, 2345
	w, _ := newCacheWorkspace(t)
	// Readable for the creator's user, writable where the buildpacks
	// record.
	for d, mode := range map[string]os.FileMode{w.Root: 0o755, w.Out: 0o777, w.Tmp: 0o1777} {
		if err := os.Chmod(d, mode); err != nil {
			t.Fatal(err)
		}
	}
	base := anaRootDir(t, 0o755)
	layers := filepath.Join(base, "layers")
	cache := filepath.Join(base, "cache")
	launchCache := filepath.Join(base, "launch-cache")
	for _, d := range []string{layers, cache, launchCache} {
		w.mkdir(d)
	}
	anaWriteFile(t, filepath.Join(layers, "project-metadata.toml"), "[source]\ntype = \"git\"\n", 0o644)
	anaWriteFile(t, filepath.Join(launchCache, "old", "file"), "old\n", 0o644)
	res := w.run("creator", runOpts{privileged: true, env: []string{"CNB_PLATFORM_API=0.12", "CNB_USER_ID=", "CNB_GROUP_ID="},
		args: []string{"-uid", strconv.Itoa(uid), "-gid", strconv.Itoa(gid), "-app", w.App, "-buildpacks", w.Buildpacks,
			"-layers", layers, "-order", w.Order, "-platform", w.Platform, "-cache-dir", cache, "-launch-cache", launchCache,
			"-run-image", w.runRef, "-launcher", filepath.Join(binDir, "launcher"), w.appRef}})
	wantCode(t, "creator", res, 0)
	var must []string
	for _, p := range []string{"analyzed.toml", "group.toml", "plan.toml", "report.toml", "project-metadata.toml",
		"config/metadata.toml", "example_deps/deps/marker", "example_deps/runtime.toml", "example_web/runtime/bin/serve"} {
		must = append(must, filepath.Join(layers, p))
	}
	wantOwnedTree(t, "creator", uid, gid, []string{layers, cache, launchCache}, append(must, filepath.Join(cache, "metadata.json"))...)
}

// TestPRIV3_MultiCallRefusesRoot: the multi-call lifecycle binary run as
// detector or builder refuses euid 0 like the separate binaries (tested by
// TestDET3_RefuseRoot and TestBLD1_RefuseRoot), even with a build user
// named, and runs no buildpack (PRIV-3, DET-3, BLD-1).
func TestPRIV3_MultiCallRefusesRoot(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root")
	}
	links := anaRootDir(t, 0o755)
	w := passingWorkspace(t)
	w.addBuilds(bbp{id: "B"})
	w.writePlanTOML("")
	detected := filepath.Join(w.Out, "group.toml")
	args := map[string][]string{
		"detector": append(w.stdFlags(), "-group", detected),
		"builder":  w.buildFlags(),
	}
	for _, phase := range []string{"detector", "builder"} {
		link := filepath.Join(links, phase)
		if err := os.Symlink(filepath.Join(binDir, "lifecycle"), link); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(link, args[phase]...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "CNB_PLATFORM_API=0.12",
			"CNB_USER_ID=" + strconv.Itoa(buildUID), "CNB_GROUP_ID=" + strconv.Itoa(buildGID)}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		res := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
		wantCode(t, "lifecycle as "+phase+" (as root)", res, 1)
		wantContains(t, "lifecycle as "+phase+" stderr", res.stderr, "ERROR: ")
		wantContains(t, "lifecycle as "+phase+" stderr", res.stderr, "refusing to run as root: the "+phase)
	}
	if n := w.ran("A", "1.0.0"); n != 0 {
		t.Errorf("/bin/detect ran %d times as root", n)
	}
	if n := w.buildRan("B"); n != 0 {
		t.Errorf("/bin/build ran %d times as root", n)
	}
	if exists(detected) || exists(w.metadataPath()) {
		t.Error("the refused phases wrote their outputs")
	}
}
