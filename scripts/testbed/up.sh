#!/usr/bin/env bash
# Bring up the Berth test bed: two isolated "servers" on this one machine (root, no
# systemd, no docker), each in its own mount/UTS/PID namespace with its own /etc, /run,
# /var/log, /var/www, /home, /root, /var/spool/cron and /tmp, and its own sshd (with its
# own host key), php-fpm8.2, nginx, supervisord and cron. See README.md beside this file.
#
# Usage: [BERTH_TESTBED_DIR=…] [BERTH_TESTBED_ADDRESSES='127.0.0.13 127.0.0.14'] up.sh [--fresh]
# Idempotent: a host that is already running and passes the health check is REUSED as it
# is (state kept); one that is not running or fails the check is stopped and started again
# from FRESH state (a new copy of /etc, a new host key). --fresh restarts both from fresh
# state. State lives in ${BERTH_TESTBED_DIR:-/var/lib/berth-testbed}, outside the repo.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${BERTH_TESTBED_DIR:-/var/lib/berth-testbed}
# The hosts' loopback addresses. A second bed (its own BERTH_TESTBED_DIR) takes two others, so
# scripts/test.mjs can give each integration worker a bed of its own.
read -r ADDR1 ADDR2 <<<"${BERTH_TESTBED_ADDRESSES:-127.0.0.11 127.0.0.12}"
[[ $ADDR1 =~ ^127\.[0-9.]+$ && $ADDR2 =~ ^127\.[0-9.]+$ && $ADDR1 != "$ADDR2" ]] ||
  { printf 'testbed: ERROR: BERTH_TESTBED_ADDRESSES must be two loopback addresses\n' >&2; exit 1; }
HOSTS=("berth-host-1 $ADDR1" "berth-host-2 $ADDR2")
# php-vlucas-phpdotenv and python3-dotenv: the .env readers the fixture apps load shared/.env
# with (phpdotenv is Laravel's), and what lib/env/dotenv-php.integration.test.ts checks against.
PKGS=(openssh-server nginx php8.2-fpm php8.2-cli php8.2-pgsql supervisor cron curl php-vlucas-phpdotenv python3-dotenv libfcgi-bin restic rclone)
KEY=$DIR/client_ed25519
HEALTH_TIMEOUT=20  # seconds per host; a healthy start takes well under one
export PATH=/usr/sbin:/sbin:$PATH

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Root, a plain state path, and one bring-up or teardown at a time (children such as
# down.sh called from here inherit the lock through the env marker).
setup() {
  [[ $(id -u) -eq 0 ]] || die "run as root (it mounts, unshares and binds ports 22 and 80)"
  # The path ends up in hosts.json unescaped, so keep it plain.
  [[ $DIR == /* && $DIR != *[\"\\[:space:]]* ]] || die "BERTH_TESTBED_DIR must be a plain absolute path"
  mkdir -p "$DIR/hosts"
  [[ -n ${BERTH_TESTBED_LOCK_HELD:-} ]] && return 0
  exec 9>"$DIR/.lock"
  flock -w 120 9 || die "another up.sh/down.sh holds $DIR/.lock"
  export BERTH_TESTBED_LOCK_HELD=1
}

# Install only if something is missing; `apt-get update` only if the install fails first.
ensure_packages() {
  local b missing=()
  for b in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen /usr/sbin/nginx /usr/sbin/php-fpm8.2 \
           /usr/bin/php8.2 /usr/bin/supervisord /usr/sbin/cron /usr/bin/curl /usr/bin/cgi-fcgi; do
    [[ -x $b ]] || missing+=("$b")
  done
  for b in /usr/share/php/Dotenv/autoload.php /usr/lib/python3/dist-packages/dotenv/__init__.py; do
    [[ -f $b ]] || missing+=("$b")
  done
  ((${#missing[@]} == 0)) && return 0
  log "missing ${missing[*]}: installing ${PKGS[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # --no-install-recommends: recommends pull in systemd.
  apt-get install -y --no-install-recommends "${PKGS[@]}" ||
    { apt-get update && apt-get install -y --no-install-recommends "${PKGS[@]}"; } ||
    die "apt-get install ${PKGS[*]} failed"
}

ensure_client_key() {  # made once, kept across restarts
  [[ -f $KEY && -f $KEY.pub ]] || { rm -f "$KEY" "$KEY.pub"; ssh-keygen -q -t ed25519 -N '' -C berth-testbed-client -f "$KEY"; }
}

# Directories only (owner and mode kept): a host gets /var/log/nginx etc., no files.
copy_dir_tree() {
  mkdir -p "$2"
  (cd "$1" && find . -type d -print0) |
    tar -C "$1" --null --no-recursion -T - -cf - | tar -C "$2" -xpf -
}

# A full copy of /etc, emptied like a freshly installed server's: no sites, supervisor
# programs, cron jobs or php pools beyond Debian's www, and none of the machine's own ssh
# host keys. host-init.sh then writes the host's identity on its first boot.
copy_etc() {
  local e=$1
  cp -a /etc "$e"
  rm -f "$e"/nginx/sites-enabled/* "$e"/supervisor/conf.d/* "$e"/cron.d/* \
    "$e"/ssh/ssh_host_* "$e"/ssh/sshd_config.d/*
  # The periodic jobs (dpkg, apt, logrotate) would act on the machine's shared /var/lib.
  find "$e"/cron.{hourly,daily,weekly,monthly,yearly} -mindepth 1 ! -name .placeholder -delete 2>/dev/null || true
  # Keep Debian's www pool: php-fpm refuses to start with no pool, and its socket
  # /run/php/php8.2-fpm.sock is per host because /run is.
  find "$e/php/8.2/fpm/pool.d" -mindepth 1 ! -name www.conf -delete
}

# Fresh state for a stopped host.
prepare_host() {
  local name=$1 ip=$2 h=$DIR/hosts/$1
  rm -rf -- "$h"  # only ever called with the host stopped: nothing is mounted here
  mkdir -p "$h"
  copy_etc "$h/etc"
  copy_dir_tree /var/log "$h/log"
  copy_dir_tree /var/spool/cron "$h/spool-cron"
  install -d -m 0755 "$h/run" "$h/home" "$h/www" "$h/www/html" "$h/letsencrypt"
  install -d -m 1777 "$h/tmp"
  install -d -m 0700 "$h/root"
  : >"$h/root/.bashrc"  # a clean root: Debian's .bashrc costs ~100 ms per exec
  : >"$h/root/.profile"
  "$here/authorize-key.sh" "$name" "$(<"$KEY.pub")"
}

# The pid (in our namespace) of the first descendant of $1 that is PID 1 of its own pid
# namespace. /proc/PID/task/PID/children is missing on this kernel, so scan PPid lines.
ns_init_below() {
  local p=$1 f _
  for _ in 1 2 3; do
    f=$(grep -l "^PPid:[[:space:]]*$p\$" /proc/[0-9]*/status 2>/dev/null | head -n1 || true)
    [[ -n $f ]] || return 1
    p=${f#/proc/} p=${p%/status}
    grep -q '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null && { echo "$p"; return 0; }
  done
  return 1
}

start_host() {
  local name=$1 ip=$2 h=$DIR/hosts/$1 launcher init="" _
  # A clean environment (daemons and supervisor programs inherit it); stdio to a file so
  # no caller's pipe is held open; fd 9 closed or the host would keep our lock forever.
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root \
    setsid unshare --mount --propagation private --uts --pid --fork --mount-proc \
    /bin/bash "$here/host-init.sh" "$name" "$ip" "$h" </dev/null >>"$h/console.log" 2>&1 9>&- &
  launcher=$!
  for _ in {1..200}; do
    init=$(ns_init_below "$launcher") && break
    [[ -d /proc/$launcher ]] || break
    sleep 0.01
  done
  [[ -n $init ]] || fail_host "$name" "its init did not start"
  readlink "/proc/$init/ns/mnt" >"$h/init.mntns"  # down.sh finds the host's processes by it
  echo "$init" >"$h/init.pid"
}

host_alive() {
  local h=$DIR/hosts/$1 pid
  pid=$(cat "$h/init.pid" 2>/dev/null) || return 1
  [[ -n $pid && $(readlink "/proc/$pid/ns/mnt" 2>/dev/null) == "$(cat "$h/init.mntns" 2>/dev/null)" ]]
}

# Sets $why on failure, for the error message.
healthy() {
  local name=$1 ip=$2 out
  why="sshd does not answer on $ip:22"
  # shellcheck disable=SC2016 # $0 and $l belong to the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/22" && IFS= read -r -t 2 l <&3 && [[ $l == SSH-* ]]' "$ip" \
    2>/dev/null || return 1
  # The host made its key on first boot, before sshd answered; pin exactly that key.
  printf '%s %s\n' "$ip" "$(cut -d' ' -f1,2 "$DIR/hosts/$name/etc/ssh/ssh_host_ed25519_key.pub")" \
    >"$DIR/hosts/$name/known_hosts"
  why="root login with $KEY on $ip failed, or a service is down, or its /etc predates mbstring or pgsql"
  # A host whose /etc was copied before php-vlucas-phpdotenv pulled in php8.2-mbstring lacks
  # the ini that loads it (phpdotenv needs mb_*): fail the check so it restarts from fresh state.
  # curve25519 alone halves the login (OpenSSH 9.2's default sntrup761 KEX costs ~150 ms).
  out=$(ssh -F /dev/null -i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=3 \
    -o KexAlgorithms=curve25519-sha256 -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$DIR/hosts/$name/known_hosts" \
    -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR "root@$ip" \
    'hostname && test -S /run/php/php8.2-fpm.sock && supervisorctl pid >/dev/null &&
     kill -0 "$(cat /run/crond.pid)" "$(cat /run/nginx.pid)" &&
     test -e /etc/php/8.2/fpm/conf.d/20-mbstring.ini && test -e /etc/php/8.2/fpm/conf.d/20-pgsql.ini' 2>&1) || { why+=": $out"; return 1; }
  why="ssh to $ip reached '$out', not $name"
  [[ $out == "$name" ]] || return 1
  why="nginx on http://$ip/ does not serve $name"
  out=$(curl -fsS --noproxy '*' --max-time 2 "http://$ip/" 2>&1) || { why+=": $out"; return 1; }
  [[ $out == *"$name"* ]]
}

wait_healthy() {
  local name=$1 ip=$2 deadline=$((SECONDS + HEALTH_TIMEOUT))
  until healthy "$name" "$ip"; do
    host_alive "$name" || fail_host "$name" "its init exited during start-up"
    ((SECONDS < deadline)) || fail_host "$name" "not healthy after ${HEALTH_TIMEOUT}s: $why"
    sleep 0.05
  done
}

# Show why, stop the broken host (its files stay for inspection) and fail.
fail_host() {
  local h=$DIR/hosts/$1 f
  log "ERROR: $1: $2"
  for f in "$h/console.log" "$h/log/sshd.log" "$h/log/nginx/error.log" "$h/log/php8.2-fpm.log"; do
    [[ -s $f ]] && { log "--- tail $f"; tail -n 15 "$f" >&2; }
  done
  "$here/down.sh" "$1" >&2 || true
  exit 1
}

# hosts.json (what tests read) and an OpenSSH known_hosts for both hosts.
write_outputs() {
  local entry name ip fp sep="" json='{"hosts":[' known=""
  for entry in "${HOSTS[@]}"; do
    read -r name ip <<<"$entry"
    fp=$(ssh-keygen -lf "$DIR/hosts/$name/etc/ssh/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
    json+="$sep"$'\n'"  {\"name\":\"$name\",\"address\":\"$ip\",\"port\":22,\"user\":\"root\",\"hostKeyFingerprint\":\"$fp\",\"privateKeyPath\":\"$KEY\"}"
    sep=,
    known+=$(<"$DIR/hosts/$name/known_hosts")$'\n'
  done
  printf '%s' "$known" >"$DIR/known_hosts"
  printf '%s\n]}\n' "$json" >"$DIR/hosts.json.tmp" && mv -f "$DIR/hosts.json.tmp" "$DIR/hosts.json"
}

# Reuse a healthy running host; otherwise start it afresh and wait until it is healthy.
# Runs in a background subshell per host, so the two hosts come up in parallel.
bring_up_host() {
  local name=$1 ip=$2 fresh=$3
  if ((!fresh)) && host_alive "$name"; then
    if healthy "$name" "$ip"; then
      log "$name: running and healthy, reused (pid $(<"$DIR/hosts/$name/init.pid"))"
      return 0
    fi
    log "$name: running but unhealthy ($why): restarting it from fresh state"
  fi
  "$here/down.sh" "$name" >&2  # stop a broken or old instance, if any
  prepare_host "$name" "$ip"
  start_host "$name" "$ip"
  wait_healthy "$name" "$ip"
  log "$name: up at $ip (init pid $(<"$DIR/hosts/$name/init.pid"))"
}

main() {
  local fresh=0 entry name ip pids=() failed=0 t0=${EPOCHREALTIME/[.,]/}
  case ${1:-} in
    --fresh) fresh=1 ;;
    "") ;;
    *) die "usage: up.sh [--fresh]" ;;
  esac
  setup
  ensure_packages
  ensure_client_key
  # Stop every host before starting any: down.sh finds a host's processes by its mount
  # namespace's inode number, and a namespace freed while another host starts can hand that
  # number to the new host (seen: a parallel restart killed the other host's fresh init).
  if ((fresh)); then
    for entry in "${HOSTS[@]}"; do
      read -r name ip <<<"$entry"
      "$here/down.sh" "$name" >&2
    done
  fi
  for entry in "${HOSTS[@]}"; do
    read -r name ip <<<"$entry"
    bring_up_host "$name" "$ip" "$fresh" &
    pids+=("$!")
  done
  for entry in "${pids[@]}"; do
    wait "$entry" || failed=$((failed + 1))
  done
  ((failed == 0)) || die "$failed test host(s) failed to come up (details above); hosts.json not written"
  write_outputs
  local ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
  log "ready in ${ms} ms: $DIR/hosts.json"
}

main "$@"
