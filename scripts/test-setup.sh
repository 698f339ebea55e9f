#!/usr/bin/env bash
# Installs what the test suite needs, idempotently: a command already on
# PATH is left alone, a missing one is installed from Debian's packages.
# Later issues add the registry, dockerd, skopeo, umoci and pack here.
set -euo pipefail

# command -> Debian package
declare -A need=(
  [bash]=bash
  [git]=git
  [setpriv]=util-linux
)

missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-setup: missing packages ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "test-setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "test-setup: ready"
