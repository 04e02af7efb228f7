#!/usr/bin/env bash
# Regression test for scripts/slurm-local.sh start hanging when a daemon is slow to exec (runner issue, item 6).
#
# Runs `start` and `stop` against fake Slurm/MUNGE commands on PATH, with a `setsid` that waits 1.5 s before it
# execs the daemon. During that window the launched child still shows a command line without the cluster's
# directory; the script used to take that for a dead daemon and `wait` on the live process for ever. Here a start
# must finish (under a 60 s guard) and `stop` must end every fake daemon. Needs root (the script does) and
# nothing else: no real Slurm, no network. Exit 0 = pass; prints one line per check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
script="$here/../../scripts/slurm-local.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (slurm-local.sh refuses to start otherwise)"; exit 77; }

work=$(mktemp -d /tmp/hmpipe-slurm-fake.XXXXXX)
trap 'pkill -f -- "$work/" 2>/dev/null || true; rm -rf "$work"' EXIT
fake="$work/bin"; D="$work/cluster"
mkdir -p "$fake"

# A fake daemon: marks itself up, then idles in a bash loop (its command line keeps its arguments, and so $D).
daemon() {  # daemon NAME MARKER-EXPRESSION
  cat >"$fake/$1" <<SH
#!/usr/bin/env bash
if [ "\${1:-}" = -C ]; then echo "NodeName=fake CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=4000"; exit 0; fi
marker=$2
touch "\$marker"
trap 'rm -f "\$marker"; exit 0' TERM INT
while :; do sleep 0.2; done
SH
}
daemon munged '$(for a in "$@"; do case $a in --socket=*) echo "${a#--socket=}";; esac; done)'
daemon slurmctld '"$(dirname "$(dirname "$3")")/ctld.up"'
daemon slurmd '"$(dirname "$(dirname "$3")")/slurmd.up"'
cat >"$fake/munge" <<'SH'
#!/usr/bin/env bash
[ -e "$2" ] && echo credential
SH
cat >"$fake/unmunge" <<'SH'
#!/usr/bin/env bash
cat >/dev/null; [ -e "$2" ]
SH
cat >"$fake/mungekey" <<'SH'
#!/usr/bin/env bash
for a in "$@"; do case $a in --keyfile=*) echo key >"${a#--keyfile=}";; esac; done
SH
cat >"$fake/scontrol" <<'SH'
#!/usr/bin/env bash
[ -e "$(dirname "$(dirname "$SLURM_CONF")")/ctld.up" ]
SH
cat >"$fake/sinfo" <<'SH'
#!/usr/bin/env bash
up="$(dirname "$(dirname "$SLURM_CONF")")/slurmd.up"
if [ "${1:-}" = -h ]; then [ -e "$up" ] && echo idle; exit 0; fi
echo "PARTITION AVAIL NODES STATE"; [ -e "$up" ] && echo "debug* up 1 idle"
SH
for c in sbatch squeue scancel; do printf '#!/usr/bin/env bash\nexit 0\n' >"$fake/$c"; done
# The slow exec: the intermediate process's command line is `bash -c …`, not the daemon's.
cat >"$fake/setsid" <<SH
#!/usr/bin/env bash
args=\$(mktemp "$work/args.XXXXXX"); printf '%s\\0' "\$@" >"\$args"
exec bash -c 'sleep 1.5; mapfile -d "" a <"\$0"; rm -f "\$0"; exec $(command -v setsid) "\${a[@]}"' "\$args"
SH
chmod +x "$fake"/*

export PATH="$fake:$PATH" HMPIPE_SLURM_DIR="$D" HMPIPE_SLURM_PORT=26817 HMPIPE_SLURM_TIMEOUT=20
rc=0; timeout 60 bash "$script" start >"$work/start.log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
  cat "$work/start.log"
  [ "$rc" = 124 ] && echo "FAIL: start hung (killed after 60 s) with daemons slow to exec" || echo "FAIL: start exited $rc"
  exit 1
fi
echo "ok: start finished with daemons slow to exec"
grep -q "up in" "$work/start.log" || { cat "$work/start.log"; echo "FAIL: start did not report the cluster up"; exit 1; }
echo "ok: start reported the cluster up"
bash "$script" status >/dev/null || { echo "FAIL: status after start says not all daemons run"; exit 1; }
echo "ok: status sees all three daemons"
timeout 60 bash "$script" stop >"$work/stop.log" 2>&1 || { cat "$work/stop.log"; echo "FAIL: stop"; exit 1; }
if pgrep -f -- "$D/" >/dev/null; then echo "FAIL: a fake daemon outlived stop"; pgrep -af -- "$D/"; exit 1; fi
echo "ok: stop ended every daemon"
