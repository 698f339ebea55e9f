//go:build tools

// Package tools pins the pack CLI: go build github.com/buildpacks/pack
// from this directory builds it.
package tools

import _ "github.com/buildpacks/pack"
