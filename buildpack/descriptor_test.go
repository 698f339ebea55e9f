package buildpack

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func writeDescriptor(t *testing.T, root, id, version, body string) string {
	t.Helper()
	dir := filepath.Join(root, EscapeID(id), version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "buildpack.toml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReadDescriptor(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		name    string
		body    string
		wantAPI bool // an *APIError
		wantErr string
	}{
		{name: "fine", body: "api = \"0.12\"\n[buildpack]\nid = \"a/b\"\nversion = \"1\"\nunknown = 1\n"},
		{name: "old api", body: "api = \"0.6\"\n[buildpack]\nid = \"a\"\nversion = \"1\"\n", wantAPI: true},
		{name: "future api", body: "api = \"0.99\"\n[buildpack]\nid = \"a\"\nversion = \"1\"\n", wantAPI: true},
		{name: "no api", body: "[buildpack]\nid = \"a\"\nversion = \"1\"\n", wantAPI: true},
		{name: "reserved id", body: "api = \"0.10\"\n[buildpack]\nid = \"app\"\nversion = \"1\"\n", wantErr: "reserved"},
		{name: "bad id", body: "api = \"0.10\"\n[buildpack]\nid = \"a b\"\nversion = \"1\"\n", wantErr: "only letters"},
		{name: "malformed", body: "api = \n", wantErr: "parsing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeDescriptor(t, root, "x-"+strings.ReplaceAll(tc.name, " ", "-"), "1", tc.body)
			_, err := ReadDescriptor(dir)
			var apiErr *APIError
			switch {
			case tc.wantAPI:
				if !errors.As(err, &apiErr) {
					t.Errorf("ReadDescriptor() = %v, want *APIError", err)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), dir) {
					t.Errorf("ReadDescriptor() = %v, want an error naming %s and %q", err, dir, tc.wantErr)
				}
			case err != nil:
				t.Errorf("ReadDescriptor() = %v, want nil", err)
			}
		})
	}
}

func TestExecEnvForms(t *testing.T) {
	var d struct {
		Buildpack struct {
			ExecEnv ExecEnvs `toml:"exec-env"`
		} `toml:"buildpack"`
		Order Order `toml:"order"`
	}
	body := `
[buildpack]
[[buildpack.exec-env]]
name = "test"
[[buildpack.exec-env]]
name = "development"
[[order]]
[[order.group]]
id = "a"
version = "1"
exec-env = ["production"]
`
	if _, err := toml.Decode(body, &d); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Buildpack.ExecEnv, ExecEnvs{"test", "development"}) {
		t.Errorf("table form = %v", d.Buildpack.ExecEnv)
	}
	if !reflect.DeepEqual(d.Order[0].Group[0].ExecEnv, ExecEnvs{"production"}) {
		t.Errorf("string form = %v", d.Order[0].Group[0].ExecEnv)
	}
	if !(ExecEnvs{}).Allows("x") || !(ExecEnvs{"*"}).Allows("x") || (ExecEnvs{"test"}).Allows("production") {
		t.Error("Allows() wrong")
	}
}

func TestGroupRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "group.toml")
	in := GroupFile{Group: []GroupElement{{ID: "a", Version: "1", API: "0.10", Homepage: "h", Optional: true, ExecEnv: ExecEnvs{"x"}}}}
	if err := WriteGroup(p, in); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	if strings.Contains(string(data), "optional") || strings.Contains(string(data), "exec-env") {
		t.Errorf("group.toml = %s, want no optional or exec-env keys (DET-10)", data)
	}
	got, err := ReadGroup(p)
	want := GroupFile{Group: []GroupElement{{ID: "a", Version: "1", API: "0.10", Homepage: "h"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ReadGroup() = %+v, %v, want %+v", got, err, want)
	}
	if err := os.WriteFile(p, []byte("[[group]]\nid = \"a\"\nversion = \"1\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var apiErr *APIError
	if _, err := ReadGroup(p); !errors.As(err, &apiErr) {
		t.Errorf("ReadGroup(no api) = %v, want *APIError (FIL-2)", err)
	}
}

func TestReadOrder(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		body    string
		wantErr string
	}{
		"fine":        {body: "[[order]]\n[[order.group]]\nid = \"a\"\nversion = \"1\"\noptional = true\nextra = 1\n"},
		"no version":  {body: "[[order]]\n[[order.group]]\nid = \"a\"\n", wantErr: "missing version"},
		"malformed":   {body: "[[order]\n", wantErr: "parsing"},
		"extensions":  {body: "[[order-extensions]]\n[[order-extensions.group]]\nid = \"e\"\nversion = \"1\"\n"},
		"empty order": {body: ""},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".toml")
		if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadOrder(p)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), p)) {
			t.Errorf("%s: ReadOrder() = %v, want error containing %q and the path", name, err, tc.wantErr)
		}
	}
	if _, err := ReadOrder(filepath.Join(dir, "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadOrder(missing) = %v, want not-exist", err)
	}
}

func TestTargets(t *testing.T) {
	root := t.TempDir()
	linux := RunTarget{OS: "linux", Arch: "amd64", DistroName: "ubuntu", DistroVersion: "22.04"}
	for _, tc := range []struct {
		name     string
		body     string
		hasBuild bool
		want     bool
	}{
		{"no targets, no bin/build", "", false, true},
		{"no targets, bin/build means linux", "", true, true},
		{"exact", "[[targets]]\nos = \"linux\"\narch = \"amd64\"\n", false, true},
		{"wrong arch", "[[targets]]\nos = \"linux\"\narch = \"arm64\"\n", false, false},
		{"wrong os", "[[targets]]\nos = \"windows\"\n", false, false},
		{"distro matches", "[[targets]]\nos = \"linux\"\n[[targets.distros]]\nname = \"ubuntu\"\nversion = \"22.04\"\n", false, true},
		{"distro differs", "[[targets]]\nos = \"linux\"\n[[targets.distros]]\nname = \"ubuntu\"\nversion = \"18.04\"\n", false, false},
		{"one of two targets", "[[targets]]\narch = \"arm64\"\n[[targets]]\narch = \"amd64\"\n", false, true},
		{"variant key", "[[targets]]\nos = \"linux\"\nvariant = \"v8\"\n", false, false},
		{"arch-variant key", "[[targets]]\nos = \"linux\"\narch-variant = \"v8\"\n", false, false},
		{"stack star", "[[stacks]]\nid = \"*\"\n", true, true},
		{"bionic stack is ubuntu 18.04", "[[stacks]]\nid = \"io.buildpacks.stacks.bionic\"\n", true, false},
		{"other stack falls back to bin/build", "[[stacks]]\nid = \"io.other\"\n", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "t" + strings.NewReplacer(" ", "-", ",", "", "/", "-").Replace(tc.name)
			dir := writeDescriptor(t, root, id, "1", "api = \"0.10\"\n[buildpack]\nid = \""+id+"\"\nversion = \"1\"\n"+tc.body)
			if tc.hasBuild {
				os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
				os.WriteFile(filepath.Join(dir, "bin", "build"), []byte("#!/bin/sh\n"), 0o755)
			}
			d, err := ReadDescriptor(dir)
			if err != nil {
				t.Fatal(err)
			}
			rt := linux
			if strings.Contains(tc.name, "variant") {
				rt.ArchVariant = "v7"
			}
			if got := d.SupportsTarget(rt); got != tc.want {
				t.Errorf("SupportsTarget(%+v) = %v, want %v", rt, got, tc.want)
			}
		})
	}
}
