package platform

import (
	"path/filepath"

	"github.com/cnb-lifecycle/lifecycle/api"

	"github.com/pkg/errors"
)

// RebaseInputs are the rebaser's resolved inputs (platform.md "rebaser";
// CONFORMANCE REB-1, REB-2).
type RebaseInputs struct {
	Images        []string // the positional <image>s: every one gets the result
	PreviousImage string   // P0.11+; default Images[0]: the image read
	RunImage      string   // -run-image, or the deprecated -image
	UseDaemon     bool
	Force         bool // P0.12+
	UID, GID      int
	ReportPath    string
	Insecure      []string
}

// ResolveRebase resolves the rebaser's inputs for Platform API v. Giving
// both -run-image and the deprecated -image is an error (REB-1).
func ResolveRebase(v api.Version, vals Values, env LookupEnv, args []string) (RebaseInputs, error) {
	r := newResolver(Rebaser, v, vals, env)
	in := RebaseInputs{
		Images:    args,
		UseDaemon: r.boolean("daemon"),
		Force:     r.boolean("force"),
		UID:       r.integer("uid", 0),
		GID:       r.integer("gid", 0),
		Insecure:  r.list("insecure-registry"),
	}
	runImage := r.str("run-image", "")
	if vs := vals["image"]; len(vs) > 0 && vs[len(vs)-1] != "" {
		if vs := vals["run-image"]; len(vs) > 0 && vs[len(vs)-1] != "" {
			r.fail(errors.New("-image and -run-image both name the run image: give only -run-image"))
		}
		runImage = vs[len(vs)-1]
	}
	in.RunImage = runImage
	if len(args) > 0 {
		in.PreviousImage = args[0]
	}
	in.PreviousImage = r.str("previous-image", in.PreviousImage)
	layers := DefaultLayersDir
	if s, ok := env(EnvLayersDir); ok && s != "" {
		layers = s
	}
	in.ReportPath = r.path("report", filepath.Join(layers, "report.toml"))
	return in, r.err
}
