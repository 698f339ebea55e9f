#!/usr/bin/env bash
# make bench: runs ../shared/bench/bench.sh with this project's binaries, so
# that every scenario there (registry, layout, daemon, restore, rebase,
# launcher) times ours, and `limits` measures the machine's floors in the
# same run. Arguments go to bench.sh (default: all). Needs root.
# Environment: BENCH_DIR (default ../shared/bench), BENCH_LABEL (ours), and
# every parameter bench.sh reads (REPS, WORKLOADS, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bench_dir=${BENCH_DIR:-$root/../shared/bench}
[ -x "$bench_dir/bench.sh" ] || { echo "bench: no bench.sh in $bench_dir (set BENCH_DIR)" >&2; exit 1; }

bash scripts/test-setup.sh --bench
make -s build
# crane, pinned (the module proxy refuses @latest for some modules).
tools=$root/out/tools
[ -x "$tools/crane" ] || GOBIN=$tools go install github.com/google/go-containerregistry/cmd/crane@v0.22.1
export CRANE=$tools/crane
export LIFECYCLE_DIR=$root/out/lifecycle
export BENCH_LABEL=${BENCH_LABEL:-ours}
go build -o "$tools/with-dockerd" ./scripts/with-dockerd
exec "$tools/with-dockerd" "$bench_dir/bench.sh" "$@"
