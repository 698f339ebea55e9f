package buildpack

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/BurntSushi/toml"
	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/env"
	"github.com/pkg/errors"
)

// Detect outcomes of one buildpack (buildpack.md "Detection": pass 0,
// fail 100, anything else an error).
const (
	CodePass = 0
	CodeFail = 100
)

// DetectEnv is what every /bin/detect of a build shares.
type DetectEnv struct {
	AppDir      string
	PlatformDir string
	// PlanDir is a scratch directory for the buildpacks' plan files.
	PlanDir string
	// Env is the environment with user variables (<platform>/env) applied;
	// ClearEnv is the same without them, for clear-env buildpacks
	// (CONFORMANCE BPI-6). Operator variables are in both.
	Env, ClearEnv env.Env
	// ExecEnv is handed to Buildpack API 0.12+ buildpacks as CNB_EXEC_ENV.
	ExecEnv string
	// Target fills CNB_TARGET_* for Buildpack API 0.10+ (BPI-3).
	Target RunTarget
}

// DetectResult is the outcome of one /bin/detect.
type DetectResult struct {
	Code   int // exit status; -1 when it did not run or its output was invalid
	Plan   DetectPlan
	Stdout []byte
	Stderr []byte
	Err    error // why the buildpack errored, when it did
}

// Passed reports whether the buildpack passed detection.
func (r DetectResult) Passed() bool { return r.Err == nil && r.Code == CodePass }

// Errored reports whether the buildpack errored (neither pass nor fail).
func (r DetectResult) Errored() bool {
	return r.Err != nil || (r.Code != CodePass && r.Code != CodeFail)
}

// Detect runs the buildpack's /bin/detect with the environment of
// CONFORMANCE DET-7 and BPI-1..5 and reads the plan it wrote.
func (d *Descriptor) Detect(ctx context.Context, de DetectEnv) DetectResult {
	planDir := filepath.Join(de.PlanDir, EscapeID(d.Buildpack.ID))
	if err := os.MkdirAll(planDir, 0o755); err != nil {
		return DetectResult{Code: -1, Err: errors.Wrap(err, "making plan directory")}
	}
	planPath := filepath.Join(planDir, "plan.toml")
	if err := os.WriteFile(planPath, nil, 0o644); err != nil {
		return DetectResult{Code: -1, Err: errors.Wrap(err, "making plan file")}
	}

	vars := de.Env
	if d.Buildpack.ClearEnv {
		vars = de.ClearEnv
	}
	vars = vars.Clone()
	vars["CNB_BUILDPACK_DIR"] = d.Dir
	if d.APIVersion.Supports(api.BuildpackEnvVars) {
		vars["CNB_PLATFORM_DIR"] = de.PlatformDir
		vars["CNB_BUILD_PLAN_PATH"] = planPath
	}
	if d.APIVersion.Supports(api.BuildpackTargets) {
		setTargetEnv(vars, de.Target)
	}
	if d.APIVersion.Supports(api.BuildpackExecEnv) {
		vars["CNB_EXEC_ENV"] = de.ExecEnv
	}

	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(d.Dir, "bin", "detect"), de.PlatformDir, planPath)
	cmd.Dir = de.AppDir
	cmd.Env = vars.List()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	stopTogether(cmd)
	res := DetectResult{Code: -1}
	err := cmd.Run()
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		res.Code = 0
	case errors.As(err, &exitErr) && exitErr.Exited():
		res.Code = exitErr.ExitCode()
		return res
	default:
		res.Err = errors.Wrapf(err, "running %s", cmd.Path)
		return res
	}

	data, err := os.ReadFile(planPath)
	if err != nil {
		res.Code, res.Err = -1, errors.Wrap(err, "reading the build plan")
		return res
	}
	if _, err := toml.Decode(string(data), &res.Plan); err != nil {
		res.Code, res.Err = -1, errors.Wrap(err, "parsing the build plan it wrote")
		return res
	}
	if err := res.Plan.validate(); err != nil {
		res.Code, res.Err = -1, errors.Wrap(err, "invalid build plan")
	}
	return res
}

func setTargetEnv(vars env.Env, t RunTarget) {
	for k, v := range map[string]string{
		"CNB_TARGET_OS":             t.OS,
		"CNB_TARGET_ARCH":           t.Arch,
		"CNB_TARGET_ARCH_VARIANT":   t.ArchVariant,
		"CNB_TARGET_DISTRO_NAME":    t.DistroName,
		"CNB_TARGET_DISTRO_VERSION": t.DistroVersion,
	} {
		if v != "" {
			vars[k] = v
		}
	}
}
