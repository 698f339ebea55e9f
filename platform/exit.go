package platform

import (
	"fmt"

	"github.com/pkg/errors"
)

// Exit codes (CONFORMANCE §23; spec ranges in platform.md).
const (
	CodeGeneric                  = 1
	CodeUnknownFlag              = 2
	CodeInvalidArgs              = 3
	CodeIncompatiblePlatformAPI  = 11
	CodeIncompatibleBuildpackAPI = 12
	CodeDetectFailed             = 20 // no group passed, no buildpack errored
	CodeDetectErrored            = 21 // no group passed, a buildpack errored
	CodeDetect                   = 22 // other detection errors
	CodeAnalyze                  = 32
	CodeRestore                  = 42
	CodeBuildpackBuild           = 51
	CodeBuild                    = 52
	CodeExport                   = 62
	CodeRebase                   = 72
	CodeLaunch                   = 82
)

// ExitError attaches an exit code to an error. It is made where the meaning
// of a failure in the spec's terms is known; internal/cli finds it with
// errors.As through any wrapping.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ExitError) Unwrap() error { return e.Err }

// Cause returns the underlying error for github.com/pkg/errors.
func (e *ExitError) Cause() error { return e.Err }

// Exit returns err with exit code code attached, or nil when err is nil.
func Exit(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// Exitf makes a new error with exit code code.
func Exitf(code int, format string, args ...any) error {
	return &ExitError{Code: code, Err: errors.Errorf(format, args...)}
}

// CodeOf returns the exit code attached to err, or fallback when none is.
// A nil error is code 0.
func CodeOf(err error, fallback int) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return fallback
}
