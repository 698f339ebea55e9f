#!/usr/bin/env bash
# Installs what the test suite needs, idempotently: a command already on
# PATH is left alone, a missing one is installed from Debian's packages.
# It never starts a server: the tests start their own registries
# (internal/testutil) on free ports of 127.0.0.1, and use the running Docker
# daemon or start a private one (internal/testutil/docker.go).
# With --bench it also installs what ../shared/bench needs (make bench); with
# --demo it installs only what the demo needs (make demo).
set -euo pipefail
profile=${1:-test}
profile=${profile#--}

# command -> Debian package. A key starting with / is a file that must be
# an executable at that very path.
declare -A need
case $profile in
  demo)
    need=(
      [/bin/busybox]=busybox-static # the run image's root filesystem
      [umoci]=umoci                 # unpacks the app image into a bundle
      [runc]=runc                   # runs the bundle
      [jq]=jq
    )
    ;;
  test|bench)
    need=(
      [bash]=bash
      [git]=git
      [setpriv]=util-linux
      # the real registry of the acceptance tests (CNCF distribution 2.8)
      [docker-registry]=docker-registry
      # base images are built from it (internal/testutil.BusyboxImage)
      [/bin/busybox]=busybox-static
      [skopeo]=skopeo
      [umoci]=umoci
      [runc]=runc
      [jq]=jq
      # the daemon target (-daemon): dockerd, and the CLI the tests use to
      # run exported images
      [/usr/sbin/dockerd]=docker.io
      [/usr/bin/docker]=docker.io
      # a second daemon target: podman's Docker-compatible API service
      [podman]=podman
      # bash for run images whose processes need a shell
      [/bin/bash-static]=bash-static
      [curl]=curl
    )
    if [ "$profile" = bench ]; then
      need+=([openssl]=openssl [/usr/bin/time]=time [pigz]=pigz)
    fi
    ;;
  *)
    echo "test-setup: unknown profile $profile (test, --bench, --demo)" >&2
    exit 2
    ;;
esac

# Files that must also be statically linked: the dynamic busybox package
# installs the same path, but its binary cannot run inside a test image.
declare -A static=(
  [/bin/busybox]=1
)

have() {
  local what=$1
  case $what in
    /*) [ -f "$what" ] && [ -x "$what" ] || return 1 ;;
    *) command -v "$what" >/dev/null 2>&1 || return 1 ;;
  esac
  if [ -n "${static[$what]:-}" ]; then
    # ldd fails on, or says so for, a statically linked executable.
    local out
    if out=$(ldd "$what" 2>&1); then
      case $out in *statically*) ;; *) return 1 ;; esac
    fi
  fi
  return 0
}

missing=()
for cmd in "${!need[@]}"; do
  have "$cmd" || missing+=("${need[$cmd]}")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-setup: missing packages ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "test-setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Installing docker-registry would start its system service; a
  # policy-rc.d that refuses every start keeps the machine free of servers.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for cmd in "${!need[@]}"; do
    if ! have "$cmd"; then
      echo "test-setup: $cmd is still missing after installing ${need[$cmd]}" >&2
      exit 1
    fi
  done
fi
# pack, the real platform client of the acceptance tests, built from the Go
# module proxy at a pinned release through tools/pack (a module of its own
# that repeats pack's replace directive), into out/tools/pack.
if [ "$profile" = test ]; then
  root=$(cd "$(dirname "$0")/.." && pwd)
  pack_version=0.40.6
  if [ "$("$root/out/tools/pack" version 2>/dev/null)" != "$pack_version" ]; then
    echo "test-setup: building pack $pack_version"
    (cd "$root/tools/pack" && GOFLAGS=-mod=mod go build -o "$root/out/tools/pack" \
      -ldflags "-X github.com/buildpacks/pack/pkg/client.Version=$pack_version" github.com/buildpacks/pack)
  fi
fi
echo "test-setup: ready"
