// Package platform is the Platform API contract (platform.md, Platform API
// 0.7-0.15): which flags each phase accepts at each version and their CNB_*
// environment twins and defaults, the resolution of those inputs into one
// typed Inputs struct per phase (flag > env > default, CONFORMANCE GEN-3), the
// CNB_PLATFORM_API check (GEN-2), experimental and deprecation modes (GEN-8,
// GEN-9), and the exit-code table (CONFORMANCE §23).
//
// The package does not parse command lines itself: internal/cli builds a
// flag.FlagSet from Flags and hands the parsed Values back here.
package platform
