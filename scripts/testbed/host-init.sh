#!/usr/bin/env bash
# PID 1 of one Berth test host. up.sh starts it as
#   setsid unshare --mount --propagation private --uts --pid --fork --mount-proc \
#     bash host-init.sh NAME IP HOSTDIR
# and has already filled HOSTDIR (see up.sh: prepare_host).
#
# It turns the fresh mount/UTS/PID namespaces into a "server": the per-host directories
# are bind-mounted over the machine's, the hostname is set, and the host's own daemons
# start. As PID 1 it must (a) reap orphans, because every daemon forks into the
# background and is re-parented to us, and (b) on SIGTERM stop its children: when PID 1
# of a pid namespace exits, the kernel SIGKILLs whatever is left in it.
set -euo pipefail

name=${1:?usage: host-init.sh NAME IP HOSTDIR}
ip=${2:?usage: host-init.sh NAME IP HOSTDIR}
hostdir=${3:?usage: host-init.sh NAME IP HOSTDIR}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cd /  # never pin the caller's directory (the repo) from inside the host

log() { printf '%s host-init[%s]: %s\n' "$(date +%T)" "$name" "$*"; }
die() { log "FATAL: $*"; exit 1; }

# True while any process other than this init is alive in the namespace. Globbing
# /proc (our own procfs, thanks to --mount-proc) forks nothing, so the loop below
# does not see itself. Zombies still count until reaped; bash reaps every child,
# including re-parented orphans, in its SIGCHLD handler.
others_alive() {
  local p
  for p in /proc/[0-9]*; do
    [[ ${p#/proc/} == 1 ]] || return 0
  done
  return 1
}

# SIGTERM (from down.sh): TERM every process of this host, give them up to 5 s,
# then exit; the kernel KILLs any straggler when we are gone.
shutdown() {
  trap '' TERM INT HUP
  log "stopping"
  kill -TERM -1 2>/dev/null || true  # -1 from PID 1 = every other process of this namespace
  local i
  for ((i = 0; i < 50; i++)); do
    others_alive || break
    sleep 0.1
  done
  log "stopped"
  exit 0
}
# Install the handler first: PID 1 of a pid namespace only receives signals it handles.
trap shutdown TERM INT HUP

[[ $$ -eq 1 ]] || die "must be PID 1 of its own pid namespace (start it through up.sh)"

# Per-host directory under HOSTDIR : where it appears inside the host. The whole of /etc
# is per host (binding single files breaks useradd's rename of passwd+ -> passwd). certbot's
# work dir too: it holds a lock there, and hosts of several beds issue certificates at once.
mount_host_dirs() {
  local pair src dst
  for pair in etc:/etc run:/run log:/var/log www:/var/www home:/home root:/root \
              spool-cron:/var/spool/cron tmp:/tmp letsencrypt:/var/lib/letsencrypt; do
    src=$hostdir/${pair%%:*} dst=${pair#*:}
    [[ -d $src ]] || die "missing $src (up.sh prepares it)"
    mkdir -p "$dst"
    mount --bind "$src" "$dst" || die "cannot bind $src over $dst"
  done
}

# The host's identity and default site, written on its first boot (up.sh hands over a
# fresh copy of the machine's /etc without the machine's ssh host keys, sites, pools,
# supervisor programs or cron jobs). Skipped when the host already has its own host key.
first_boot() {
  [[ -e /etc/ssh/ssh_host_ed25519_key ]] && return 0
  echo "$name" >/etc/hostname
  printf '127.0.0.1\tlocalhost\n%s\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$ip" "$name" >/etc/hosts
  od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >/etc/machine-id
  ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f /etc/ssh/ssh_host_ed25519_key
  cat >/etc/ssh/sshd_config <<EOF
# Berth test host $name
Include /etc/ssh/sshd_config.d/*.conf
ListenAddress $ip:22
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
# PAM as on Debian; it also admits key logins to accounts whose password is locked (useradd's default).
UsePAM yes
MaxSessions 10
X11Forwarding no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
  # The hosts share one network namespace, so the site listens on the host's own
  # address: a wildcard `listen 80` on both would collide (and fail silently on reload).
  # It names itself instead of being the default server: provisioning by Berth installs
  # its own default server (444 for unknown hosts), as on a real VPS.
  cat >/etc/nginx/sites-available/testbed <<EOF
server {
    listen $ip:80;
    server_name $name $ip;
    root /var/www/html;
    index index.html;
    location / { try_files \$uri \$uri/ =404; }
}
EOF
  ln -sfn ../sites-available/testbed /etc/nginx/sites-enabled/testbed
  mkdir -p /var/www/html
  printf '<!doctype html>\n<title>%s</title>\n<h1>%s</h1>\n' "$name" "$name" >/var/www/html/index.html
}

# /run starts empty on every boot, as on a real server.
prepare_run() {
  install -d -m 1777 /run/lock
  install -d -m 0755 /run/sshd                       # sshd's privilege-separation dir
  install -d -o www-data -g www-data -m 0755 /run/php  # php-fpm's pid file and socket
}

# Each daemon forks into the background once it has bound its sockets, so when a start
# command returns, that service is accepting connections.
start_services() {
  # Absolute config path: with a relative one sshd dies on SIGHUP (reload). No syslog
  # runs here, so sshd logs to a file (-E).
  /usr/sbin/sshd -f /etc/ssh/sshd_config -E /var/log/sshd.log ||
    die "sshd did not start (see $hostdir/log/sshd.log)"
  /usr/sbin/php-fpm8.2 --fpm-config /etc/php/8.2/fpm/php-fpm.conf ||
    die "php-fpm8.2 did not start (see $hostdir/log/php8.2-fpm.log)"
  /usr/sbin/nginx || die "nginx did not start (see $hostdir/log/nginx/error.log)"
  /usr/bin/supervisord -c /etc/supervisor/supervisord.conf ||
    die "supervisord did not start (see $hostdir/log/supervisor/)"
  /usr/sbin/cron || die "cron did not start"
}

mount_host_dirs
first_boot
prepare_run
hostname "$name"
start_services
log "up: $name at $ip (sshd, php-fpm8.2, nginx, supervisord, cron)"

# Idle until signalled. `wait` on a background sleep is interruptible by the trap,
# and every SIGCHLD meanwhile lets bash reap any exited child (zombie orphans included).
while :; do
  sleep infinity &
  wait "$!" || true
done
