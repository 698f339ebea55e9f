package acceptance

import (
	"path/filepath"
	"testing"
)

// TestBuildThenLaunch runs the real detector and builder, then the real
// launcher over the builder's output (metadata.toml and launch layers), as
// an app image would (CONFORMANCE BLD-6, BLD-7, LCH-2, LCH-4..8, ENV-4).
func TestBuildThenLaunch(t *testing.T) {
	t.Parallel()
	for _, platformAPI := range []string{"0.9", "0.12", "0.15"} {
		t.Run("P"+platformAPI, func(t *testing.T) {
			t.Parallel()
			im := newAppImage(t)
			// A B0.8 buildpack with a shell process, and a B0.10 one with a
			// direct default process whose command comes from its launch layer.
			im.addBuild(bbp{id: "example/shell", api: "0.8", script: `
layer profile launch
put profile/profile.d/10-greet.sh 'export FROM_PROFILE="profile-ran"'
cat > "$L/launch.toml" <<'T'
[[processes]]
type = "greet"
command = "echo"
args = ["greet:$FROM_PROFILE:", "first"]
T
`})
			im.addBuild(bbp{id: "example/web", api: "0.10", script: `
layer tools launch build
mkdir -p "$L/tools/bin"
cp "$CNB_BUILDPACK_DIR/show" "$L/tools/bin/show-web"
chmod +x "$L/tools/bin/show-web"
put tools/env.launch/GREETING 'hello'
put tools/env.launch/web/ONLY_WEB 'yes'
put tools/env.build/BUILD_ONLY 'x'
mkdir -p "$L/tools/exec.d"
printf '#!/usr/bin/env bash\necho "FROM_EXECD=\\"execd\\"" >&3\n' > "$L/tools/exec.d/set"
chmod +x "$L/tools/exec.d/set"
layer scratch build
cat > "$L/launch.toml" <<'T'
[[processes]]
type = "web"
command = ["show-web", "always"]
args = ["default-arg"]
default = true
T
`})
			im.writeExec(filepath.Join(im.dir("example/web", "1.0.0"), "show"), showScript)
			im.writeGroup(bbp{id: "example/shell", api: "0.8"}, bbp{id: "example/web", api: "0.10"})
			im.writePlanTOML("")

			wantCode(t, "builder", im.build(platformAPI, nil), 0)
			if !exists(filepath.Join(im.Layers, "example_web", "scratch")) {
				t.Error("the build-only scratch layer is missing from <layers>")
			}

			show := "SHOW=GREETING ONLY_WEB FROM_EXECD BUILD_ONLY"
			// Default process through /cnb/process/web, default args.
			web := im.launch(launchRun{path: im.processLink("web"), platform: platformAPI, env: []string{show}})
			wantLaunchCode(t, "web", web, 0)
			wantEqual(t, "web args", web.lines("arg="), []string{"always", "default-arg"})
			wantValue(t, "web", web, "GREETING", "hello")
			wantValue(t, "web", web, "ONLY_WEB", "yes")
			wantValue(t, "web", web, "FROM_EXECD", "execd")
			wantValue(t, "web", web, "BUILD_ONLY", "<unset>")
			wantValue(t, "web", web, "pwd", im.App)

			// User args: from P0.10 on they replace the B0.10 process's args;
			// below they are appended (LCH-4).
			withArgs := im.launch(launchRun{path: filepath.Join(im.ProcessDir, "web"), platform: platformAPI, args: []string{"user"}, env: []string{show}})
			want := []string{"always", "user"}
			if platformAPI == "0.9" {
				want = []string{"always", "default-arg", "user"}
			}
			wantEqual(t, "web args with user args", withArgs.lines("arg="), want)

			// The B0.8 shell process sources profile.d and expands its
			// command and args, the user's too, as one token each (LCH-7).
			greet := im.launch(launchRun{path: im.processLink("greet"), platform: platformAPI, args: []string{"$HOME"}})
			wantLaunchCode(t, "greet", greet, 0)
			wantContains(t, "greet stdout", greet.stdout, "greet:profile-ran: first "+im.Root+"\n")

			// Exit codes propagate.
			failing := im.launch(launchRun{platform: platformAPI, args: []string{"--", "bash", "-c", "exit 9"}})
			wantLaunchCode(t, "launcher -- bash -c 'exit 9'", failing, 9)
		})
	}
}
