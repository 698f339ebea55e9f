// Package log is the lifecycle's logger: four levels, info and debug lines on
// one writer (stdout), warnings and errors on another (stderr) with the
// "Warning: " and "ERROR: " prefixes users grep for (CONFORMANCE GEN-6, GEN-7).
//
// A Logger is a value handed to whoever logs; there is no package-level
// logger.
package log
