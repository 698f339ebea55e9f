package platform

import (
	"github.com/cnb-lifecycle/lifecycle/api"
	"github.com/cnb-lifecycle/lifecycle/log"
	"github.com/pkg/errors"
)

// ResolveAPI reads CNB_PLATFORM_API, before anything else (platform.md
// "Usage"; CONFORMANCE GEN-2). Unset, empty, unparseable or unsupported
// values fail with exit code 11.
func ResolveAPI(env LookupEnv) (api.Version, error) {
	s, ok := env(EnvPlatformAPI)
	if !ok || s == "" {
		return api.Version{}, Exitf(CodeIncompatiblePlatformAPI,
			"%s is not set: the platform must name the Platform API it speaks (supported: %s)",
			EnvPlatformAPI, api.SupportedPlatform())
	}
	v, err := api.Parse(s)
	if err != nil {
		return api.Version{}, Exitf(CodeIncompatiblePlatformAPI,
			"%s=%q is not a version: want <major>.<minor> (supported: %s)", EnvPlatformAPI, s, api.SupportedPlatform())
	}
	if !api.SupportedPlatform().Contains(v) {
		return api.Version{}, Exitf(CodeIncompatiblePlatformAPI,
			"platform API %s (%s) is not supported by this lifecycle (supported: %s)", v, EnvPlatformAPI, api.SupportedPlatform())
	}
	return v, nil
}

// ExperimentalMode is the value of CNB_EXPERIMENTAL_MODE (CONFORMANCE GEN-8).
type ExperimentalMode string

// Experimental modes. Unset means ExperimentalError. The reference
// lifecycle spells silent "quiet"; both are accepted.
const (
	ExperimentalError  ExperimentalMode = "error"
	ExperimentalWarn   ExperimentalMode = "warn"
	ExperimentalSilent ExperimentalMode = "silent"
)

// ResolveExperimentalMode reads CNB_EXPERIMENTAL_MODE. An unknown value is an
// error (exit 1) rather than a guess.
func ResolveExperimentalMode(env LookupEnv) (ExperimentalMode, error) {
	s, _ := env(EnvExperimentalMode)
	switch s {
	case "", "error":
		return ExperimentalError, nil
	case "warn":
		return ExperimentalWarn, nil
	case "silent", "quiet":
		return ExperimentalSilent, nil
	}
	return ExperimentalError, Exitf(CodeGeneric, "%s=%q: want error, warn or silent", EnvExperimentalMode, s)
}

// Guard lets an experimental feature go ahead, with a warning in warn mode,
// or refuses it (exit 1) in error mode.
func (m ExperimentalMode) Guard(feature string, logger *log.Logger) error {
	switch m {
	case ExperimentalSilent:
		return nil
	case ExperimentalWarn:
		logger.Warnf("%s is experimental", feature)
		return nil
	}
	return Exitf(CodeGeneric, "%s is experimental: set %s=warn or %s=silent to use it", feature, EnvExperimentalMode, EnvExperimentalMode)
}

// DeprecationMode is the value of CNB_DEPRECATION_MODE (CONFORMANCE GEN-9).
type DeprecationMode string

// Deprecation modes; unset means DeprecationWarn.
const (
	DeprecationWarn  DeprecationMode = "warn"
	DeprecationError DeprecationMode = "error"
	DeprecationQuiet DeprecationMode = "quiet"
)

// ResolveDeprecationMode reads CNB_DEPRECATION_MODE.
func ResolveDeprecationMode(env LookupEnv) (DeprecationMode, error) {
	s, _ := env(EnvDeprecationMode)
	switch s {
	case "", "warn":
		return DeprecationWarn, nil
	case "error":
		return DeprecationError, nil
	case "quiet", "silent":
		return DeprecationQuiet, nil
	}
	return DeprecationWarn, Exitf(CodeGeneric, "%s=%q: want warn, error or quiet", EnvDeprecationMode, s)
}

// Check reports the use of a deprecated API: what names it ("platform API
// 0.7", "buildpack API 0.7 of id@1.0"). In error mode it fails with code.
func (m DeprecationMode) Check(what string, deprecated bool, code int, logger *log.Logger) error {
	if !deprecated {
		return nil
	}
	switch m {
	case DeprecationQuiet:
		return nil
	case DeprecationError:
		return Exit(code, errors.Errorf("%s is deprecated (%s=error)", what, EnvDeprecationMode))
	}
	logger.Warnf("%s is deprecated", what)
	return nil
}
