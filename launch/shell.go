package launch

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/cnb-lifecycle/lifecycle/env"
)

// execShell runs the process through one bash process (platform.md
// "launcher" Execution; CONFORMANCE LCH-7): bash starts in <app>, sources the
// profile scripts, changes into the working directory and runs the command.
// Its $0 is the launcher's argv[0]; the args are its positional parameters.
func (l *launcher) execShell(p plan, e env.Env, layers []bpLayers, in inputs) error {
	if err := checkDir(p.WorkingDir); err != nil {
		return err
	}
	profiles, err := profileFiles(layers, p.Type, in.appDir)
	if err != nil {
		return err
	}
	bash, err := lookPath("bash", e["PATH"], in.appDir)
	if err != nil {
		return errors.Wrap(err, "the shell strategy needs bash")
	}
	script := shellScript(profiles, p.WorkingDir, p.Command, len(p.Args) > 0)
	argv := append([]string{"bash", "-c", script, in.argv0}, p.Args...)
	return l.exec(bash, argv, e.List(), in.appDir)
}

// profileFiles lists the scripts bash sources, in order: every
// <layer>/profile.d/* (buildpack order, layer name order, file name order),
// then every <layer>/profile.d/<typ>/* in the same order, then
// <appDir>/.profile if it is a regular file.
func profileFiles(layers []bpLayers, typ, appDir string) ([]string, error) {
	var out []string
	for _, dir := range layerSubdirs(layers, "profile.d", typ) {
		fs, err := files(dir)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	app := filepath.Join(appDir, ".profile")
	if fi, err := os.Stat(app); err == nil && fi.Mode().IsRegular() {
		out = append(out, app)
	}
	return out, nil
}

// shellScript is the bash script of a shell process: it sources profiles,
// changes into workDir (exiting with the launch error code if it cannot)
// and runs command. With args the command entries are joined as shell words
// (so they are expanded) and exec'd with "$@"; without args the command is a
// script of its own and runs as it is.
func shellScript(profiles []string, workDir string, command []string, hasArgs bool) string {
	var b strings.Builder
	for _, p := range profiles {
		b.WriteString("source " + shellQuote(p) + "\n")
	}
	b.WriteString("cd -- " + shellQuote(workDir) + " || exit " + strconv.Itoa(codeLaunch) + "\n")
	if hasArgs {
		b.WriteString("exec " + strings.Join(command, " ") + ` "$@"` + "\n")
	} else {
		b.WriteString(strings.Join(command, " ") + "\n")
	}
	return b.String()
}

// shellQuote quotes s as one bash word, with no expansion.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// lookPath finds file as execve(2) would run it from dir with PATH pathVar:
// a name with a slash is used as it is; otherwise the first executable
// regular file in the PATH entries (relative entries, "" meaning ".", are
// relative to dir).
func lookPath(file, pathVar, dir string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	for _, entry := range filepath.SplitList(pathVar) {
		if entry == "" {
			entry = "."
		}
		if !filepath.IsAbs(entry) {
			entry = filepath.Join(dir, entry)
		}
		p := filepath.Join(entry, file)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.Errorf("%s: executable file not found in PATH %q", file, pathVar)
}
