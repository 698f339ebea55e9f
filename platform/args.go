package platform

import (
	"strings"

	"github.com/pkg/errors"
)

// CheckArgs applies the positional argument rules (CONFORMANCE GEN-5, exit
// 3): analyzer and creator take exactly one <image>, exporter and rebaser
// one or more, the other phases none.
func CheckArgs(p Phase, args []string) error {
	n := len(args)
	switch p {
	case Analyzer, Creator:
		if n != 1 {
			return Exitf(CodeInvalidArgs, "%s takes exactly one <image> argument, got %d%s", p, n, listArgs(args))
		}
	case Exporter, Rebaser:
		if n < 1 {
			return Exitf(CodeInvalidArgs, "%s takes at least one <image> argument, got none", p)
		}
	default:
		if n != 0 {
			return Exitf(CodeInvalidArgs, "%s takes no arguments, got %d%s", p, n, listArgs(args))
		}
	}
	return nil
}

// FlagsAfterArgs returns positional arguments that look like flags: the flag
// package stops at the first positional, so these were not parsed.
func FlagsAfterArgs(args []string) []string {
	var out []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			out = append(out, a)
		}
	}
	return out
}

func listArgs(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return ": " + strings.Join(args, " ")
}

// errNotImplemented is wrapped by NotImplemented.
var errNotImplemented = errors.New("platform: phase not implemented")

// NotImplemented is the error of a phase whose binary exists but whose work
// is not built yet: a clear failure (exit 1), never a fake success.
func NotImplemented(p Phase) error {
	return Exit(CodeGeneric, errors.Wrapf(errNotImplemented, "the %s phase is not implemented in this lifecycle yet", p))
}
