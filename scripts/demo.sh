#!/usr/bin/env bash
# The demo (make demo): builds samples/app with the buildpacks in
# samples/buildpacks through this lifecycle's real phases into an OCI layout,
# then runs the image it made with runc and shows what was built. No daemon,
# no registry. Run it as root on a fresh Debian machine: it installs what it
# needs (busybox-static, umoci, runc, jq). Work files go to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=${DEMO_DIR:-$repo/out/demo}
lc=$repo/out/lifecycle

step() { printf '\n==> %s\n' "$*"; }

step "Installing what the demo needs and building the lifecycle"
bash scripts/test-setup.sh --demo
make -s build

# Images live in an OCI layout directory, one layout per image name
# (<layout-dir>/<registry>/<repository>/<tag>). The run image is built
# locally from busybox-static: nothing is pulled.
layout=$work/layout
run_image=demo.local/samples/run:latest
app_image=demo.local/samples/app:latest
if [ ! -f "$layout/demo.local/samples/run/latest/index.json" ]; then
  step "Writing the run image $run_image"
  go run ./samples/runimage "$layout/demo.local/samples/run/latest"
fi

step "Building $app_image with the creator (analyze, detect, restore, build, export)"
# A fresh copy of the app and an empty layers directory, as on a new build
# machine; the cache directory is kept, so a second run restores from it.
rm -rf "$work/app" "$work/layers"
mkdir -p "$work/cache" "$work/layers"
cp -r samples/app "$work/app"
# The creator starts as root, hands the layers and cache directories to the
# build user 1000:1000 and drops to it before any buildpack runs; the app
# directory is the build user's too.
if [ "$(id -u)" -eq 0 ]; then chown -R 1000:1000 "$work/app"; fi
# OCI layout export is experimental in the Platform API: allow it.
CNB_PLATFORM_API=0.12 CNB_EXPERIMENTAL_MODE=silent "$lc/creator" \
  -uid 1000 -gid 1000 \
  -app "$work/app" -layers "$work/layers" -cache-dir "$work/cache" \
  -buildpacks samples/buildpacks -order samples/order.toml \
  -launcher "$lc/launcher" -launcher-sbom "$lc" \
  -layout -layout-dir "$layout" \
  -run-image "$run_image" \
  "$app_image"

image=$layout/demo.local/samples/app/latest
step "What was built"
echo "image:   $image (OCI layout)"
sed -n 's/^ *digest = /digest:  /p' "$work/layers/report.toml" | tr -d '"'
echo "layers (bottom to top):"
umoci stat --image "$image:latest" --json |
  jq -r '.history[] | "  " + (.created_by // "-")'
echo "processes:"
jq -r '.manifests[0].digest' "$image/index.json" >/dev/null
config=$(jq -r '.config.digest' "$image/blobs/sha256/$(jq -r '.manifests[0].digest' "$image/index.json" | cut -d: -f2)" | cut -d: -f2)
jq -r '.config.Labels["io.buildpacks.build.metadata"] | fromjson | .processes[] |
  "  " + .type + ": " + (.command | join(" ")) + " " + ((.args // []) | join(" "))' "$image/blobs/sha256/$config"

step "Running the image with runc (entrypoint: the launcher, default process)"
bundle=$work/bundle
rm -rf "$bundle"
umoci unpack --image "$image:latest" "$bundle" >/dev/null
run() {
  # umoci writes an OCI runtime config; runc runs it without a terminal.
  jq --argjson args "$1" '.process.terminal = false | if $args then .process.args = $args else . end' \
    "$bundle/config.json" >"$bundle/config.json.new"
  mv "$bundle/config.json.new" "$bundle/config.json"
  runc run --bundle "$bundle" "cnb-demo-$$"
}
run null
step "Running the other process, env (the environment the launcher built)"
run '["/cnb/process/env"]' | grep -E '^(GREETER|HOME|PATH)=' | sort
