#!/usr/bin/env bash
# Pebble (Let's Encrypt's test ACME server) for the TLS tests, on this machine.
#
# Usage: pebble.sh start|stop|status
#   start   idempotent: installs pebble and certbot if missing, makes a CA and pebble's listener
#           certificate once, starts pebble-challtestsrv (every name resolves to berth-host-1,
#           127.0.0.11) and pebble, waits until both answer; reuses them when they already run.
#   stop    stops only the pids this script recorded (and only if they are still pebble's).
#
# The test hosts share this machine's network namespace and /var/lib, so certbot on a host
# reaches pebble at 127.0.0.1:14000 and reads the listener CA from $STATE/listener-ca.pem.
# Pebble keeps all state in memory: each start means new accounts and a new issuing root
# (https://127.0.0.1:15000/roots/0). Tests read $STATE/pebble.json.
set -euo pipefail

STATE=${BERTH_TESTBED_DIR:-/var/lib/berth-testbed}/pebble
# Where every name resolves: berth-host-1's nginx (the bed's first address, as up.sh assigns them).
read -r HOST_IP _ <<<"${BERTH_TESTBED_ADDRESSES:-127.0.0.11}"
ACME=127.0.0.1:14000 MGMT=127.0.0.1:15000
DNS=127.0.0.1:8053 CHALL_MGMT=127.0.0.1:8055
WAIT=15                                 # seconds a start may take (it takes well under one)
export PATH=/usr/sbin:/sbin:$PATH

log() { printf 'pebble: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# certbot is the ACME client the test hosts run (a provisioned server gets it from install-packages).
ensure_packages() {
  [[ -x /usr/bin/pebble && -x /usr/bin/pebble-challtestsrv && -x /usr/bin/certbot ]] && return 0
  log "installing pebble certbot"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends pebble certbot >&2 ||
    { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends pebble certbot >&2; } ||
    die "apt-get install pebble certbot failed"
}

# Pebble ships no certificate for its own HTTPS listener: a CA and a server cert for 127.0.0.1, made once.
ensure_listener_cert() {
  [[ -s $STATE/listener-ca.pem && -s $STATE/listener.pem && -s $STATE/listener.key ]] && return 0
  install -d -m 0755 "$STATE"
  local tmp; tmp=$(mktemp -d)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj '/CN=Berth test Pebble listener CA' \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=127.0.0.1' \
    -keyout "$tmp/listener.key" -out "$tmp/listener.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tmp/ext"
  openssl x509 -req -in "$tmp/listener.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 3650 \
    -extfile "$tmp/ext" -out "$tmp/listener.pem" 2>/dev/null
  install -m 0644 "$tmp/ca.pem" "$STATE/listener-ca.pem"
  install -m 0644 "$tmp/listener.pem" "$STATE/listener.pem"
  install -m 0600 "$tmp/listener.key" "$STATE/listener.key"
  rm -rf "$tmp"
}

write_config() {
  cat >"$STATE/pebble-config.json" <<EOF
{"pebble": {"listenAddress": "$ACME", "managementListenAddress": "$MGMT",
  "certificate": "$STATE/listener.pem", "privateKey": "$STATE/listener.key",
  "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
  cat >"$STATE/pebble.json" <<EOF
{"directory": "https://$ACME/dir", "listenerCa": "$STATE/listener-ca.pem", "rootsUrl": "https://$MGMT/roots/0",
 "challtestsrv": "http://$CHALL_MGMT", "resolvesTo": "$HOST_IP"}
EOF
}

# True when the pid in $1.pid is alive and still runs the program $1 (a reused pid is not ours).
ours() {
  local pid; pid=$(cat "$STATE/$1.pid" 2>/dev/null) || return 1
  [[ -n $pid && $(readlink "/proc/$pid/exe" 2>/dev/null) == "/usr/bin/$1" ]]
}

answering() {
  curl -fsS --noproxy '*' --max-time 2 --cacert "$STATE/listener-ca.pem" "https://$ACME/dir" >/dev/null 2>&1 &&
    curl -sS --noproxy '*' --max-time 2 -o /dev/null "http://$CHALL_MGMT/" 2>/dev/null  # any answer: it listens
}

launch() {  # name, args...: detached, own session, stdio to a log file
  local name=$1; shift
  setsid "$@" </dev/null >>"$STATE/$name.log" 2>&1 9>&- &  # 9: start's lock stays with start
  echo $! >"$STATE/$name.pid"
}

start() {
  ensure_packages
  ensure_listener_cert
  # A running pair is reused even when a loaded machine makes it slow to answer: a restart
  # would wipe the accounts and name records that tests running right now depend on.
  if ours pebble && ours pebble-challtestsrv; then
    local try
    for try in 1 2 3 4 5; do answering && { log "running (reused)"; return 0; }; sleep "$try"; done
  fi
  stop  # a half-running pair: start both afresh
  write_config
  launch pebble-challtestsrv /usr/bin/pebble-challtestsrv -defaultIPv4 "$HOST_IP" -defaultIPv6 "" -dns01 "$DNS" \
    -http01 "" -https01 "" -tlsalpn01 "" -management "$CHALL_MGMT"
  # Repeatable runs: no random validation sleeps, no rejected nonces, no reused authorizations.
  launch pebble env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
    /usr/bin/pebble -config "$STATE/pebble-config.json" -dnsserver "$DNS"
  local deadline=$((SECONDS + WAIT))
  until answering; do
    ours pebble && ours pebble-challtestsrv || { tail -n 20 "$STATE"/pebble*.log >&2; stop; die "pebble exited during start-up"; }
    ((SECONDS < deadline)) || { stop; die "pebble did not answer within ${WAIT}s (logs: $STATE/*.log)"; }
    sleep 0.1
  done
  log "up: ACME https://$ACME/dir, roots https://$MGMT/roots/0, every name -> $HOST_IP"
}

stop() {
  local name pid i
  for name in pebble pebble-challtestsrv; do
    ours "$name" || { rm -f "$STATE/$name.pid"; continue; }
    pid=$(<"$STATE/$name.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do ours "$name" || break; sleep 0.1; done
    ours "$name" && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$STATE/$name.pid"
    log "stopped $name ($pid)"
  done
}

[[ $(id -u) -eq 0 ]] || die "run as root (it installs packages)"
case ${1:-} in
  start)
    # One start at a time: the runner and a test's startPebble() may both ask for it.
    install -d -m 0755 "$STATE"
    exec 9>"$STATE/.start.lock"
    flock -w 60 9 || die "another pebble.sh start holds $STATE/.start.lock"
    start ;;
  stop) stop ;;
  status) if ours pebble && ours pebble-challtestsrv && answering; then echo running; else echo stopped; exit 1; fi ;;
  *) die "usage: pebble.sh start|stop|status" ;;
esac
