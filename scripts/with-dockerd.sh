#!/usr/bin/env bash
# Runs a command with a Docker daemon available: the one at $DOCKER_HOST or
# /var/run/docker.sock if it answers, else a dockerd started here (Debian's
# docker.io) and stopped again when the command ends, whatever its outcome.
# Usage: scripts/with-dockerd.sh <command> [args...]
set -euo pipefail

sock=/var/run/docker.sock
answers() {
  curl -fsS --max-time 5 --unix-socket "$sock" http://docker/_ping >/dev/null 2>&1
}

if [ -n "${DOCKER_HOST:-}" ] || answers; then
  exec "$@"
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "with-dockerd: no Docker daemon answers on $sock and starting one needs root" >&2
  exit 1
fi

log=$(mktemp /tmp/dockerd-XXXXXX.log)
setsid dockerd >"$log" 2>&1 &
pid=$!
stop() {
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT
for _ in $(seq 150); do
  answers && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "with-dockerd: dockerd exited:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  sleep 0.2
done
if ! answers; then
  echo "with-dockerd: dockerd did not answer within 30 s:" >&2
  tail -20 "$log" >&2
  exit 1
fi
"$@"
