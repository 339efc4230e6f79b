#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Make rootful podman 4.3 run containers with the CNI backend on a Debian 12 machine
# without systemd, and import a busybox image (no registry needed). Idempotent.
#
#   bash scripts/podman-setup.sh [PLUGIN_DIR]     (or WGCNI_CNI_DIR=PLUGIN_DIR)
#
# PLUGIN_DIR is where the wgcni `wireguard` plugin is installed (default /usr/lib/cni); it
# is listed first in cni_plugin_dirs, before Debian's /usr/lib/cni.
# containers.conf goes to /etc/containers/containers.conf, or to $CONTAINERS_CONF when it is
# set: that is the file podman reads then, so a test can configure a private copy.
# Why each setting is there: see the comments written into the file, and podman-cni notes.
set -euo pipefail

plugin_dir=${1:-${WGCNI_CNI_DIR:-/usr/lib/cni}}
conf=${CONTAINERS_CONF:-/etc/containers/containers.conf}
storage=/etc/containers/storage.conf
image=localhost/bb:latest
marker="# Written by wgcni scripts/podman-setup.sh"

say() { printf 'podman-setup: %s\n' "$*"; }
die() { printf 'podman-setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run me as root (rootful podman)"
for tool in podman runc busybox; do
	command -v "$tool" >/dev/null || die "$tool is missing: run 'bash scripts/deps.sh --tests'"
done
[ -d "$plugin_dir" ] || die "plugin directory $plugin_dir does not exist"

# nofile = the hard limit; nproc = the hard limit, capped by pid_max.
limit_nofile() { ulimit -Hn; }
limit_nproc() {
	local hard pid_max
	hard=$(ulimit -Hu)
	pid_max=$(cat /proc/sys/kernel/pid_max)
	if [ "$hard" = unlimited ] || [ "$hard" -gt "$pid_max" ]; then
		echo "$pid_max"
	else
		echo "$hard"
	fi
}

plugin_dirs() {
	if [ "$plugin_dir" = /usr/lib/cni ]; then
		echo '["/usr/lib/cni"]'
	else
		echo "[\"$plugin_dir\", \"/usr/lib/cni\"]"
	fi
}

containers_conf() {
	local nofile nproc
	nofile=$(limit_nofile)
	nproc=$(limit_nproc)
	[ "$nofile" = unlimited ] && nofile=1048576
	cat <<EOF
$marker
[containers]
# root lacks CAP_SYS_RESOURCE here: podman's default limits (1048576) fail in the runtime,
# so the limits are the current hard limits (nproc capped by pid_max), computed at set-up.
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[network]
# netavark is installed too and wins unless the backend is named.
network_backend = "cni"
cni_plugin_dirs = $(plugin_dirs)
network_config_dir = "/etc/cni/net.d"

[engine]
# no systemd; crun refuses the cgroup v1 hybrid layout, runc does not.
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
}

storage_conf() {
	cat <<EOF
$marker
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
}

# Write $1 from stdin unless it already holds exactly that; keep the first foreign version.
install_conf() {
	local path=$1 tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
		rm -f "$tmp"
		say "$path is up to date"
		return
	fi
	if [ -f "$path" ] && ! grep -qxF "$marker" "$path" && [ ! -e "$path.wgcni-orig" ]; then
		cp -p "$path" "$path.wgcni-orig"
		say "saved your previous $path as $path.wgcni-orig"
	fi
	mkdir -p "$(dirname "$path")"
	chmod 0644 "$tmp"
	mv "$tmp" "$path"
	say "wrote $path"
}

import_image() {
	local dir
	if podman image exists "$image"; then
		say "image $image is present"
		return
	fi
	dir=$(mktemp -d)
	bash "$(dirname "${BASH_SOURCE[0]}")/busybox-root.sh" "$dir/root" ||
		die "cannot build the image's root file system"
	tar -C "$dir/root" -cf "$dir/bb.tar" .
	podman import --quiet --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
		"$dir/bb.tar" "$image" >/dev/null
	rm -rf "$dir"
	say "imported busybox as $image"
}

containers_conf | install_conf "$conf"
storage_conf | install_conf "$storage"
mkdir -p /etc/cni/net.d
import_image
