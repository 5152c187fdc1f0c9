#!/usr/bin/env bash
# Give one running test host a new sshd host key, as a reinstalled server would have, for
# the "host key changed after pinning" tests.
#
# Usage: rekey.sh HOST [--key PRIVATE_KEY_FILE]
#   HOST     berth-host-1 or berth-host-2 (must be running: scripts/testbed/up.sh)
#   --key    install this ed25519 private key instead of generating one (a test uses it
#            to put the original key back afterwards)
#
# It replaces /etc/ssh/ssh_host_ed25519_key of that host (atomically), sends its sshd a
# SIGHUP (sshd re-executes itself and reads the key again; open sessions are untouched),
# waits until the host presents the new key, and updates that host's fingerprint in
# hosts.json and its line in known_hosts. Prints the new fingerprint on stdout.
set -euo pipefail

DIR=${BERTH_TESTBED_DIR:-/var/lib/berth-testbed}
export PATH=/usr/sbin:/sbin:$PATH

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() { die "usage: rekey.sh HOST [--key PRIVATE_KEY_FILE]"; }

name=${1:-}
[[ -n $name ]] || usage
shift
key_file=""
while (($#)); do
  case $1 in
    --key) key_file=${2:?--key needs a file}; shift 2 ;;
    *) usage ;;
  esac
done

[[ $(id -u) -eq 0 ]] || die "run as root (it enters the host's namespaces)"
[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "bad host name '$name'"
h=$DIR/hosts/$name
[[ -f $DIR/hosts.json ]] || die "$DIR/hosts.json is missing: is the test bed up (scripts/testbed/up.sh)?"

# One change to the test bed at a time (up.sh and down.sh hold the same lock).
exec 9>"$DIR/.lock"
flock -w 120 9 || die "another up.sh/down.sh/rekey.sh holds $DIR/.lock"

pid=$(cat "$h/init.pid" 2>/dev/null) || die "$name is not running (no $h/init.pid)"
[[ $(readlink "/proc/$pid/ns/mnt" 2>/dev/null) == "$(cat "$h/init.mntns")" ]] || die "$name is not running"
ip=$(grep -o "\"name\":\"$name\",\"address\":\"[0-9.]*\"" "$DIR/hosts.json" | grep -o '[0-9.]*"$' | tr -d '"') ||
  die "$name is not in $DIR/hosts.json"

# The new key, written beside the old one and renamed over it.
ssh_dir=$h/etc/ssh
tmp=$(mktemp -d "$ssh_dir/.rekey.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
if [[ -n $key_file ]]; then
  install -m 600 "$key_file" "$tmp/key"
  pub=$(ssh-keygen -y -f "$tmp/key") || die "$key_file is not a usable private key"
  printf '%s root@%s\n' "$(cut -d' ' -f1,2 <<<"$pub")" "$name" >"$tmp/key.pub"
else
  ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$tmp/key"
fi
fp=$(ssh-keygen -lf "$tmp/key.pub" | cut -d' ' -f2)
chmod 644 "$tmp/key.pub"
mv -f "$tmp/key.pub" "$ssh_dir/ssh_host_ed25519_key.pub"
mv -f "$tmp/key" "$ssh_dir/ssh_host_ed25519_key"

# sshd's pid file holds its pid inside the host's pid namespace, so signal it from there.
nsenter --target "$pid" --mount --pid -- sh -c 'kill -HUP "$(cat /run/sshd.pid)"' ||
  die "could not signal $name's sshd"

# Wait until the host answers with the new key (sshd re-executes itself on SIGHUP).
for _ in $(seq 100); do
  seen=$(ssh-keyscan -T 1 -t ed25519 "$ip" 2>/dev/null | ssh-keygen -lf - 2>/dev/null | cut -d' ' -f2 || true)
  [[ $seen == "$fp" ]] && break
  sleep 0.05
done
[[ $seen == "$fp" ]] || die "$name still presents ${seen:-no key} after the reload, not $fp"

# hosts.json has one host per line (up.sh writes it so): change only that host's fingerprint.
sed "/\"name\":\"$name\"/s|\"hostKeyFingerprint\":\"[^\"]*\"|\"hostKeyFingerprint\":\"$fp\"|" \
  "$DIR/hosts.json" >"$DIR/hosts.json.tmp"
grep -q "\"hostKeyFingerprint\":\"$fp\"" "$DIR/hosts.json.tmp" || die "could not update $DIR/hosts.json"
mv -f "$DIR/hosts.json.tmp" "$DIR/hosts.json"

line="$ip $(cut -d' ' -f1,2 "$ssh_dir/ssh_host_ed25519_key.pub")"
printf '%s\n' "$line" >"$h/known_hosts"
if [[ -f $DIR/known_hosts ]]; then
  { grep -v "^$ip " "$DIR/known_hosts" || true; printf '%s\n' "$line"; } >"$DIR/known_hosts.tmp"
  mv -f "$DIR/known_hosts.tmp" "$DIR/known_hosts"
fi

log "$name: new host key $fp"
echo "$fp"
