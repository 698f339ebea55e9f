package launch

import (
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/api"
)

// launcherName is the launcher's own file name: argv[0] with this base name
// (and no matching process type) means the arguments are the command.
const launcherName = "launcher"

// plan is the process the launcher runs (platform.md "launcher": <cmd>,
// <args>, <working-dir>, <direct>).
type plan struct {
	// Type is the process type, "" for a user-provided command. It names
	// the env.launch/<type>, exec.d/<type> and profile.d/<type> dirs.
	Type string
	// Command holds the command entries; Command[0] is the executable.
	// With the shell strategy every entry is shell text.
	Command []string
	// Args follow Command: with the shell strategy each is one token
	// expanded by bash (CONFORMANCE LCH-7), otherwise passed as they are.
	Args []string
	// Direct is true for the direct strategy, false for bash.
	Direct bool
	// WorkingDir is absolute.
	WorkingDir string
}

// buildpackAPIs verifies the API of every [[buildpacks]] entry of the
// metadata at path (CONFORMANCE LCH-1) and maps buildpack ids to them.
func buildpackAPIs(md Metadata, path string) (map[string]api.Version, error) {
	out := make(map[string]api.Version, len(md.Buildpacks))
	for _, bp := range md.Buildpacks {
		v, err := api.Parse(bp.API)
		if err != nil || !api.SupportedBuildpack().Contains(v) {
			return nil, errors.Errorf("%s: buildpack %s has API %q, which this launcher does not support (supported: %s)",
				path, bp.ID, bp.API, api.SupportedBuildpack())
		}
		out[bp.ID] = v
	}
	return out, nil
}

// selectProcess decides what to run from argv and the metadata (CONFORMANCE
// LCH-2): a process type named by argv[0], else a command in the arguments
// ("--" first: direct), else the default process.
func selectProcess(md Metadata, bpAPIs map[string]api.Version, in inputs) (plan, error) {
	base := strings.TrimSuffix(filepath.Base(in.argv0), ".exe")
	if hasType(md, base) || base != launcherName {
		return processPlanFor(md, bpAPIs, in, base, in.userArgs)
	}
	args := in.userArgs
	switch {
	case len(args) > 0 && args[0] == "--":
		if len(args) < 2 {
			return plan{}, errors.New("a command is required after --")
		}
		return plan{Command: []string{args[1]}, Args: args[2:], Direct: true, WorkingDir: in.appDir}, nil
	case len(args) > 0:
		return plan{Command: []string{args[0]}, Args: args[1:], WorkingDir: in.appDir}, nil
	case md.BuildpackDefaultProcessType == "":
		return plan{}, errors.New("when there is no default process a command is required")
	}
	return processPlanFor(md, bpAPIs, in, md.BuildpackDefaultProcessType, nil)
}

// hasType reports whether the metadata defines process type t.
func hasType(md Metadata, t string) bool {
	for _, p := range md.Processes {
		if p.Type == t {
			return true
		}
	}
	return false
}

// processPlanFor finds process type t, eligible for the execution
// environment, and makes its plan with the user's arguments.
func processPlanFor(md Metadata, bpAPIs map[string]api.Version, in inputs, t string, userArgs []string) (plan, error) {
	p, err := findProcess(md, t, in.platform, in.execEnv)
	if err != nil {
		return plan{}, err
	}
	bpAPI, ok := bpAPIs[p.BuildpackID]
	if !ok {
		return plan{}, errors.Errorf("process type %q names buildpack %q, which is not in the [[buildpacks]] of %s",
			t, p.BuildpackID, MetadataPath(in.layersDir))
	}
	if len(p.Command) == 0 || p.Command[0] == "" {
		return plan{}, errors.Errorf("process type %q has no command", t)
	}
	return processPlan(p, bpAPI, in.platform, userArgs, in.appDir), nil
}

// findProcess is the first process of type t eligible for execEnv
// (platform.md "launcher"; from Platform API 0.15 only, earlier every process
// is eligible).
func findProcess(md Metadata, t string, platform api.Version, execEnv string) (Process, error) {
	found := false
	for _, p := range md.Processes {
		if p.Type != t {
			continue
		}
		found = true
		if !platform.Supports(api.PlatformExecEnv) || eligible(p.ExecEnv, execEnv) {
			return p, nil
		}
	}
	if found {
		return Process{}, errors.Errorf("process type %q is not eligible for execution environment %q (%s)", t, execEnv, envExecEnv)
	}
	return Process{}, errors.Errorf("process type %q is not defined in the image's metadata", t)
}

// eligible reports whether a process with exec-env list is eligible for
// execEnv: an empty list, the value itself or "*".
func eligible(list []string, execEnv string) bool {
	if len(list) == 0 {
		return true
	}
	for _, e := range list {
		if e == execEnv || e == "*" {
			return true
		}
	}
	return false
}

// processPlan applies the argument and strategy rules to buildpack process p
// whose buildpack has API bpAPI (CONFORMANCE LCH-4, LCH-8, PRC-3).
//
// From Buildpack API 0.9 a process is always direct. With Platform API 0.10+
// its command entries after the first are always passed and user args
// replace its args (the args are "default process args"); below Platform API
// 0.10 the metadata holds only the first entry and the rest leads args, so
// there, and for Buildpack API < 0.9, user args are appended to args.
func processPlan(p Process, bpAPI, platform api.Version, userArgs []string, appDir string) plan {
	out := plan{Type: p.Type, Command: append([]string{}, p.Command...), Direct: p.Direct,
		WorkingDir: workingDir(p.WorkingDir, bpAPI, appDir)}
	modern := bpAPI.Supports(api.BuildpackCommandArray)
	if modern {
		out.Direct = true
	}
	switch {
	case modern && platform.Supports(api.PlatformCommandArray) && len(userArgs) > 0:
		out.Args = append([]string{}, userArgs...)
	default:
		out.Args = append(append([]string{}, p.Args...), userArgs...)
	}
	return out
}

// workingDir is a process's working directory (CONFORMANCE PRC-3): its
// working-dir from Buildpack API 0.8, relative to appDir, else appDir.
func workingDir(wd string, bpAPI api.Version, appDir string) string {
	if wd == "" || !bpAPI.Supports(api.BuildpackWorkingDir) {
		return appDir
	}
	if filepath.IsAbs(wd) {
		return filepath.Clean(wd)
	}
	return filepath.Join(appDir, wd)
}
