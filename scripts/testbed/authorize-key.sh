#!/usr/bin/env bash
# Authorize a public key for root on one test host, as an operator would paste it into
# /root/.ssh/authorized_keys. Idempotent: a key already there is not added twice.
#
# Usage: authorize-key.sh HOST 'ssh-ed25519 AAAA... comment'
# Works whether or not the host is running: the host's /root is the directory
# $BERTH_TESTBED_DIR/hosts/HOST/root, which sshd reads on every login.
# Note: up.sh gives a host that it (re)starts a fresh /root, so authorize again after that.
set -euo pipefail

DIR=${BERTH_TESTBED_DIR:-/var/lib/berth-testbed}

die() { printf 'authorize-key: %s\n' "$*" >&2; exit 1; }

(($# == 2)) || die "usage: authorize-key.sh HOST 'PUBLIC KEY LINE'"
name=$1
key=${2%$'\n'}
key=${key%$'\r'}
root=$DIR/hosts/$name/root

[[ $name =~ ^[A-Za-z0-9._-]+$ && -d $root ]] ||
  die "unknown test host '$name' (known: $(find "$DIR/hosts" -mindepth 1 -maxdepth 1 -type d -printf '%f ' 2>/dev/null)); run up.sh first"
[[ $key != *$'\n'* ]] || die "give exactly one key line"
ssh-keygen -lf - <<<"$key" >/dev/null 2>&1 || die "not an OpenSSH public key line: '$key'"

# sshd (StrictModes) ignores keys in a group/world-writable .ssh or file.
install -d -m 0700 "$root/.ssh"
ak=$root/.ssh/authorized_keys
[[ -e $ak ]] || install -m 0600 /dev/null "$ak"
grep -qxF -- "$key" "$ak" || printf '%s\n' "$key" >>"$ak"
