package acceptance

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Buildpacks of the usual test image: two modern ones and an old one.
var launchBuildpacks = []mdBuildpack{{"org/a", "0.10"}, {"b", "0.10"}, {"old", "0.7"}}

func TestLCH_PlatformAPI_Exit11(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	im.setMetadata("web", launchBuildpacks, mdProc{typ: "web", bp: "org/a", command: []string{im.App + "/show"}})
	for _, v := range []string{"", "0.6", "0.16", "1.0", "latest"} {
		r := im.launch(launchRun{platform: "x", env: []string{"CNB_PLATFORM_API=" + v}})
		wantLaunchCode(t, "launcher(CNB_PLATFORM_API="+v+")", r, 11)
		wantOneError(t, "launcher(CNB_PLATFORM_API="+v+")", r, "CNB_PLATFORM_API")
	}
}

func TestLCH1_Metadata(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	mdPath := filepath.Join(im.Layers, "config", "metadata.toml")
	r := im.launch(launchRun{})
	wantLaunchCode(t, "launcher(no metadata.toml)", r, 82)
	wantOneError(t, "launcher(no metadata.toml)", r, mdPath)

	im.write(mdPath, "[[processes]\n")
	r = im.launch(launchRun{args: []string{"--", "true"}})
	wantLaunchCode(t, "launcher(malformed metadata.toml)", r, 82)
	wantOneError(t, "launcher(malformed metadata.toml)", r, mdPath)

	im.setMetadata("web", append(launchBuildpacks, mdBuildpack{"new", "0.13"}),
		mdProc{typ: "web", bp: "org/a", command: []string{im.App + "/show"}})
	r = im.launch(launchRun{})
	wantLaunchCode(t, "launcher(buildpack API 0.13)", r, 12)
	wantOneError(t, "launcher(buildpack API 0.13)", r, `"0.13"`)
}

func TestLCH2_ProcessSelection(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	show := im.App + "/show"
	im.setMetadata("web", launchBuildpacks,
		mdProc{typ: "web", bp: "org/a", command: []string{show, "web"}},
		mdProc{typ: "worker", bp: "b", command: []string{show, "worker"}})
	web, worker := im.processLink("web"), im.processLink("worker")
	im.processLink("ghost")

	r := im.launch(launchRun{})
	wantLaunchCode(t, "launcher (default process)", r, 0)
	wantArgs(t, "launcher (default process)", r, "web")

	r = im.launch(launchRun{path: worker})
	wantLaunchCode(t, "/cnb/process/worker", r, 0)
	wantArgs(t, "/cnb/process/worker", r, "worker")

	r = im.launch(launchRun{path: web, args: []string{"--", "x"}})
	wantLaunchCode(t, "/cnb/process/web -- x", r, 0)
	wantArgs(t, "/cnb/process/web -- x", r, "web", "--", "x")

	r = im.launch(launchRun{path: filepath.Join(im.ProcessDir, "ghost")})
	wantLaunchCode(t, "/cnb/process/ghost", r, 82)
	wantOneError(t, "/cnb/process/ghost", r, `"ghost"`)

	im.setMetadata("", launchBuildpacks, mdProc{typ: "web", bp: "org/a", command: []string{show}})
	r = im.launch(launchRun{})
	wantLaunchCode(t, "launcher (no default, no args)", r, 82)
	wantOneError(t, "launcher (no default, no args)", r, "when there is no default process a command is required")
}

func TestLCH2_ExecEnvEligibility(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	show := im.App + "/show"
	im.setMetadata("", launchBuildpacks,
		mdProc{typ: "prod", bp: "org/a", command: []string{show}, execEnv: []string{"production"}},
		mdProc{typ: "tst", bp: "org/a", command: []string{show}, execEnv: []string{"test", "development"}},
		mdProc{typ: "any", bp: "org/a", command: []string{show}, execEnv: []string{"*"}},
		mdProc{typ: "all", bp: "org/a", command: []string{show}})
	for _, typ := range []string{"prod", "tst", "any", "all"} {
		im.processLink(typ)
	}
	cases := []struct {
		platform, execEnv, typ string
		want                   int
	}{
		{"0.15", "", "prod", 0},
		{"0.15", "", "tst", 82},
		{"0.15", "test", "tst", 0},
		{"0.15", "development", "tst", 0},
		{"0.15", "test", "prod", 82},
		{"0.15", "test", "any", 0},
		{"0.15", "test", "all", 0},
		{"0.14", "test", "prod", 0},
		{"0.14", "", "tst", 0},
	}
	for _, tc := range cases {
		what := "P" + tc.platform + " CNB_EXEC_ENV=" + tc.execEnv + " /cnb/process/" + tc.typ
		var env []string
		if tc.execEnv != "" {
			env = []string{"CNB_EXEC_ENV=" + tc.execEnv, "SHOW=CNB_EXEC_ENV"}
		}
		r := im.launch(launchRun{path: filepath.Join(im.ProcessDir, tc.typ), platform: tc.platform, env: env})
		wantLaunchCode(t, what, r, tc.want)
		if tc.want == 82 {
			wantOneError(t, what, r, "not eligible")
		} else if tc.execEnv != "" {
			wantValue(t, what, r, "CNB_EXEC_ENV", tc.execEnv)
		}
	}
}

func TestLCH3_ProcessTypeIgnored(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	show := im.App + "/show"
	im.setMetadata("web", launchBuildpacks,
		mdProc{typ: "web", bp: "org/a", command: []string{show, "web"}},
		mdProc{typ: "worker", bp: "org/a", command: []string{show, "worker"}})
	r := im.launch(launchRun{env: []string{"CNB_PROCESS_TYPE=worker", "SHOW=CNB_PROCESS_TYPE"}})
	wantLaunchCode(t, "launcher(CNB_PROCESS_TYPE=worker)", r, 0)
	wantArgs(t, "launcher(CNB_PROCESS_TYPE=worker)", r, "web")
	wantValue(t, "launcher(CNB_PROCESS_TYPE=worker)", r, "CNB_PROCESS_TYPE", "<unset>")
	if n := strings.Count(r.stderr, "Warning: "); n != 2 || !strings.Contains(r.stderr, "CNB_PROCESS_TYPE") {
		t.Errorf("launcher(CNB_PROCESS_TYPE=worker) stderr = %q, want two warnings naming CNB_PROCESS_TYPE", r.stderr)
	}
}

func TestLCH4_UserArgs(t *testing.T) {
	t.Parallel()
	user := []string{"u1", "u 2"}
	cases := []struct {
		platform, buildpack string
		direct              bool
		user                []string
		want                []string
	}{
		{"0.7", "0.7", false, user, []string{"c1", "a1", "u1", "u 2"}},
		{"0.9", "0.9", true, user, []string{"c1", "a1", "u1", "u 2"}},
		{"0.10", "0.8", true, user, []string{"c1", "a1", "u1", "u 2"}},
		{"0.10", "0.8", false, user, []string{"c1", "a1", "u1", "u 2"}},
		{"0.10", "0.9", true, user, []string{"c1", "u1", "u 2"}},
		{"0.12", "0.12", false, user, []string{"c1", "u1", "u 2"}},
		{"0.15", "0.10", true, user, []string{"c1", "u1", "u 2"}},
		{"0.12", "0.12", true, nil, []string{"c1", "a1"}},
		{"0.9", "0.12", true, nil, []string{"c1", "a1"}},
	}
	for _, tc := range cases {
		t.Run("P"+tc.platform+"_B"+tc.buildpack+"_direct="+strconv.FormatBool(tc.direct), func(t *testing.T) {
			t.Parallel()
			im := newAppImage(t)
			p := mdProc{typ: "web", bp: "bp", command: []string{im.App + "/show", "c1"}, args: []string{"a1"}, direct: tc.direct}
			if tc.platform == "0.7" || tc.platform == "0.9" { // command written as a string
				p.command, p.args, p.commandString = []string{im.App + "/show"}, []string{"c1", "a1"}, true
			}
			im.setMetadata("web", []mdBuildpack{{"bp", tc.buildpack}}, p)
			r := im.launch(launchRun{path: im.processLink("web"), platform: tc.platform, args: tc.user})
			wantLaunchCode(t, "/cnb/process/web", r, 0)
			wantArgs(t, "/cnb/process/web", r, tc.want...)
		})
	}
}

func TestLCH5_Environment(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	im.setMetadata("web", launchBuildpacks,
		mdProc{typ: "web", bp: "org/a", command: []string{im.App + "/show"}},
		mdProc{typ: "worker", bp: "b", command: []string{im.App + "/show"}},
		mdProc{typ: "tool", bp: "b", command: []string{"tool-a"}})
	tool := "#!/usr/bin/env bash\necho tool-a-ran\n"
	im.layerFile("org/a", "l1", "bin/tool-a", tool, true)
	im.layerFile("org/a", "l2", "bin/tool-a", "#!/usr/bin/env bash\necho wrong-tool\n", true)
	im.mkdir(filepath.Join(im.Layers, "org_a", "l1", "lib"))
	im.write(filepath.Join(im.Layers, "org_a", "l1.toml"), "[types]\nlaunch = true\n")
	im.layerFile("org/a", "l1", "env/VAR", "env", false)
	im.layerFile("org/a", "l1", "env.launch/VAR", "launch", false)
	im.layerFile("org/a", "l1", "env.launch/web/VAR", "web", false)
	im.layerFile("org/a", "l1", "env/ONLY_ENV.default", "only-env", false)
	im.layerFile("org/a", "l1", "env.build/BUILD_ONLY", "x", false)
	im.layerFile("org/a", "l1", "env/LIST.append", "a", false)
	im.layerFile("org/a", "l1", "env/LIST.delim", ",", false)
	im.layerFile("b", "m1", "env.launch/LIST.append", "b", false)
	im.layerFile("b", "m1", "env.launch/LIST.delim", ",", false)
	im.layerFile("b", "m1", "bin/other", tool, true)
	im.layerFile("b", "m1", "env/HOME", "/layer-home", false)
	im.layerFile("b", "m1", "env/BPL_USER", "layer", false)
	im.layerFile("b", "m1", "env/BPL_NEW", "layer", false)
	show := "SHOW=VAR ONLY_ENV BUILD_ONLY LIST PATH LD_LIBRARY_PATH HOME BPL_USER BPL_NEW " +
		"CNB_LAYERS_DIR CNB_APP_DIR CNB_PLATFORM_API CNB_PROCESS_TYPE CNB_DEPRECATION_MODE"
	env := []string{show, "BPL_USER=user", "CNB_DEPRECATION_MODE=quiet", "LD_LIBRARY_PATH=/usr/lib"}

	r := im.launch(launchRun{env: env})
	wantLaunchCode(t, "launcher (web)", r, 0)
	a, b := filepath.Join(im.Layers, "org_a"), filepath.Join(im.Layers, "b")
	for name, want := range map[string]string{
		"VAR": "web", "ONLY_ENV": "only-env", "BUILD_ONLY": "<unset>", "LIST": "a,b",
		"PATH":            b + "/m1/bin:" + a + "/l1/bin:" + a + "/l2/bin:" + os.Getenv("PATH"),
		"LD_LIBRARY_PATH": a + "/l1/lib:/usr/lib",
		"HOME":            im.Root, "BPL_USER": "user", "BPL_NEW": "layer",
		"CNB_LAYERS_DIR": "<unset>", "CNB_APP_DIR": "<unset>", "CNB_PLATFORM_API": "<unset>",
		"CNB_PROCESS_TYPE": "<unset>", "CNB_DEPRECATION_MODE": "<unset>",
	} {
		wantValue(t, "launcher (web)", r, name, want)
	}

	r = im.launch(launchRun{path: im.processLink("worker"), env: env})
	wantLaunchCode(t, "/cnb/process/worker", r, 0)
	wantValue(t, "/cnb/process/worker", r, "VAR", "launch")

	r = im.launch(launchRun{path: im.processLink("tool")})
	wantLaunchCode(t, "/cnb/process/tool", r, 0)
	wantContains(t, "/cnb/process/tool stdout", r.stdout, "tool-a-ran")
}

func TestLCH6_ExecD(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	im.setMetadata("web", launchBuildpacks,
		mdProc{typ: "web", bp: "org/a", command: []string{im.App + "/show"}},
		mdProc{typ: "worker", bp: "org/a", command: []string{im.App + "/show"}})
	im.layerFile("org/a", "l1", "env/FROM_ENV", "env-file", false)
	im.layerFile("org/a", "l1", "exec.d/web/1-typed",
		"#!/usr/bin/env bash\necho \"ORDER = '${ORDER}typed,'\" >&3\necho \"TYPED = 'saw ${FIRST}'\" >&3\n", true)
	im.layerFile("b", "m1", "exec.d/0-first",
		"#!/usr/bin/env bash\necho exec.d-stdout\necho \"ORDER = '${ORDER}first,'\" >&3\n"+
			"echo \"FIRST = '$FROM_ENV in $(pwd)'\" >&3\n", true)
	show := "SHOW=FIRST TYPED ORDER"

	r := im.launch(launchRun{env: []string{show}})
	wantLaunchCode(t, "launcher (web)", r, 0)
	wantValue(t, "launcher (web)", r, "FIRST", "env-file in "+im.App)
	wantValue(t, "launcher (web)", r, "TYPED", "saw env-file in "+im.App)
	wantValue(t, "launcher (web)", r, "ORDER", "first,typed,")
	wantContains(t, "launcher (web) stdout", r.stdout, "exec.d-stdout\n")

	r = im.launch(launchRun{path: im.processLink("worker"), env: []string{show}})
	wantLaunchCode(t, "/cnb/process/worker", r, 0)
	wantValue(t, "/cnb/process/worker", r, "TYPED", "<unset>")
	wantValue(t, "/cnb/process/worker", r, "ORDER", "first,")

	bad := im.layerFile("old", "x", "exec.d/fail", "#!/usr/bin/env bash\nexit 5\n", true)
	r = im.launch(launchRun{})
	wantLaunchCode(t, "launcher (failing exec.d)", r, 82)
	wantOneError(t, "launcher (failing exec.d)", r, bad)
	if strings.Contains(r.stdout, "pid=") {
		t.Errorf("launcher (failing exec.d) ran the process: %q", r.stdout)
	}
}

func TestLCH7_Shell(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	im.setMetadata("web", launchBuildpacks,
		mdProc{typ: "web", bp: "old", command: []string{`echo "order=$ORDER zero=$0 p0=$P0 pwd=$(pwd)"`}},
		mdProc{typ: "args", bp: "old", command: []string{"printf", "[%s]"}, args: []string{"$HOME"}})
	add := func(bp, layer, rel, name string) {
		im.layerFile(bp, layer, rel, `export ORDER="${ORDER:-}`+name+`,"; export P0="$0"`+"\n", false)
	}
	add("org/a", "l2", "profile.d/1", "a-l2")
	add("org/a", "l1", "profile.d/2", "a-l1-2")
	add("org/a", "l1", "profile.d/1", "a-l1-1")
	add("b", "m1", "profile.d/web/0", "b-web")
	add("org/a", "l1", "profile.d/web/9", "a-web")
	add("org/a", "l1", "profile.d/worker/0", "worker")
	im.write(filepath.Join(im.App, ".profile"), `export ORDER="${ORDER:-}app,"`+"\n")
	launcher := filepath.Join(binDir, "launcher")

	r := im.launch(launchRun{})
	wantLaunchCode(t, "launcher (web, shell)", r, 0)
	wantContains(t, "launcher (web, shell) stdout", r.stdout,
		"order=a-l1-1,a-l1-2,a-l2,a-web,b-web,app, zero="+launcher+" p0="+launcher+" pwd="+im.App+"\n")

	r = im.launch(launchRun{args: []string{`echo "order=$ORDER zero=$0"; exit 4`}})
	wantLaunchCode(t, "launcher 'script'", r, 4)
	wantContains(t, "launcher 'script' stdout", r.stdout, "order=a-l1-1,a-l1-2,a-l2,app, zero="+launcher+"\n")

	// With args, the command and every arg are one shell-parsed token
	// each: expanded after the profiles, never split (LCH-7).
	r = im.launch(launchRun{args: []string{"printf", "<%s>", "$ORDER", "$HOME", "a b", `"q" '$(echo s)'`}})
	wantLaunchCode(t, "launcher cmd args", r, 0)
	wantContains(t, "launcher cmd args stdout", r.stdout,
		"<a-l1-1,a-l1-2,a-l2,app,><"+im.Root+`><a b><"q" 's'>`)

	r = im.launch(launchRun{path: im.processLink("args"), args: []string{"x", "$ORDER"}})
	wantLaunchCode(t, "/cnb/process/args x", r, 0)
	wantContains(t, "/cnb/process/args x stdout", r.stdout, "["+im.Root+"][x][a-l1-1,a-l1-2,a-l2,app,]")
}

// TestLCH7_ShellTokens is the Buildpack API 0.8 example of the spec's
// shell process with args: command and each arg are shell-parsed tokens
// (buildpack-0.8.md "Launch"), user args appended, at every Platform API.
func TestLCH7_ShellTokens(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	im.setMetadata("web", []mdBuildpack{{"old", "0.8"}},
		mdProc{typ: "web", bp: "old", command: []string{"echo"}, args: []string{"cache=$HOME/.cache", "-v"}},
		mdProc{typ: "multi", bp: "old", command: []string{"printf", "<%s>"}, args: []string{"$((1+2))"}},
		mdProc{typ: "bad", bp: "old", command: []string{"echo"}, args: []string{"$((1/0))"}})
	web, multi, bad := im.processLink("web"), im.processLink("multi"), im.processLink("bad")
	for _, platform := range []string{"0.9", "0.12", "0.15"} {
		what := "P" + platform + " /cnb/process/web more"
		r := im.launch(launchRun{path: web, platform: platform, args: []string{"more"}})
		wantLaunchCode(t, what, r, 0)
		if want := "cache=" + im.Root + "/.cache -v more\n"; r.stdout != want {
			t.Errorf("%s stdout = %q, want %q", what, r.stdout, want)
		}
		what = "P" + platform + " /cnb/process/multi"
		r = im.launch(launchRun{path: multi, platform: platform, args: []string{"a b", "$HOME"}})
		wantLaunchCode(t, what, r, 0)
		wantContains(t, what+" stdout", r.stdout, "<3><a b><"+im.Root+">")
	}
	r := im.launch(launchRun{path: bad})
	wantLaunchCode(t, "/cnb/process/bad", r, 82)
	wantContains(t, "/cnb/process/bad stderr", r.stderr, "division by 0")
	wantContains(t, "/cnb/process/bad stderr", r.stderr, "ERROR: failed to launch: argument 1 of the shell process could not be expanded")
	if strings.TrimSpace(r.stdout) != "" {
		t.Errorf("/cnb/process/bad ran the process: %q", r.stdout)
	}
}

func TestLCH8_Direct(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	im.setMetadata("web", launchBuildpacks, mdProc{typ: "web", bp: "org/a", command: []string{im.App + "/show"}})
	im.layerFile("org/a", "l1", "profile.d/p", "echo profile-ran\n", false)
	im.write(filepath.Join(im.App, ".profile"), "echo app-profile-ran\n")

	r := im.launch(launchRun{args: []string{"--", im.App + "/show", "a b", "$HOME", ""}})
	wantLaunchCode(t, "launcher -- show", r, 0)
	wantArgs(t, "launcher -- show", r, "a b", "$HOME", "")
	wantValue(t, "launcher -- show", r, "pwd", im.App)
	wantValue(t, "launcher -- show", r, "pid", strconv.Itoa(r.pid))
	if strings.Contains(r.stdout, "profile-ran") {
		t.Errorf("launcher -- show sourced profile scripts: %q", r.stdout)
	}

	r = im.launch(launchRun{env: []string{"EXIT_CODE=7"}})
	wantLaunchCode(t, "launcher (web exits 7)", r, 7)
	wantValue(t, "launcher (web exits 7)", r, "pid", strconv.Itoa(r.pid))

	r = im.launch(launchRun{args: []string{"--", "no-such-command-lch8"}})
	wantLaunchCode(t, "launcher -- no-such-command", r, 82)
	wantOneError(t, "launcher -- no-such-command", r, "no-such-command-lch8")
}

func TestPRC3_WorkingDir(t *testing.T) {
	t.Parallel()
	im := newAppImage(t)
	show := im.App + "/show"
	abs := filepath.Join(im.Root, "elsewhere")
	im.mkdir(filepath.Join(im.App, "sub"))
	im.mkdir(abs)
	im.setMetadata("", []mdBuildpack{{"new", "0.8"}, {"old", "0.7"}},
		mdProc{typ: "rel", bp: "new", command: []string{show}, workingDir: "sub"},
		mdProc{typ: "abs", bp: "new", command: []string{show}, workingDir: abs, direct: true},
		mdProc{typ: "none", bp: "new", command: []string{show}},
		mdProc{typ: "ignored", bp: "old", command: []string{show}, workingDir: "sub"})
	for typ, want := range map[string]string{"rel": im.App + "/sub", "abs": abs, "none": im.App, "ignored": im.App} {
		r := im.launch(launchRun{path: im.processLink(typ), platform: "0.9"})
		wantLaunchCode(t, "/cnb/process/"+typ, r, 0)
		wantValue(t, "/cnb/process/"+typ, r, "pwd", want)
	}
}

// TestLCH9_SmallStaticLauncher: the launcher ships in every app image; the
// stripped static binary stays at most 5 MB.
func TestLCH9_SmallStaticLauncher(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "launcher")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./cmd/launcher")
	build.Dir = modRoot
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/launcher: %v\n%s", err, b)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 5<<20 {
		t.Errorf("stripped launcher size = %d bytes, want at most %d", fi.Size(), 5<<20)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Skipf("not an ELF binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("launcher has a dynamic loader: want a static binary")
		}
	}
}

// wantArgs fails the test unless showScript printed exactly args.
func wantArgs(t *testing.T, what string, r launched, args ...string) {
	t.Helper()
	if got := r.lines("arg="); !reflect.DeepEqual(got, args) && (len(got) != 0 || len(args) != 0) {
		t.Errorf("%s args = %q, want %q\n--- stderr:\n%s", what, got, args, r.stderr)
	}
}
