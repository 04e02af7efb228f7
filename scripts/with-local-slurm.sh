#!/usr/bin/env bash
# scripts/with-local-slurm.sh CMD… — runs CMD with the private one-node Slurm of scripts/slurm-local.sh up, so
# that `make test` runs the Slurm executor's integration tests instead of skipping them.
#
# - A Slurm that already answers (SLURM_CONF set, or a local cluster already started) is used as it is and left
#   running.
# - Otherwise, as root, it starts the local cluster, exports HMPIPE_REQUIRE_SLURM=1 (a Slurm test that cannot
#   reach it then fails instead of skipping) and stops it when CMD ends, however CMD ends.
# - Not root, or HMPIPE_NO_SLURM=1: CMD runs without Slurm and those tests skip, saying why.
# - If the cluster cannot start (after slurm-local.sh's three clean attempts), a loud warning, and CMD runs
#   anyway: one daemon that dies at start-up must not fail every other test.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
started=
if [ -n "${HMPIPE_NO_SLURM:-}" ]; then
  echo "[with-local-slurm] HMPIPE_NO_SLURM is set: the Slurm tests will skip"
elif [ -n "${SLURM_CONF:-}" ] || "$here/slurm-local.sh" status >/dev/null 2>&1; then
  echo "[with-local-slurm] using the Slurm that is already running"
elif [ "$(id -u)" != 0 ]; then
  echo "[with-local-slurm] not root: cannot start the local Slurm; the Slurm tests will skip"
elif timeout 600 "$here/slurm-local.sh" start; then
  started=1
  export HMPIPE_REQUIRE_SLURM=1
else
  echo "=================================================================================================="
  echo "WARNING: the local Slurm did not start (logs above); the Slurm executor tests will SKIP this run"
  echo "=================================================================================================="
fi
[ -n "$started" ] && trap '"$here/slurm-local.sh" stop' EXIT
"$@"
