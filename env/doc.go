// Package env builds the environment of buildpack executables (buildpack.md
// "Environment", platform.md "Buildpack Environment"; CONFORMANCE ENV-1..7,
// BPI-5) as pure functions over maps: nothing here calls os.Setenv.
package env
