#!/usr/bin/env bash
# Stop the Berth test bed hosts that up.sh started.
#
# Usage: down.sh [--purge] [HOST...]
#   no HOST   stop every host recorded under $BERTH_TESTBED_DIR/hosts
#   --purge   also delete the whole state directory (client key included)
# Idempotent: with nothing running it only says so. A host's files (logs included) stay
# until the next up.sh starts it afresh, so a failed run can be inspected.
#
# Only the test bed's own processes are touched: a host is identified by its init pid
# AND the mount namespace recorded at start, so a reused pid is never signalled, and
# nothing outside that namespace (the machine's Postgres, Redis, ...) ever is.
set -euo pipefail

DIR=${BERTH_TESTBED_DIR:-/var/lib/berth-testbed}
TERM_GRACE=5  # seconds the host's init gets to stop its daemons

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

take_lock() {
  [[ -n ${BERTH_TESTBED_LOCK_HELD:-} ]] && return 0  # called from up.sh, which holds it
  exec 9>"$DIR/.lock"
  flock -w 120 9 || die "another up.sh/down.sh holds $DIR/.lock"
  export BERTH_TESTBED_LOCK_HELD=1
}

# Pids of live processes whose mount namespace is $1 ("mnt:[INODE]"). One find instead of
# a readlink per process (~0.25 s per scan). Zombies have no readable ns link.
ns_pids() {
  local inode=${1//[^0-9]/}
  find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/mnt' -lname "mnt:\\[$inode\\]" \
    -printf '%h\n' 2>/dev/null | cut -d/ -f3
  return 0
}

# True while $1 is alive and still the process we started (same mount namespace).
still_ours() { [[ $(readlink "/proc/$1/ns/mnt" 2>/dev/null) == "$2" ]]; }

# Prints "PID NS" for a running host; clears a stale pid file and prints nothing otherwise.
running_host() {
  local h=$DIR/hosts/$1 pid ns
  pid=$(cat "$h/init.pid" 2>/dev/null || true)
  ns=$(cat "$h/init.mntns" 2>/dev/null || true)
  if [[ -n $pid && -n $ns ]] && still_ours "$pid" "$ns"; then
    echo "$pid $ns"
  else
    [[ -n $pid ]] && log "$1: not running (stale pid file removed)"
    rm -f "$h/init.pid" "$h/init.mntns"
  fi
  return 0
}

# After the TERM: wait for the init (it stops its daemons), then KILL whatever is left in
# the namespace. Once the init is gone the kernel kills the rest of its pid namespace; the
# launcher (`unshare`, outside that pid namespace but in the mount namespace) exits with it.
finish_host() {
  local name=$1 pid=$2 ns=$3 i pids
  for ((i = 0; i < TERM_GRACE * 20; i++)); do
    still_ours "$pid" "$ns" || break
    sleep 0.05
  done
  for ((i = 0; i < 40; i++)); do
    pids=$(ns_pids "$ns")
    [[ -z $pids ]] && break
    ((i == 0)) && log "$name: killing leftover processes: ${pids//$'\n'/ }"
    # shellcheck disable=SC2086 # word splitting wanted: one pid per word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.05
  done
  [[ -z $(ns_pids "$ns") ]] || die "$name: processes of its namespace survived SIGKILL: $(ns_pids "$ns" | xargs)"
  rm -f "$DIR/hosts/$name/init.pid" "$DIR/hosts/$name/init.mntns"
  log "$name: stopped"
}

# TERM every host first and then wait for each: the hosts stop in parallel.
stop_hosts() {
  local name pid ns entry running=()
  for name in "$@"; do
    [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "bad host name '$name'"
    read -r pid ns < <(running_host "$name") || continue
    log "$name: stopping (init pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    running+=("$name $pid $ns")
  done
  ((${#running[@]} || explicit)) || log "nothing running"
  for entry in ${running[@]+"${running[@]}"}; do
    read -r name pid ns <<<"$entry"
    finish_host "$name" "$pid" "$ns"
  done
}

# --purge deletes $DIR, so only when it holds nothing but what up.sh makes there.
purge_dir() {
  local f
  [[ -d $DIR ]] || return 0
  for f in "$DIR"/* "$DIR"/.[!.]*; do
    [[ -e $f ]] || continue
    case ${f##*/} in
      client_ed25519 | client_ed25519.pub | hosts | hosts.json | hosts.json.tmp | known_hosts | .lock) ;;
      *) die "refusing to purge $DIR: $f is not the test bed's" ;;
    esac
  done
  rm -rf -- "$DIR"
  log "purged $DIR"
}

main() {
  local purge=0 names=() h
  while (($#)); do
    case $1 in
      --purge) purge=1 ;;
      -*) die "usage: down.sh [--purge] [HOST...]" ;;
      *) names+=("$1") ;;
    esac
    shift
  done
  [[ $(id -u) -eq 0 ]] || die "run as root"
  if [[ ! -d $DIR/hosts ]]; then
    log "nothing to stop: no test bed in $DIR"
    ((purge == 0)) || purge_dir
    return 0
  fi
  take_lock
  explicit=${#names[@]}  # up.sh names the host it restarts: no "nothing running" noise then
  if ((${#names[@]} == 0)); then
    for h in "$DIR"/hosts/*/; do
      [[ -d $h ]] && names+=("$(basename "$h")")
    done
  fi
  stop_hosts ${names[@]+"${names[@]}"}
  # These describe a running test bed: without them the tests fail fast and clearly.
  rm -f "$DIR/hosts.json" "$DIR/known_hosts"
  ((purge == 0)) || purge_dir
}

main "$@"
