package acceptance

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/testutil"
)

// TestAUTH1_InvalidRegistryAuth_Exit1: CNB_REGISTRY_AUTH that is not a
// JSON object of registry to Authorization header is exit 1 at startup.
func TestAUTH1_InvalidRegistryAuth_Exit1(t *testing.T) {
	t.Parallel()
	run := anaSharedRunImage(t)
	host := sharedRegistry(t).Host()
	cases := []struct{ name, value string }{
		{"not json", "not-json"},
		{"json array", `["Basic dXNlcjpwYXNz"]`},
		{"unknown scheme", fmt.Sprintf(`{%q: "Digest abc"}`, host)},
		{"scheme without value", fmt.Sprintf(`{%q: "Basic"}`, host)},
	}
	for _, api := range anaAPIs {
		for _, tc := range cases {
			t.Run("P"+api+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				res := f.analyze(api, []string{"CNB_REGISTRY_AUTH=" + tc.value}, "-layers", f.w.Layers, "-run-image", run, f.repo("app"))
				wantCode(t, "analyzer(CNB_REGISTRY_AUTH "+tc.name+")", res, 1)
				if exists(f.analyzedPath()) {
					t.Errorf("analyzer wrote %s", f.analyzedPath())
				}
			})
		}
	}
}

// TestAUTH1_UnusedCredentials: credentials for a registry that does not
// ask for them do no harm.
func TestAUTH1_UnusedCredentials(t *testing.T) {
	t.Parallel()
	run := anaSharedRunImage(t)
	host := sharedRegistry(t).Host()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		auth := fmt.Sprintf(`{%q: "Basic %s"}`, host, anaBasic("user", "pass"))
		m := f.analyzeOK(api, []string{"CNB_REGISTRY_AUTH=" + auth}, "-run-image", run, f.repo("app"))
		anaWant(t, m, f.digestRef(run), "run-image", "reference")
	})
}

// TestAUTH1_AUTH2_AUTH3_Credentials runs the analyzer against a registry
// that wants Basic credentials on every request: they come from
// CNB_REGISTRY_AUTH (key host, or URL with scheme and path; header scheme
// in any case), else from the docker config; with none the requests are
// anonymous and refused (exit 32).
func TestAUTH1_AUTH2_AUTH3_Credentials(t *testing.T) {
	t.Parallel()
	shared := sharedRegistry(t)
	proxy := anaAuthProxy(t, shared.Host())
	img := testutil.BusyboxImage(t)
	for _, name := range []string{"run", "app"} {
		testutil.Push(t, img, shared.Ref(registryRepo(t, name))+":latest")
	}
	run := proxy + "/" + registryRepo(t, "run")
	app := proxy + "/" + registryRepo(t, "app")
	appRef := app + "@" + testutil.Digest(t, shared.Ref(registryRepo(t, "app"))+":latest").String()

	good, bad := anaBasic(anaUserName, anaPassword), anaBasic(anaUserName, "wrong")
	envAuth := func(key, header string) string { return fmt.Sprintf(`{%q: %q}`, key, header) }
	dockerConfig := func(auth string) string {
		return fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, proxy, auth)
	}
	cases := []struct {
		name, env, docker string
		want              int
	}{
		{"none", "", "", 32},
		{"env Basic", envAuth(proxy, "Basic "+good), "", 0},
		{"env URL key, lower-case scheme", envAuth("http://"+proxy+"/v2/", "basic "+good), "", 0},
		{"env wrong password", envAuth(proxy, "Basic "+bad), "", 32},
		{"env for another registry only", envAuth("registry.example.com", "Basic "+good), "", 32},
		{"docker config", "", dockerConfig(good), 0},
		{"docker config, env for another registry", envAuth("registry.example.com", "Basic "+bad), dockerConfig(good), 0},
		{"env before docker config", envAuth(proxy, "Basic "+good), dockerConfig(bad), 0},
		{"env entry wins over docker config", envAuth(proxy, "Basic "+bad), dockerConfig(good), 32},
	}
	for _, api := range anaAPIs {
		for _, tc := range cases {
			t.Run("P"+api+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				var env []string
				if tc.env != "" {
					env = append(env, "CNB_REGISTRY_AUTH="+tc.env)
				}
				if tc.docker != "" {
					dir := filepath.Join(f.w.Root, "docker")
					anaWriteFile(t, filepath.Join(dir, "config.json"), tc.docker, 0o644)
					env = append(env, "DOCKER_CONFIG="+dir)
				}
				args := []string{"-layers", f.w.Layers, "-run-image", run, app}
				if apiAtLeast(api, "0.13") {
					args = append([]string{"-insecure-registry", proxy}, args...)
				}
				res := f.analyze(api, env, args...)
				wantCode(t, "analyzer(credentials: "+tc.name+")", res, tc.want)
				if tc.want == 0 {
					m := readTOMLMap(t, f.analyzedPath())
					anaWant(t, m, appRef, "image", "reference")
				}
			})
		}
	}
}

// anaRootDir makes a directory outside any workspace, owned by root, with
// mode mode; its parent is opened (0755) so that others may reach it.
func anaRootDir(t *testing.T, mode os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	// t.TempDir's parent is private to root.
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAUTH4_RootOnlyDockerConfig: credentials are read before privileges
// are dropped, so a docker config only root can read still serves.
func TestAUTH4_RootOnlyDockerConfig(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root")
	}
	shared := sharedRegistry(t)
	proxy := anaAuthProxy(t, shared.Host())
	testutil.Push(t, testutil.BusyboxImage(t), shared.Ref(registryRepo(t, "run"))+":latest")
	run := proxy + "/" + registryRepo(t, "run")
	runRef := run + "@" + testutil.Digest(t, shared.Ref(registryRepo(t, "run"))+":latest").String()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		docker := filepath.Join(anaRootDir(t, 0o700), "docker")
		anaWriteFile(t, filepath.Join(docker, "config.json"),
			fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, proxy, anaBasic(anaUserName, anaPassword)), 0o600)
		if err := os.Chmod(docker, 0o700); err != nil {
			t.Fatal(err)
		}
		args := []string{"-uid", strconv.Itoa(buildUID), "-gid", strconv.Itoa(buildGID), "-layers", f.w.Layers, "-run-image", run, proxy + "/" + registryRepo(t, "app")}
		if apiAtLeast(api, "0.13") {
			args = append([]string{"-insecure-registry", proxy}, args...)
		}
		res := f.runAnalyzer(api, true, []string{"DOCKER_CONFIG=" + docker}, args...)
		wantCode(t, "analyzer(root-only docker config)", res, 0)
		anaWant(t, readTOMLMap(t, f.analyzedPath()), runRef, "run-image", "reference")
	})
}

// TestPRIV2_ChownsLayersAndDropsPrivileges: run as root with -uid/-gid
// (or CNB_USER_ID/CNB_GROUP_ID) of the build user, the analyzer gives a
// layers directory the build user cannot write to that user, recursively
// and without following links, then writes analyzed.toml as that user.
func TestPRIV2_ChownsLayersAndDropsPrivileges(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root")
	}
	run := anaSharedRunImage(t)
	for _, api := range anaAPIs {
		for _, form := range []string{"flags", "env"} {
			t.Run("P"+api+"/"+form, func(t *testing.T) {
				t.Parallel()
				f := newAnaFixture(t)
				// A file elsewhere that a followed link would give away.
				outside := filepath.Join(anaRootDir(t, 0o755), "root-file")
				anaWriteFile(t, outside, "root's\n", 0o644)

				layers := filepath.Join(anaRootDir(t, 0o755), "layers")
				anaWriteFile(t, filepath.Join(layers, "example_bp", "layer", "file"), "old\n", 0o644)
				if err := os.Symlink(outside, filepath.Join(layers, "example_bp", "link")); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(layers, 0o755); err != nil {
					t.Fatal(err)
				}

				args := []string{"-layers", layers, "-run-image", run, f.repo("app")}
				env := []string{"CNB_USER_ID=", "CNB_GROUP_ID="}
				if form == "flags" {
					args = append([]string{"-uid", strconv.Itoa(buildUID), "-gid", strconv.Itoa(buildGID)}, args...)
				} else {
					env = []string{"CNB_USER_ID=" + strconv.Itoa(buildUID), "CNB_GROUP_ID=" + strconv.Itoa(buildGID)}
				}
				res := f.runAnalyzer(api, true, env, args...)
				wantCode(t, "analyzer(as root, -uid/-gid build user)", res, 0)

				for _, p := range []string{
					layers,
					filepath.Join(layers, "example_bp"),
					filepath.Join(layers, "example_bp", "layer"),
					filepath.Join(layers, "example_bp", "layer", "file"),
					filepath.Join(layers, "example_bp", "link"),
					filepath.Join(layers, "analyzed.toml"),
				} {
					if uid, gid := anaOwner(t, p); uid != buildUID || gid != buildGID {
						t.Errorf("owner of %s = %d:%d, want %d:%d", p, uid, gid, buildUID, buildGID)
					}
				}
				if uid, gid := anaOwner(t, outside); uid != 0 || gid != 0 {
					t.Errorf("owner of link target %s = %d:%d, want 0:0 (link followed)", outside, uid, gid)
				}
				anaWant(t, readTOMLMap(t, filepath.Join(layers, "analyzed.toml")), f.digestRef(run), "run-image", "reference")
			})
		}
	}
}

// TestPRIV2_WritableLayersLeftAlone: a layers directory the build user can
// already write to (owner, or group-writable for its group) is not
// chowned.
func TestPRIV2_WritableLayersLeftAlone(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root")
	}
	run := anaSharedRunImage(t)
	cases := []struct {
		name     string
		uid, gid int
		mode     os.FileMode
	}{
		{"owned by the build user", buildUID, buildGID, 0o755},
		{"group-writable", 0, buildGID, 0o775},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newAnaFixture(t)
			layers := filepath.Join(anaRootDir(t, 0o755), "layers")
			old := filepath.Join(layers, "root-owned")
			anaWriteFile(t, old, "old\n", 0o644)
			if err := os.Chown(layers, tc.uid, tc.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(layers, tc.mode); err != nil {
				t.Fatal(err)
			}
			res := f.runAnalyzer("0.15", true, nil, "-uid", strconv.Itoa(buildUID), "-gid", strconv.Itoa(buildGID),
				"-layers", layers, "-run-image", run, f.repo("app"))
			wantCode(t, "analyzer(writable layers)", res, 0)
			if uid, gid := anaOwner(t, layers); uid != tc.uid || gid != tc.gid {
				t.Errorf("owner of %s = %d:%d, want %d:%d (unchanged)", layers, uid, gid, tc.uid, tc.gid)
			}
			if uid, gid := anaOwner(t, old); uid != 0 || gid != 0 {
				t.Errorf("owner of %s = %d:%d, want 0:0 (unchanged)", old, uid, gid)
			}
			if uid, _ := anaOwner(t, filepath.Join(layers, "analyzed.toml")); uid != buildUID {
				t.Errorf("analyzed.toml owned by uid %d, want %d (written as the build user)", uid, buildUID)
			}
		})
	}
}

// TestPRIV2_DropsBeforeWriting: after dropping to the build user the
// analyzer cannot write where only root can.
func TestPRIV2_DropsBeforeWriting(t *testing.T) {
	t.Parallel()
	if !asRoot {
		t.Skip("needs root")
	}
	run := anaSharedRunImage(t)
	f := newAnaFixture(t)
	private := anaRootDir(t, 0o700)
	analyzed := filepath.Join(private, "analyzed.toml")
	res := f.runAnalyzer("0.15", true, nil, "-uid", strconv.Itoa(buildUID), "-gid", strconv.Itoa(buildGID),
		"-layers", f.w.Layers, "-analyzed", analyzed, "-run-image", run, f.repo("app"))
	if res.code == 0 {
		t.Errorf("analyzer wrote into a directory only root may write to: exit 0, want failure\n%s", res.output())
	}
	if exists(analyzed) {
		t.Errorf("%s was written by root", analyzed)
	}
}

// TestPRIV2_AlreadyBuildUser: run as the build user with -uid/-gid naming
// it, nothing needs changing.
func TestPRIV2_AlreadyBuildUser(t *testing.T) {
	t.Parallel()
	run := anaSharedRunImage(t)
	uid, gid := anaUser()
	forEachAPI(t, anaAPIs, func(t *testing.T, api string) {
		f := newAnaFixture(t)
		res := f.analyze(api, []string{"CNB_USER_ID=", "CNB_GROUP_ID="},
			"-uid", strconv.Itoa(uid), "-gid", strconv.Itoa(gid), "-layers", f.w.Layers, "-run-image", run, f.repo("app"))
		wantCode(t, "analyzer(as the build user)", res, 0)
		if u, g := anaOwner(t, f.analyzedPath()); u != uid || g != gid {
			t.Errorf("owner of analyzed.toml = %d:%d, want %d:%d", u, g, uid, gid)
		}
	})
}
