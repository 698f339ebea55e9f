package platform

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/api"
)

func TestResolveAPI(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
		code int
	}{
		{env: map[string]string{}, code: 11},
		{env: map[string]string{EnvPlatformAPI: ""}, code: 11},
		{env: map[string]string{EnvPlatformAPI: "garbage"}, code: 11},
		{env: map[string]string{EnvPlatformAPI: "0.6"}, code: 11},
		{env: map[string]string{EnvPlatformAPI: "0.16"}, code: 11},
		{env: map[string]string{EnvPlatformAPI: "1"}, code: 11},
		{env: map[string]string{EnvPlatformAPI: "0.7"}, want: "0.7"},
		{env: map[string]string{EnvPlatformAPI: "0.15"}, want: "0.15"},
	} {
		v, err := ResolveAPI(MapEnv(tc.env))
		if got := CodeOf(err, -1); got != tc.code {
			t.Errorf("ResolveAPI(%v) code = %d, want %d (err %v)", tc.env, got, tc.code, err)
		}
		if tc.want != "" && v.String() != tc.want {
			t.Errorf("ResolveAPI(%v) = %s, want %s", tc.env, v, tc.want)
		}
	}
}

// TestResolveDetectPrecedence covers flag > env > default (GEN-3), the
// <layers>-relative defaults (GEN-10, DET-1) and empty values (PLATFORMS.md
// §3.3).
func TestResolveDetectPrecedence(t *testing.T) {
	v := api.MustParse("0.15")
	wd, _ := os.Getwd()
	for _, tc := range []struct {
		name  string
		vals  Values
		env   map[string]string
		check func(t *testing.T, in DetectInputs)
	}{
		{"defaults", Values{}, nil, func(t *testing.T, in DetectInputs) {
			want := DetectInputs{AppDir: "/workspace", BuildConfigDir: "/cnb/build-config", BuildpacksDir: "/cnb/buildpacks",
				ExtensionsDir: "/cnb/extensions", LayersDir: "/layers", PlatformDir: "/platform", RunPath: "/cnb/run.toml",
				AnalyzedPath: "/layers/analyzed.toml", GeneratedDir: "/layers/generated", GroupPath: "/layers/group.toml",
				PlanPath: "/layers/plan.toml", OrderPath: "/cnb/order.toml", SystemPath: "/cnb/system.toml", ExecEnv: "production"}
			if in != want {
				t.Errorf("ResolveDetect() = %+v, want %+v", in, want)
			}
		}},
		{"flag beats env", Values{"group": {"/b"}}, map[string]string{EnvGroupPath: "/a"}, func(t *testing.T, in DetectInputs) {
			if in.GroupPath != "/b" {
				t.Errorf("GroupPath = %s, want /b", in.GroupPath)
			}
		}},
		{"env beats default", Values{}, map[string]string{EnvGroupPath: "/a", EnvLayersDir: "/l"}, func(t *testing.T, in DetectInputs) {
			if in.GroupPath != "/a" || in.PlanPath != "/l/plan.toml" {
				t.Errorf("GroupPath, PlanPath = %s, %s, want /a, /l/plan.toml", in.GroupPath, in.PlanPath)
			}
		}},
		{"last flag wins", Values{"app": {"/x", "/y"}}, nil, func(t *testing.T, in DetectInputs) {
			if in.AppDir != "/y" {
				t.Errorf("AppDir = %s, want /y", in.AppDir)
			}
		}},
		{"empty env is unset", Values{}, map[string]string{EnvLayersDir: ""}, func(t *testing.T, in DetectInputs) {
			if in.LayersDir != "/layers" {
				t.Errorf("LayersDir = %s, want /layers", in.LayersDir)
			}
		}},
		{"empty -layers is the working dir", Values{"layers": {""}}, nil, func(t *testing.T, in DetectInputs) {
			if in.LayersDir != wd || in.GroupPath != filepath.Join(wd, "group.toml") {
				t.Errorf("LayersDir, GroupPath = %s, %s, want %s", in.LayersDir, in.GroupPath, wd)
			}
		}},
		{"empty -group is the default", Values{"group": {""}, "layers": {"/l"}}, nil, func(t *testing.T, in DetectInputs) {
			if in.GroupPath != "/l/group.toml" {
				t.Errorf("GroupPath = %s, want /l/group.toml", in.GroupPath)
			}
		}},
		{"relative made absolute", Values{"app": {"src"}}, nil, func(t *testing.T, in DetectInputs) {
			if in.AppDir != filepath.Join(wd, "src") {
				t.Errorf("AppDir = %s, want %s", in.AppDir, filepath.Join(wd, "src"))
			}
		}},
		{"exec env", Values{}, map[string]string{EnvExecEnv: "test"}, func(t *testing.T, in DetectInputs) {
			if in.ExecEnv != "test" {
				t.Errorf("ExecEnv = %s, want test", in.ExecEnv)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := ResolveDetect(v, tc.vals, MapEnv(tc.env))
			if err != nil {
				t.Fatalf("ResolveDetect() error = %v", err)
			}
			tc.check(t, in)
		})
	}
}

func TestResolveDetectVersionGates(t *testing.T) {
	// Below 0.15 there is no system.toml and CNB_EXEC_ENV is not read.
	in, err := ResolveDetect(api.MustParse("0.14"), Values{}, MapEnv(map[string]string{EnvExecEnv: "test", EnvSystemPath: "/s"}))
	if err != nil || in.SystemPath != "" || in.ExecEnv != "production" {
		t.Errorf("ResolveDetect(0.14) = %q, %q, %v, want no system path, production", in.SystemPath, in.ExecEnv, err)
	}
	// An env twin of a flag the version does not have is ignored too.
	in, _ = ResolveDetect(api.MustParse("0.9"), Values{}, MapEnv(map[string]string{EnvAnalyzedPath: "/x.toml"}))
	if in.AnalyzedPath != "/layers/analyzed.toml" {
		t.Errorf("ResolveDetect(0.9).AnalyzedPath = %s, want the default", in.AnalyzedPath)
	}
	_, err = ResolveDetect(api.MustParse("0.15"), Values{}, MapEnv(map[string]string{EnvExecEnv: "a/b"}))
	if CodeOf(err, 0) != CodeInvalidArgs {
		t.Errorf("ResolveDetect(CNB_EXEC_ENV=a/b) = %v, want exit 3", err)
	}
}

func TestOrderDefault(t *testing.T) {
	layers := t.TempDir()
	in, _ := ResolveDetect(api.MustParse("0.12"), Values{"layers": {layers}}, MapEnv(nil))
	if in.OrderPath != DefaultOrderPath {
		t.Errorf("OrderPath = %s, want %s", in.OrderPath, DefaultOrderPath)
	}
	if err := os.WriteFile(filepath.Join(layers, "order.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	in, _ = ResolveDetect(api.MustParse("0.12"), Values{"layers": {layers}}, MapEnv(nil))
	if in.OrderPath != filepath.Join(layers, "order.toml") {
		t.Errorf("OrderPath = %s, want <layers>/order.toml (DET-2)", in.OrderPath)
	}
}

func TestResolverKinds(t *testing.T) {
	v := api.MustParse("0.13")
	r := newResolver(Analyzer, v, Values{"tag": {"a", "", "b"}, "daemon": {"true"}}, MapEnv(map[string]string{
		EnvInsecureRegistries: "r1, r2,", EnvUserID: "1000", EnvGroupID: "x", EnvSkipLayers: "maybe",
	}))
	if got := r.list("tag"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("list(tag) = %v, want [a b]", got)
	}
	if got := r.list("insecure-registry"); len(got) != 2 || got[1] != "r2" {
		t.Errorf("list(insecure-registry) = %v, want [r1 r2]", got)
	}
	if !r.boolean("daemon") || r.integer("uid", 0) != 1000 {
		t.Error("boolean(daemon) or integer(uid) wrong")
	}
	if r.err != nil {
		t.Fatalf("unexpected error %v", r.err)
	}
	r.integer("gid", 0)
	if CodeOf(r.err, 0) != CodeInvalidArgs {
		t.Errorf("integer(gid=x) error = %v, want exit 3", r.err)
	}
	r.err = nil
	r.boolean("skip-layers")
	if CodeOf(r.err, 0) != CodeInvalidArgs {
		t.Errorf("boolean(CNB_SKIP_LAYERS=maybe) error = %v, want exit 3", r.err)
	}
}
