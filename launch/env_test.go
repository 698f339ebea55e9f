package launch

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/env"
)

// writeFile writes content to path, making its parents; mode 0755 makes it
// executable.
func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLCH5_BaseEnv checks the launcher's inputs are dropped and /cnb/process
// and /cnb/lifecycle leave PATH (CONFORMANCE LCH-5).
func TestLCH5_BaseEnv(t *testing.T) {
	tests := []struct {
		name string
		in   env.Env
		want env.Env
	}{
		{"inputs dropped",
			env.Env{"CNB_LAYERS_DIR": "/l", "CNB_APP_DIR": "/a", "CNB_PROCESS_TYPE": "web", "CNB_PLATFORM_API": "0.12",
				"CNB_DEPRECATION_MODE": "warn", "CNB_EXEC_ENV": "test", "KEEP": "1"},
			env.Env{"CNB_EXEC_ENV": "test", "KEEP": "1"}},
		{"path cleaned",
			env.Env{"PATH": "/cnb/process:/usr/bin:/cnb/lifecycle/:/bin:/cnb/process"},
			env.Env{"PATH": "/usr/bin:/bin"}},
		{"path only cnb", env.Env{"PATH": "/cnb/process"}, env.Env{"PATH": ""}},
		{"no path", env.Env{"X": "1"}, env.Env{"X": "1"}},
		{"similar names kept", env.Env{"PATH": "/cnb/processes:/cnb/lifecycle/bin"},
			env.Env{"PATH": "/cnb/processes:/cnb/lifecycle/bin"}},
	}
	for _, tc := range tests {
		if got := baseEnv(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("baseEnv(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// envFixture lays out two buildpacks with layers for the env tests and
// returns the layers dir and its listing.
func envFixture(t *testing.T) (string, []bpLayers) {
	t.Helper()
	root := t.TempDir()
	a, b := filepath.Join(root, "org_a"), filepath.Join(root, "b")
	mkdirs(t, a+"/l1/bin", a+"/l2/bin", a+"/l2/lib", a+"/l3", b+"/m1/bin", b+"/m1/lib")
	writeFile(t, a+"/l1.toml", "[types]\nlaunch = true\n", 0o644)
	writeFile(t, a+"/notalayer", "x", 0o644)
	// Override: later layer and later buildpack win; env < env.launch < env.launch/<type>.
	writeFile(t, a+"/l1/env/OVR", "a-l1-env", 0o644)
	writeFile(t, a+"/l1/env.launch/OVR", "a-l1-launch", 0o644)
	writeFile(t, a+"/l2/env/OVR.override", "a-l2-env", 0o644)
	writeFile(t, a+"/l2/env.launch/web/OVR", "a-l2-web", 0o644)
	writeFile(t, a+"/l2/env.launch/worker/OVR", "a-l2-worker", 0o644)
	// Append and prepend with delimiters.
	writeFile(t, a+"/l1/env/LIST.append", "a1", 0o644)
	writeFile(t, a+"/l1/env/LIST.delim", ",", 0o644)
	writeFile(t, b+"/m1/env.launch/LIST.append", "b1", 0o644)
	writeFile(t, b+"/m1/env.launch/LIST.delim", ",", 0o644)
	writeFile(t, a+"/l1/env/PATH.prepend", "/pre-a", 0o644)
	writeFile(t, a+"/l1/env/PATH.delim", ":", 0o644)
	// Default: earlier wins, and a set value stays.
	writeFile(t, a+"/l3/env/DEF.default", "a-l3", 0o644)
	writeFile(t, b+"/m1/env/DEF.default", "b-m1", 0o644)
	writeFile(t, b+"/m1/env/SET.default", "b-m1", 0o644)
	// Protected variables (ENV-7).
	writeFile(t, b+"/m1/env/HOME", "/layer-home", 0o644)
	writeFile(t, b+"/m1/env/BPL_X", "layer", 0o644)
	writeFile(t, b+"/m1/env/BPL_NEW", "layer", 0o644)
	// A build-only env dir never applies at launch.
	writeFile(t, b+"/m1/env.build/BUILD_ONLY", "x", 0o644)
	layers, err := listLayers(root, []Buildpack{{ID: "org/a"}, {ID: "b"}, {ID: "missing"}})
	if err != nil {
		t.Fatal(err)
	}
	return root, layers
}

// TestLCH5_ListLayers: layer dirs in name order, files and missing
// buildpacks skipped.
func TestLCH5_ListLayers(t *testing.T) {
	root, got := envFixture(t)
	want := []bpLayers{
		{id: "org/a", dirs: []string{root + "/org_a/l1", root + "/org_a/l2", root + "/org_a/l3"}},
		{id: "b", dirs: []string{root + "/b/m1"}},
		{id: "missing"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listLayers() = %v, want %v", got, want)
	}
}

// TestLCH5_BuildEnv checks layer env order (CONFORMANCE LCH-5, ENV-4..7).
func TestLCH5_BuildEnv(t *testing.T) {
	root, layers := envFixture(t)
	a, b := root+"/org_a", root+"/b"
	container := env.Env{"PATH": "/cnb/process:/usr/bin", "LD_LIBRARY_PATH": "/usr/lib", "SET": "container",
		"HOME": "/home/app", "BPL_X": "user", "CNB_LAYERS_DIR": root}
	tests := []struct {
		typ  string
		want env.Env
	}{
		{"web", env.Env{
			"PATH":            b + "/m1/bin:/pre-a:" + a + "/l1/bin:" + a + "/l2/bin:/usr/bin",
			"LD_LIBRARY_PATH": b + "/m1/lib:" + a + "/l2/lib:/usr/lib",
			"OVR":             "a-l2-web", "LIST": "a1,b1", "DEF": "a-l3", "SET": "container",
			"HOME": "/home/app", "BPL_X": "user", "BPL_NEW": "layer",
		}},
		{"", env.Env{
			"PATH":            b + "/m1/bin:/pre-a:" + a + "/l1/bin:" + a + "/l2/bin:/usr/bin",
			"LD_LIBRARY_PATH": b + "/m1/lib:" + a + "/l2/lib:/usr/lib",
			"OVR":             "a-l2-env", "LIST": "a1,b1", "DEF": "a-l3", "SET": "container",
			"HOME": "/home/app", "BPL_X": "user", "BPL_NEW": "layer",
		}},
	}
	for _, tc := range tests {
		got, err := buildEnv(container, layers, tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("buildEnv(%q) =\n%v\nwant\n%v", tc.typ, got, tc.want)
		}
	}
}

// TestLCH5_BuildEnvEmptyPath: bin dirs make PATH when it was empty.
func TestLCH5_BuildEnvEmptyPath(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root+"/bp/l/bin")
	layers, err := listLayers(root, []Buildpack{{ID: "bp"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := buildEnv(env.Env{"PATH": "/cnb/process"}, layers, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := root + "/bp/l/bin"; got["PATH"] != want {
		t.Errorf("buildEnv(PATH=/cnb/process)[PATH] = %q, want %q", got["PATH"], want)
	}
	if _, ok := got["LD_LIBRARY_PATH"]; ok {
		t.Errorf("buildEnv() set LD_LIBRARY_PATH without lib dirs")
	}
}
