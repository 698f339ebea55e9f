package launch

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/api"
)

// matrixProcess is process "web" as the builder writes it at Platform API
// platform: the command as an array from 0.10, else its first entry only,
// the others leading args (BLD-9).
func matrixProcess(platform api.Version) Process {
	p := Process{Type: "web", Command: Command{"cmd", "c1"}, Args: []string{"a1"}, WorkingDir: "sub", BuildpackID: "bp"}
	if !platform.Supports(api.PlatformCommandArray) {
		p.Command, p.Args = Command{"cmd"}, []string{"c1", "a1"}
	}
	return p
}

// TestLCH4_ArgsMatrix checks user args, strategy and working dir across
// Platform API 0.7..0.15 and Buildpack API 0.7..0.12 (CONFORMANCE LCH-4,
// LCH-8, PRC-3).
func TestLCH4_ArgsMatrix(t *testing.T) {
	const app = "/app"
	tests := []struct {
		platform, buildpack string
		user                []string
		wantArgv            []string
		wantDirect          bool
		wantDir             string
	}{
		// Platform < 0.10: user args are always appended.
		{"0.7", "0.7", nil, []string{"cmd", "c1", "a1"}, false, app},
		{"0.7", "0.7", []string{"u"}, []string{"cmd", "c1", "a1", "u"}, false, app},
		{"0.7", "0.8", []string{"u"}, []string{"cmd", "c1", "a1", "u"}, false, app + "/sub"},
		{"0.8", "0.9", []string{"u"}, []string{"cmd", "c1", "a1", "u"}, true, app + "/sub"},
		{"0.9", "0.9", nil, []string{"cmd", "c1", "a1"}, true, app + "/sub"},
		{"0.9", "0.12", []string{"u", "v"}, []string{"cmd", "c1", "a1", "u", "v"}, true, app + "/sub"},
		// Platform 0.10+, Buildpack < 0.9: appended, direct as written.
		{"0.10", "0.7", []string{"u"}, []string{"cmd", "c1", "a1", "u"}, false, app},
		{"0.10", "0.8", nil, []string{"cmd", "c1", "a1"}, false, app + "/sub"},
		{"0.13", "0.8", []string{"u"}, []string{"cmd", "c1", "a1", "u"}, false, app + "/sub"},
		{"0.15", "0.7", []string{"u"}, []string{"cmd", "c1", "a1", "u"}, false, app},
		// Platform 0.10+, Buildpack 0.9+: user args replace args.
		{"0.10", "0.9", nil, []string{"cmd", "c1", "a1"}, true, app + "/sub"},
		{"0.10", "0.9", []string{"u"}, []string{"cmd", "c1", "u"}, true, app + "/sub"},
		{"0.11", "0.10", []string{"u", "v"}, []string{"cmd", "c1", "u", "v"}, true, app + "/sub"},
		{"0.12", "0.11", nil, []string{"cmd", "c1", "a1"}, true, app + "/sub"},
		{"0.14", "0.12", []string{"u"}, []string{"cmd", "c1", "u"}, true, app + "/sub"},
		{"0.15", "0.12", nil, []string{"cmd", "c1", "a1"}, true, app + "/sub"},
		{"0.15", "0.9", []string{""}, []string{"cmd", "c1", ""}, true, app + "/sub"},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("P%s/B%s/%s", tc.platform, tc.buildpack, strings.Join(tc.user, ","))
		t.Run(name, func(t *testing.T) {
			platform, bpAPI := api.MustParse(tc.platform), api.MustParse(tc.buildpack)
			got := processPlan(matrixProcess(platform), bpAPI, platform, tc.user, app)
			argv := append(append([]string{}, got.Command...), got.Args...)
			if !reflect.DeepEqual(argv, tc.wantArgv) || got.Direct != tc.wantDirect || got.WorkingDir != tc.wantDir {
				t.Errorf("processPlan(P%s, B%s, %q) = argv %q direct %v dir %s, want argv %q direct %v dir %s",
					tc.platform, tc.buildpack, tc.user, argv, got.Direct, got.WorkingDir, tc.wantArgv, tc.wantDirect, tc.wantDir)
			}
		})
	}
}

// TestPRC3_WorkingDir checks working-dir resolution (CONFORMANCE PRC-3).
func TestPRC3_WorkingDir(t *testing.T) {
	tests := []struct{ wd, bp, want string }{
		{"", "0.8", "/app"},
		{"sub/dir", "0.8", "/app/sub/dir"},
		{"../up", "0.9", "/up"},
		{"/abs/dir/", "0.12", "/abs/dir"},
		{"sub", "0.7", "/app"},
		{"/abs", "0.7", "/app"},
	}
	for _, tc := range tests {
		if got := workingDir(tc.wd, api.MustParse(tc.bp), "/app"); got != tc.want {
			t.Errorf("workingDir(%q, B%s, /app) = %s, want %s", tc.wd, tc.bp, got, tc.want)
		}
	}
}

func selectionMetadata() Metadata {
	return Metadata{
		BuildpackDefaultProcessType: "web",
		Buildpacks:                  []Buildpack{{ID: "bp", API: "0.10"}, {ID: "old", API: "0.7"}},
		Processes: []Process{
			{Type: "web", Command: Command{"web-cmd"}, Args: []string{"wa"}, BuildpackID: "bp"},
			{Type: "worker", Command: Command{"work-cmd"}, BuildpackID: "old", Direct: false},
			{Type: "test", Command: Command{"test-cmd"}, BuildpackID: "bp", ExecEnv: []string{"test", "development"}},
			{Type: "any", Command: Command{"any-cmd"}, BuildpackID: "bp", ExecEnv: []string{"*"}},
			{Type: "launcher", Command: Command{"named-launcher"}, BuildpackID: "bp"},
		},
	}
}

// selectCase is a case of TestLCH2_SelectProcess.
type selectCase struct {
	name     string
	platform string
	noLaunch bool // metadata without the "launcher" type
	noDef    bool // metadata without a default process
	execEnv  string
	argv     []string
	want     plan
	wantErr  string
}

func selectCases() []selectCase {
	return []selectCase{
		{name: "type from argv0", argv: []string{"/cnb/process/worker", "x"},
			want: plan{Type: "worker", Command: []string{"work-cmd"}, Args: []string{"x"}, WorkingDir: "/app"}},
		{name: "type from argv0 with .exe", argv: []string{`/cnb/process/worker.exe`},
			want: plan{Type: "worker", Command: []string{"work-cmd"}, Args: []string{}, WorkingDir: "/app"}},
		{name: "argv0 type wins over --", argv: []string{"/cnb/process/web", "--", "x"},
			want: plan{Type: "web", Command: []string{"web-cmd"}, Args: []string{"--", "x"}, Direct: true, WorkingDir: "/app"}},
		{name: "unknown type", argv: []string{"/cnb/process/nope"}, wantErr: `process type "nope" is not defined`},
		{name: "default process", noLaunch: true, argv: []string{"/cnb/lifecycle/launcher"},
			want: plan{Type: "web", Command: []string{"web-cmd"}, Args: []string{"wa"}, Direct: true, WorkingDir: "/app"}},
		{name: "no argv at all", noLaunch: true, argv: nil,
			want: plan{Type: "web", Command: []string{"web-cmd"}, Args: []string{"wa"}, Direct: true, WorkingDir: "/app"}},
		{name: "direct with --", noLaunch: true, argv: []string{"/cnb/lifecycle/launcher", "--", "ls", "-l", "x y"},
			want: plan{Command: []string{"ls"}, Args: []string{"-l", "x y"}, Direct: true, WorkingDir: "/app"}},
		{name: "-- alone", noLaunch: true, argv: []string{"launcher", "--"}, wantErr: "a command is required after --"},
		{name: "shell command", noLaunch: true, argv: []string{"launcher", "echo $X", "a"},
			want: plan{Command: []string{"echo $X"}, Args: []string{"a"}, WorkingDir: "/app"}},
		{name: "no default, no args", noLaunch: true, noDef: true, argv: []string{"launcher"},
			wantErr: "when there is no default process a command is required"},
		{name: "process type named launcher", argv: []string{"/cnb/lifecycle/launcher"},
			want: plan{Type: "launcher", Command: []string{"named-launcher"}, Args: []string{}, Direct: true, WorkingDir: "/app"}},
		{name: "exec-env ignored before P0.15", platform: "0.14", execEnv: "production", argv: []string{"/cnb/process/test"},
			want: plan{Type: "test", Command: []string{"test-cmd"}, Args: []string{}, Direct: true, WorkingDir: "/app"}},
		{name: "exec-env ineligible", execEnv: "production", argv: []string{"/cnb/process/test"},
			wantErr: `process type "test" is not eligible for execution environment "production"`},
		{name: "exec-env listed", execEnv: "development", argv: []string{"/cnb/process/test"},
			want: plan{Type: "test", Command: []string{"test-cmd"}, Args: []string{}, Direct: true, WorkingDir: "/app"}},
		{name: "exec-env star", execEnv: "production", argv: []string{"/cnb/process/any"},
			want: plan{Type: "any", Command: []string{"any-cmd"}, Args: []string{}, Direct: true, WorkingDir: "/app"}},
	}
}

// TestLCH2_SelectProcess checks process selection by argv[0], "--", a
// shell command and the default process (CONFORMANCE LCH-2).
func TestLCH2_SelectProcess(t *testing.T) {
	for _, tc := range selectCases() {
		t.Run(tc.name, func(t *testing.T) {
			md := selectionMetadata()
			if tc.noLaunch {
				md.Processes = md.Processes[:len(md.Processes)-1]
			}
			if tc.noDef {
				md.BuildpackDefaultProcessType = ""
			}
			bpAPIs, err := buildpackAPIs(md, "metadata.toml")
			if err != nil {
				t.Fatal(err)
			}
			in := inputs{platform: api.MustParse(orDefault(tc.platform, "0.15")), appDir: "/app", layersDir: "/layers",
				execEnv: orDefault(tc.execEnv, "production"), argv0: "launcher"}
			if len(tc.argv) > 0 {
				in.argv0, in.userArgs = tc.argv[0], tc.argv[1:]
			}
			got, err := selectProcess(md, bpAPIs, in)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("selectProcess(%q) = %+v, %v, want error %q", tc.argv, got, err, tc.wantErr)
				}
			case err != nil:
				t.Errorf("selectProcess(%q) = %v, want %+v", tc.argv, err, tc.want)
			case !reflect.DeepEqual(got, tc.want):
				t.Errorf("selectProcess(%q) = %+v, want %+v", tc.argv, got, tc.want)
			}
		})
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestLCH1_BuildpackAPIs checks that every buildpack API in the metadata
// must be supported (CONFORMANCE LCH-1).
func TestLCH1_BuildpackAPIs(t *testing.T) {
	tests := []struct {
		apis    []string
		wantErr bool
	}{
		{[]string{"0.7", "0.12"}, false},
		{[]string{"0.9", "0.6"}, true},
		{[]string{"0.13"}, true},
		{[]string{"1.0"}, true},
		{[]string{""}, true},
		{[]string{"x"}, true},
		{nil, false},
	}
	for _, tc := range tests {
		var md Metadata
		for i, a := range tc.apis {
			md.Buildpacks = append(md.Buildpacks, Buildpack{ID: fmt.Sprintf("bp%d", i), API: a})
		}
		_, err := buildpackAPIs(md, "metadata.toml")
		if (err != nil) != tc.wantErr {
			t.Errorf("buildpackAPIs(%q) = %v, want error %v", tc.apis, err, tc.wantErr)
		}
	}
}

// TestProcessWithoutBuildpack: a process must name a buildpack in
// [[buildpacks]], whose API decides the rules.
func TestProcessWithoutBuildpack(t *testing.T) {
	md := Metadata{Processes: []Process{{Type: "web", Command: Command{"x"}, BuildpackID: "ghost"}}}
	in := inputs{platform: api.MustParse("0.12"), argv0: "/cnb/process/web", appDir: "/app", layersDir: "/layers"}
	if _, err := selectProcess(md, map[string]api.Version{}, in); err == nil || !strings.Contains(err.Error(), `buildpack "ghost"`) {
		t.Errorf("selectProcess(ghost buildpack) = %v, want an error naming the buildpack", err)
	}
}
