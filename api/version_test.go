package api

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Version
		wantErr bool
	}{
		{in: "0.7", want: Version{0, 7}},
		{in: "0.15", want: Version{0, 15}},
		{in: "1", want: Version{1, 0}},
		{in: "1.2", want: Version{1, 2}},
		{in: "", wantErr: true},
		{in: "0.", wantErr: true},
		{in: ".1", wantErr: true},
		{in: "v0.7", wantErr: true},
		{in: "0.7.1", wantErr: true},
		{in: "0.-1", wantErr: true},
		{in: "zero", wantErr: true},
		{in: " 0.7", wantErr: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Parse(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if err == nil && got != tc.want {
				t.Errorf("Parse(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestCompareAndRange(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"0.7", "0.7", 0},
		{"0.7", "0.10", -1},
		{"0.15", "0.9", 1},
		{"1", "0.99", 1},
		{"1.0", "1", 0},
	} {
		if got := MustParse(tc.a).Compare(MustParse(tc.b)); got != tc.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	p := SupportedPlatform()
	for v, want := range map[string]bool{"0.6": false, "0.7": true, "0.12": true, "0.15": true, "0.16": false, "1.0": false} {
		if got := p.Contains(MustParse(v)); got != want {
			t.Errorf("SupportedPlatform().Contains(%s) = %v, want %v", v, got, want)
		}
	}
	b := SupportedBuildpack()
	for v, want := range map[string]bool{"0.6": false, "0.7": true, "0.12": true, "0.13": false, "0.99": false} {
		if got := b.Contains(MustParse(v)); got != want {
			t.Errorf("SupportedBuildpack().Contains(%s) = %v, want %v", v, got, want)
		}
	}
}

func TestFeatures(t *testing.T) {
	for _, tc := range []struct {
		version string
		feature Feature
		want    bool
	}{
		{"0.11", PlatformRunTOML, false},
		{"0.12", PlatformRunTOML, true},
		{"0.14", PlatformSystemBuildpacks, false},
		{"0.15", PlatformSystemBuildpacks, true},
		{"0.15", PlatformExecEnv, true},
		{"0.9", PlatformDetectorExtensionFlags, false},
		{"0.10", PlatformDetectorExtensionFlags, true},
		{"0.7", BuildpackEnvVars, false},
		{"0.8", BuildpackEnvVars, true},
		{"0.9", BuildpackTargets, false},
		{"0.10", BuildpackTargets, true},
		{"0.11", BuildpackExecEnv, false},
		{"0.12", BuildpackExecEnv, true},
	} {
		if got := MustParse(tc.version).Supports(tc.feature); got != tc.want {
			t.Errorf("%s.Supports(%s) = %v, want %v", tc.version, tc.feature, got, tc.want)
		}
	}
	// Every feature has a version and a name (a new constant must be added to both tables).
	for f := PlatformSBOM; f <= PlatformBuildLabelAPI; f++ {
		if f.String() == "platform:unknown" || f.Since().IsZero() {
			t.Errorf("platform feature %d lacks a name or version", f)
		}
	}
	for f := BuildpackEnvVars; f <= BuildpackExecEnv; f++ {
		if f.String() == "buildpack:unknown" || f.Since().IsZero() {
			t.Errorf("buildpack feature %d lacks a name or version", f)
		}
	}
}
