package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cnb-lifecycle/lifecycle/internal/buildinfo"
	"github.com/cnb-lifecycle/lifecycle/platform"
)

// TestExecuteExitCodes: the command runner's exit codes and error lines
// for each way a phase can end before, in and after its work (GEN-2..GEN-9,
// the exit code table of platform.md).
func TestExecuteExitCodes(t *testing.T) {
	exportFailed := func(context.Context, *Session) error {
		return platform.Exit(platform.CodeExport, errors.New("saving image r/app:1: unauthorized\n{\"errors\":[]}"))
	}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		run      func(context.Context, *Session) error
		cancel   bool
		code     int
		out, err string // substrings of stdout and stderr
	}{
		{name: "no platform API", args: []string{"detector"}, code: 11, err: "CNB_PLATFORM_API is not set"},
		{name: "unsupported platform API", env: map[string]string{"CNB_PLATFORM_API": "0.6"}, args: []string{"detector"}, code: 11},
		{name: "unknown flag", args: []string{"detector", "-nonsense"}, code: 2},
		{name: "help", args: []string{"detector", "-h"}, code: 0, err: "Usage: detector"},
		{name: "version", args: []string{"detector", "-version"}, code: 0, out: buildinfo.Version},
		{name: "bad log level", args: []string{"detector", "-log-level", "loud"}, code: 1, err: "-log-level"},
		{name: "positional argument", args: []string{"detector", "extra"}, code: 3},
		{name: "ok", args: []string{"detector"}, code: 0},
		{name: "phase error with its code, on one line", args: []string{"detector"}, run: exportFailed, code: 62,
			err: `ERROR: failed to detect: saving image r/app:1: unauthorized {"errors":[]}` + "\n"},
		{name: "error without a code", args: []string{"detector"}, run: func(context.Context, *Session) error { return errors.New("boom") },
			code: 22, err: "failed to detect: boom"},
		{name: "signal", args: []string{"detector"}, cancel: true, run: func(ctx context.Context, _ *Session) error { return ctx.Err() },
			code: 22, err: "interrupted by a signal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"CNB_PLATFORM_API": "0.14", "CNB_NO_COLOR": "true"}
			if strings.HasPrefix(tc.name, "no platform API") {
				env = map[string]string{}
			}
			for k, v := range tc.env {
				env[k] = v
			}
			run := tc.run
			if run == nil {
				run = func(context.Context, *Session) error { return nil }
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			var stdout, stderr strings.Builder
			c := command{phase: platform.Detector, verb: "detect", fallback: platform.CodeDetect, run: run}
			code := execute(ctx, c, tc.args, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.out) {
				t.Errorf("stdout %q, want it to contain %q", stdout.String(), tc.out)
			}
			if !strings.Contains(stderr.String(), tc.err) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tc.err)
			}
		})
	}
}
