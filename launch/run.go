package launch

import (
	"context"
	"fmt"
	"io"

	"github.com/cnb-lifecycle/lifecycle/api"
)

// Exit codes of the launcher (platform.md "launcher"; CONFORMANCE §23).
const (
	codePlatformAPI = 11
	codeLaunch      = 82
)

// Run is the launcher's front door. It checks CNB_PLATFORM_API (LCH inputs)
// and, until the launcher is built, fails with a clear error rather than
// starting anything.
func Run(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	s, ok := lookup("CNB_PLATFORM_API")
	if !ok || s == "" {
		fmt.Fprintln(stderr, "ERROR: CNB_PLATFORM_API is not set: the app image must name the Platform API it was built with")
		return codePlatformAPI
	}
	v, err := api.Parse(s)
	if err != nil || !api.SupportedPlatform().Contains(v) {
		fmt.Fprintf(stderr, "ERROR: platform API %q (CNB_PLATFORM_API) is not supported by this launcher (supported: %s)\n", s, api.SupportedPlatform())
		return codePlatformAPI
	}
	fmt.Fprintln(stderr, "ERROR: failed to launch: the launcher is not implemented in this lifecycle yet")
	return codeLaunch
}
