package launch

import (
	"fmt"
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
// Its $0 is the launcher's argv[0]; it has no positional parameters.
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
	script := shellScript(profiles, p.WorkingDir, p.Command, p.Args)
	argv := []string{"bash", "-c", script, in.argv0}
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
// and runs the process.
//
// Without args the command is a script of its own and runs as it is. With
// args, the command entries and the args are the shell-parsed tokens of one
// command (Buildpack API 0.7/0.8 "Launch"; CONFORMANCE LCH-7): each entry
// becomes exactly one word after the shell's expansions (parameters,
// command substitution, arithmetic, backslash escapes of $, `, \ and
// newline), with no word splitting and no globbing. Each entry is expanded
// by bash itself, as the body of a here-document read into a variable, so
// quotes and spaces in an entry are kept and never end the word; then the
// words are exec'd. The expansion runs after the profiles and the cd, so a
// token sees the profile's variables and the working directory.
func shellScript(profiles []string, workDir string, command, args []string) string {
	var b strings.Builder
	for _, p := range profiles {
		b.WriteString("source " + shellQuote(p) + "\n")
	}
	b.WriteString("cd -- " + shellQuote(workDir) + " || exit " + strconv.Itoa(codeLaunch) + "\n")
	if len(args) == 0 {
		b.WriteString(strings.Join(command, " ") + "\n")
		return b.String()
	}
	tokens := append(append([]string{}, command...), args...)
	end := hereDocEnd(tokens)
	// __cnb_take keeps the token just read. The "." after each token keeps
	// a trailing backslash from joining the delimiter line; it is missing
	// when bash could not expand the token (it printed why), which stops
	// the launch instead of running a command with a word left out.
	fmt.Fprintf(&b, "__cnb_argv=()\n__cnb_take() {\n"+
		"  [[ $__cnb_token == *.$'\\n' ]] || { echo 'ERROR: failed to launch: argument '\"$1\"' of the shell process could not be expanded' >&2; exit %d; }\n"+
		"  __cnb_argv+=(\"${__cnb_token%%.$'\\n'}\"); __cnb_token=\n}\n", codeLaunch)
	for i, t := range tokens {
		fmt.Fprintf(&b, "IFS= read -r -d '' __cnb_token <<%s\n%s.\n%s\n__cnb_take %d\n", end, t, end, i)
	}
	b.WriteString("exec \"${__cnb_argv[@]}\"\n")
	return b.String()
}

// hereDocEnd is a here-document delimiter that is not a line of any token.
func hereDocEnd(tokens []string) string {
	for n := 0; ; n++ {
		end := "CNB_TOKEN_END"
		if n > 0 {
			end += strconv.Itoa(n)
		}
		clash := false
		for _, t := range tokens {
			for _, line := range strings.Split(t+".", "\n") {
				if line == end {
					clash = true
				}
			}
		}
		if !clash {
			return end
		}
	}
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
