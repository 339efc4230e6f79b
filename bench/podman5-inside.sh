#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The podman 5 part of the benchmark, run by bench/podman5.sh through tests/podman5/run.sh,
# inside the Debian 13 root and private namespaces (podman 5.4, netavark 1.14, crun):
# `podman run --rm localhost/bb true` with --network none, netavark's bridge and a wgcni
# network (the netavark plugin, userspace backend, the server of tests/podman/server.sh),
# interleaved BENCH_PODMAN_N times after one untimed round. Prints one
# "BENCH-RAW: podman5 NETWORK us 0 0" line per run.
set -u

source_dir=/src
build_dir=/var/cache/wgcni-build-release/${WGCNI_SOURCE_ID:-default} # one per source tree
PLUGIN_DIR=/run/wgcni-bench-netavark
n=${BENCH_PODMAN_N:-10}
# shellcheck source=tests/podman/server.sh
. "$source_dir/tests/podman/server.sh"
# shellcheck source=tests/podman/lib.sh
. "$source_dir/tests/podman/lib.sh"
# shellcheck source=tests/podman5/lib.sh
. "$source_dir/tests/podman5/lib.sh"

net=cnbwg$WGT_ID bridge=cnbbr$WGT_ID config=/etc/wgcni-bench/cnbwg$WGT_ID.json

fatal() {
	echo "bench/podman5: $*" >&2
	exit 1
}

cleanup() {
	trap - EXIT INT TERM
	podman ps -aq 2>/dev/null | xargs -r podman rm -f -t 0 >/dev/null 2>&1
	podman network rm -f "$net" "$bridge" >/dev/null 2>&1
	wgt_topology_stop
	rm -rf /etc/wgcni-bench
	return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A release build, like the host's build-bench, made with the root's own libraries.
if [ ! -f "$build_dir/build.ninja" ]; then
	meson setup "$build_dir" "$source_dir" --buildtype=release -Dprefer_static=true \
		-Dtests=disabled >/tmp/meson.log 2>&1 || fatal "meson setup: $(tail -5 /tmp/meson.log)"
fi
ninja -C "$build_dir" netavark/wireguard >/tmp/ninja.log 2>&1 || fatal "build: $(tail -20 /tmp/ninja.log)"
mkdir -p "$PLUGIN_DIR" /run/wgcni /etc/wgcni-bench
install -m 0755 "$build_dir/netavark/wireguard" "$PLUGIN_DIR/wireguard"
p5_podman_setup || fatal "podman set-up failed"

wgt_workdir
wgt_keypair "$WGT_DIR" client
wgt_server_start "$(cat "$WGT_DIR/client.pub")" || fatal "cannot start the WireGuard server"
wgt_conflist "$net" "$WGT_DIR/client" >"$config"
podman network create -d wireguard -o config="$config" "$net" >/dev/null 2>"$WGT_DIR/err" ||
	fatal "network create $net: $(cat "$WGT_DIR/err")"
podman network create "$bridge" >/dev/null || fatal "no bridge network"

run_one() {
	local t0=$EPOCHREALTIME t1
	podman_t 60 run --rm --network "$1" localhost/bb true >/dev/null 2>"$WGT_DIR/err" ||
		fatal "run --network $1 failed: $(tail -2 "$WGT_DIR/err")"
	t1=$EPOCHREALTIME
	[ -z "${2:-}" ] ||
		echo "BENCH-RAW: podman5 $2 $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1e6 }') 0 0"
}

# Untimed first round: image layers and binaries into the page cache.
run_one none && run_one "$bridge" && run_one "$net"
echo "# $(podman --version), $(/usr/lib/podman/netavark --version 2>/dev/null)" >&2
for ((i = 1; i <= n; i++)); do
	run_one none none
	run_one "$bridge" bridge
	run_one "$net" wgcni
done
