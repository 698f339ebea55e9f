// Package api holds the version type shared by the Platform API and the
// Buildpack API, the lists of versions this lifecycle supports, and the table
// of named features that changed between versions.
//
// Call sites never compare version strings: they ask a version whether it
// supports a named feature (CONFORMANCE §2, API-1..3), so the whole history of
// "what changed in which version" reads from one table in features.go.
//
// The package imports only the standard library, so that the small launcher
// binary can use it too.
package api
