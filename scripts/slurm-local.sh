#!/usr/bin/env bash
# scripts/slurm-local.sh start|stop|status — a private one-node Slurm on this machine, for the Slurm executor's
# integration tests (`.ci/run` starts it before `make test` and stops it after) and for trying
# `hmpipe run --executor slurm` by hand.
#
#   start   install slurm-wlm + munge with apt-get if missing (needs root), write a single-node slurm.conf for
#           this machine under $HMPIPE_SLURM_DIR, start munged, slurmctld and slurmd in the background with pid
#           files, wait until the node is idle, write $HMPIPE_SLURM_DIR/env.sh (`. env.sh` sets SLURM_CONF).
#           Already running: prints the status and exits 0.
#   stop    cancel this cluster's jobs, wait for their job steps to end, then stop exactly the daemons `start`
#           started, by recorded pid (never by name).
#   status  exit 0 and print `sinfo` when all three daemons are up, exit 3 otherwise.
#
# Settings (environment): HMPIPE_SLURM_DIR [/tmp/hmpipe-slurm], HMPIPE_SLURM_PORT [16817; slurmd uses +1],
# HMPIPE_SLURM_CPUS [the real count; more lets more 1-CPU jobs share the node], HMPIPE_SLURM_TIMEOUT [60 s].
#
# Choices forced by this kind of machine (no systemd, container cgroups, one host):
# - every daemon runs in the foreground under setsid with its own key, socket, state and log paths, so nothing
#   touches /etc/munge, /etc/slurm or system services;
# - proctrack/linuxproc + task/none: no cgroups needed;
# - DefMemPerCPU: with CR_Core_Memory a job without --mem would otherwise take all memory and jobs would run
#   one at a time;
# - batch_sched_delay=0 and cred_expire=10: jobs start ~1 s after submission, a requeued job restarts after
#   ~10 s instead of 120 s;
# - no slurmdbd, so `sacct` does not work here — hmpipe never needs it (it reads its own exit files).
set -euo pipefail

D=${HMPIPE_SLURM_DIR:-/tmp/hmpipe-slurm}
PORT=${HMPIPE_SLURM_PORT:-16817}
TIMEOUT=${HMPIPE_SLURM_TIMEOUT:-60}
DAEMONS="munged slurmctld slurmd"
export SLURM_CONF="$D/etc/slurm.conf"

say() { printf '[slurm-local] %s\n' "$*"; }
die() { printf '[slurm-local] error: %s\n' "$*" >&2; exit 1; }

# ours NAME: prints the recorded pid of NAME if that process is alive and still names our directory on its
# command line (a pid reused by an unrelated process is never signalled).
ours() {
  local f="$D/run/$1.pid" pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$D/" || return 1
  echo "$pid"
}

# our_child NAME: during `start`, the recorded pid of NAME if that child of this shell is still running, even
# before it has exec'd the daemon (see child_alive); elsewhere the same as `ours`.
our_child() {
  local pid
  if [ -n "${STARTING:-}" ] && pid=$(cat "$D/run/$1.pid" 2>/dev/null) && [ -n "$pid" ] && child_alive "$pid"; then
    echo "$pid"
  else
    ours "$1"
  fi
}

stop_daemon() {
  local name=$1 pid
  if pid=$(our_child "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "$name (pid $pid) ignored SIGTERM for 30 s: SIGKILL"; kill -KILL "$pid" || true; fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$D/run/$name.pid"
}

status() {
  local up=0 name
  for name in $DAEMONS; do ours "$name" >/dev/null && up=$((up + 1)); done
  if [ "$up" = 3 ]; then sinfo; return 0; fi
  say "$up of 3 daemons running under $D"
  return 3
}

install_if_missing() {
  local b
  for b in munged mungekey slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
    command -v "$b" >/dev/null 2>&1 && continue
    [ "$(id -u)" = 0 ] || die "$b is missing and installing slurm-wlm/munge needs root"
    say "installing slurm-wlm and munge"
    # --no-install-recommends: 9 packages instead of ~43 (hdf5, influxdb, … plugins are not needed).
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
    return
  done
}

write_config() {
  local host hw cpus mem node overrides="# SlurmdParameters=config_overrides (only with HMPIPE_SLURM_CPUS)"
  host=$(hostname -s)
  # e.g. "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105"
  hw=$(slurmd -C | head -n 1)
  cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
  mem=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  [ -n "$cpus" ] && [ -n "$mem" ] || die "cannot read CPUs/RealMemory from 'slurmd -C': $hw"
  mem=$((mem * 9 / 10))   # a configured RealMemory above the measured one drains the node
  if [ -n "${HMPIPE_SLURM_CPUS:-}" ]; then
    cpus=$HMPIPE_SLURM_CPUS
    node="CPUs=$cpus"
    overrides="SlurmdParameters=config_overrides"   # accept more CPUs than the hardware has
  else
    node=$(sed -e 's/^NodeName=[^ ]* //' -e 's/ RealMemory=[0-9]*//' <<<"$hw")   # full layout: no "reconfigured" noise
  fi
  cat >"$SLURM_CONF" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster on $host for hmpipe's tests.
ClusterName=hmpipe
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge-run/munge.socket.2,cred_expire=10
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.self.pid
SlurmdPidFile=$D/run/slurmd.self.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((mem / cpus))
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=5
MinJobAge=300
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.txt
$overrides
NodeName=$host NodeAddr=127.0.0.1 $node RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

# child_alive PID: PID, a child this shell launched and has not reaped, is still running. Unlike `ours`, it
# does not look at the command line: between fork and exec (setsid, then the daemon) a child still shows this
# script's command line, and on a loaded machine that window is long enough to be seen. An unreaped child's pid
# cannot be reused, so no identity check is needed; a zombie (state Z) has ended.
child_alive() {
  local state
  state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# wait_until WHAT DAEMON CMD…: polls CMD; returns 1 early if DAEMON died (saying how, with its log), or after
# $TIMEOUT seconds. Never blocks: `wait` is called only on a child that has already ended.
wait_until() {
  local what=$1 daemon=$2 end=$((SECONDS + TIMEOUT)) pid rc
  shift 2
  pid=$(cat "$D/run/$daemon.pid" 2>/dev/null || echo)
  until "$@" >/dev/null 2>&1; do
    if [ -z "$pid" ] || ! child_alive "$pid"; then
      # The daemon is our child ($! of launch), so `wait` tells how it ended: a silent death (signal, crash)
      # leaves no line in its own log, and the exit status is then the only evidence.
      rc=0; [ -n "$pid" ] && { wait "$pid" 2>/dev/null || rc=$?; }
      tail -n 20 "$D/log/$daemon".* >&2 || true
      say "$daemon (pid ${pid:-?}) exited with status $rc$( [ "$rc" -gt 128 ] && echo " (signal $(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128))))") while waiting for $what" >&2
      return 1
    fi
    [ "$SECONDS" -lt "$end" ] || { say "timed out after $TIMEOUT s waiting for $what" >&2; return 1; }
    sleep 0.1
  done
}

# port_free P: nothing listens on 127.0.0.1:P.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch() {  # launch NAME CMD…: in its own session, so it outlives this shell; $! is the daemon itself
  local name=$1; shift
  setsid "$@" >"$D/log/$name.out" 2>&1 </dev/null &
  echo $! >"$D/run/$name.pid"
}

# attempt: one start from a clean state on a free port pair; returns 1 at the first daemon that does not come
# up (the caller stops what it started).
attempt() {
  while ! port_free "$PORT" || ! port_free $((PORT + 1)); do
    say "port $PORT or $((PORT + 1)) is in use: trying $((PORT + 10))"
    PORT=$((PORT + 10))
  done
  rm -rf "${D:?}"/state/* "${D:?}"/spool/* "$D"/munge-run/*
  # Each attempt's logs start empty (the previous ones kept as *.prev), so a tail shows this attempt only.
  local f
  for f in "$D"/log/*.log "$D"/log/*.out; do [ -e "$f" ] && mv -f "$f" "$f.prev"; done
  write_config
  local socket="$D/munge-run/munge.socket.2"
  launch munged munged --foreground --key-file="$D/munge/munge.key" --seed-file="$D/munge/munged.seed" \
    --socket="$socket" --pid-file="$D/munge-run/munged.pid" --log-file="$D/log/munged.log"
  munge_ok() { munge -S "$socket" -n | unmunge -S "$socket"; }
  wait_until "munged" munged munge_ok || return 1
  launch slurmctld slurmctld -D -f "$SLURM_CONF"
  wait_until "slurmctld" slurmctld scontrol ping || return 1
  launch slurmd slurmd -D -f "$SLURM_CONF"
  node_idle() { sinfo -h -N -o '%T' | grep -qx idle; }
  wait_until "the node to become idle" slurmd node_idle || return 1
}

start() {
  local name up=0 try
  for name in $DAEMONS; do ours "$name" >/dev/null && up=$((up + 1)); done
  if [ "$up" = 3 ]; then say "already running under $D"; status; return; fi
  [ "$up" = 0 ] || die "a partial instance runs under $D: run '$0 stop' first"
  [ "$(id -u)" = 0 ] || die "run as root: slurmd launches jobs as the submitting user only when it is root"
  install_if_missing

  mkdir -p "$D"/{etc,munge,munge-run,state,spool,log,run}
  chmod 700 "$D/munge"       # the key: private
  chmod 755 "$D/munge-run"   # munged refuses a socket directory that others cannot traverse
  [ -s "$D/munge/munge.key" ] || mungekey --create --keyfile="$D/munge/munge.key"
  chmod 400 "$D/munge/munge.key"

  # A failed start (die, or any failing command under set -e) stops what it already started, and only that.
  STARTING=1
  trap 'for n in slurmd slurmctld munged; do stop_daemon "$n"; done' EXIT
  # A daemon that dies during start-up is retried from a clean state on the next port pair: a once-seen CI
  # failure was slurmctld ending silently right after "started on cluster", cause unknown (not reproduced here).
  for try in 1 2 3; do
    attempt && break
    for name in slurmd slurmctld munged; do stop_daemon "$name"; done
    [ "$try" -lt 3 ] || die "Slurm did not start in 3 attempts (logs: $D/log)"
    say "attempt $try failed: retrying on a clean state"
    PORT=$((PORT + 10))
  done
  trap - EXIT

  printf '# . this file to use the local cluster\nexport SLURM_CONF=%s\n' "$SLURM_CONF" >"$D/env.sh"
  say "up in ${SECONDS}s on ports $PORT/$((PORT + 1)): . $D/env.sh"
  sinfo
}

stop() {
  [ -d "$D/run" ] || { say "nothing to stop under $D"; return; }
  if ours slurmctld >/dev/null; then
    # Stopping slurmd does not end running jobs (their slurmstepd outlives it): cancel them first.
    local jobs
    jobs=$(squeue -h -o '%A' 2>/dev/null | sort -u | tr '\n' ' ' || true)
    if [ -n "${jobs// /}" ]; then
      say "cancelling jobs $jobs"
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      for _ in $(seq 1 300); do [ -z "$(squeue -h -o '%A' 2>/dev/null)" ] && break; sleep 0.1; done
    fi
  fi
  # Each running job step keeps a socket in the spool directory; KillWait=5 bounds how long they linger.
  for _ in $(seq 1 150); do [ -z "$(find "$D/spool" -maxdepth 1 -type s 2>/dev/null)" ] && break; sleep 0.1; done
  stop_daemon slurmd
  stop_daemon slurmctld
  stop_daemon munged
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
