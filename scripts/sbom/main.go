// Command sbom writes the SBOM files of lifecycle binaries from their own Go
// build information (internal/sbom): for each binary, <name>.sbom.cdx.json
// and <name>.sbom.spdx.json in -out (default: the binary's directory).
// make build runs it for the lifecycle and launcher binaries, so that
// -launcher-sbom finds them next to the launcher (CONFORMANCE EXP-16).
//
//	go run ./scripts/sbom -version 0.90.0 out/lifecycle/lifecycle out/lifecycle/launcher
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/cnb-lifecycle/lifecycle/internal/sbom"
)

func main() {
	version := flag.String("version", "", "lifecycle version (semver) the binaries were built as")
	out := flag.String("out", "", "output directory (default: each binary's directory)")
	flag.Parse()
	if err := run(*version, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "sbom:", err)
		os.Exit(1)
	}
}

func run(version, out string, bins []string) error {
	if len(bins) == 0 {
		return fmt.Errorf("name at least one binary")
	}
	for _, bin := range bins {
		b, err := sbom.Read(bin, filepath.Base(bin), version)
		if err != nil {
			return err
		}
		created, err := b.Created(os.Getenv("SOURCE_DATE_EPOCH"))
		if err != nil {
			return err
		}
		files, err := b.Files(created)
		if err != nil {
			return err
		}
		dir := out
		if dir == "" {
			dir = filepath.Dir(bin)
		}
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
