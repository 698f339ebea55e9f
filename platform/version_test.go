package platform

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/log"
)

func TestExperimentalMode(t *testing.T) {
	for _, tc := range []struct {
		value   string
		wantErr bool // from resolving
		allowed bool // Guard lets the feature go ahead
		warns   bool
	}{
		{value: "", allowed: false},
		{value: "error", allowed: false},
		{value: "warn", allowed: true, warns: true},
		{value: "silent", allowed: true},
		{value: "quiet", allowed: true},
		{value: "loud", wantErr: true},
	} {
		m, err := ResolveExperimentalMode(MapEnv(map[string]string{EnvExperimentalMode: tc.value}))
		if (err != nil) != tc.wantErr {
			t.Errorf("ResolveExperimentalMode(%q) error = %v, want error %v", tc.value, err, tc.wantErr)
			continue
		}
		if tc.wantErr {
			continue
		}
		var errOut bytes.Buffer
		gerr := m.Guard("OCI layout export", log.New(&bytes.Buffer{}, &errOut, log.InfoLevel, false))
		if (gerr == nil) != tc.allowed {
			t.Errorf("mode %q: Guard() = %v, want allowed %v", tc.value, gerr, tc.allowed)
		}
		if gerr != nil && CodeOf(gerr, 0) != CodeGeneric {
			t.Errorf("mode %q: Guard() code = %d, want 1", tc.value, CodeOf(gerr, 0))
		}
		if got := strings.Contains(errOut.String(), "Warning: OCI layout export is experimental"); got != tc.warns {
			t.Errorf("mode %q: warning = %q, want warning %v", tc.value, errOut.String(), tc.warns)
		}
	}
}

func TestDeprecationMode(t *testing.T) {
	for _, tc := range []struct {
		value    string
		wantCode int
		warns    bool
	}{
		{value: "", warns: true},
		{value: "warn", warns: true},
		{value: "quiet"},
		{value: "error", wantCode: 12},
	} {
		m, err := ResolveDeprecationMode(MapEnv(map[string]string{EnvDeprecationMode: tc.value}))
		if err != nil {
			t.Fatalf("ResolveDeprecationMode(%q) error = %v", tc.value, err)
		}
		var errOut bytes.Buffer
		logger := log.New(&bytes.Buffer{}, &errOut, log.InfoLevel, false)
		got := m.Check("buildpack API 0.7 of a@1", true, CodeIncompatibleBuildpackAPI, logger)
		if CodeOf(got, 0) != tc.wantCode {
			t.Errorf("mode %q: Check() = %v, want code %d", tc.value, got, tc.wantCode)
		}
		if strings.Contains(errOut.String(), "deprecated") != tc.warns {
			t.Errorf("mode %q: stderr = %q, want warning %v", tc.value, errOut.String(), tc.warns)
		}
		if err := m.Check("x", false, 12, logger); err != nil {
			t.Errorf("Check(not deprecated) = %v, want nil", err)
		}
	}
	if _, err := ResolveDeprecationMode(MapEnv(map[string]string{EnvDeprecationMode: "bogus"})); err == nil {
		t.Error("ResolveDeprecationMode(bogus) succeeded")
	}
}

func TestExitError(t *testing.T) {
	base := errors.New("boom")
	err := Exit(21, base)
	wrapped := errors.Join(errors.New("context"), err)
	if CodeOf(wrapped, 1) != 21 || CodeOf(base, 7) != 7 || CodeOf(nil, 7) != 0 {
		t.Error("CodeOf does not find the code through wrapping")
	}
	if !errors.Is(err, base) || Exit(3, nil) != nil {
		t.Error("ExitError does not unwrap, or Exit(nil) is not nil")
	}
}

func TestCheckArgs(t *testing.T) {
	for _, tc := range []struct {
		phase Phase
		args  []string
		ok    bool
	}{
		{Detector, nil, true},
		{Detector, []string{"x"}, false},
		{Analyzer, []string{"img"}, true},
		{Analyzer, nil, false},
		{Analyzer, []string{"a", "b"}, false},
		{Creator, []string{"img"}, true},
		{Exporter, []string{"a", "b"}, true},
		{Exporter, nil, false},
		{Rebaser, []string{"a"}, true},
	} {
		err := CheckArgs(tc.phase, tc.args)
		if (err == nil) != tc.ok || (err != nil && CodeOf(err, 0) != CodeInvalidArgs) {
			t.Errorf("CheckArgs(%s, %v) = %v, want ok %v or exit 3", tc.phase, tc.args, err, tc.ok)
		}
	}
}
