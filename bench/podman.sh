#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/podman.sh N RAW: `podman run --rm localhost/bb true` with --network none, a podman
# bridge network and a wgcni network (userspace backend, server from tests/podman/server.sh),
# interleaved N times; one "podman NETWORK us 0 0" line per run appended to RAW.
# Uses a private containers.conf and plugin directory, like tests/podman/run.sh.
set -uo pipefail
n=$1 raw=$2
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
plugin=${WGCNI_PLUGIN:?}
WGT_ID=${WGT_ID:-b$$}
# shellcheck source=../tests/podman/server.sh
source "$src/tests/podman/server.sh"
net=cnbwg$WGT_ID bridge=cnbbr$WGT_ID plugin_dir=/run/cnb-$WGT_ID/cni
conflist=/etc/cni/net.d/$net.conflist

cleanup() {
	podman network exists "$bridge" 2>/dev/null && podman network rm -f "$bridge" >/dev/null 2>&1
	rm -f "$conflist"
	wgt_topology_stop
	rm -rf "/run/cnb-$WGT_ID"
	[ -n "${ip_forward_before:-}" ] && echo "$ip_forward_before" >/proc/sys/net/ipv4/ip_forward
	return 0
}
trap cleanup EXIT

wgt_workdir
mkdir -p "$plugin_dir"
install -m 0755 "$plugin" "$plugin_dir/wireguard"
export CONTAINERS_CONF=$WGT_DIR/containers.conf
bash "$src/scripts/podman-setup.sh" "$plugin_dir" >"$WGT_DIR/setup.log" 2>&1 ||
	{ echo "bench/podman: set-up failed: $(tail -3 "$WGT_DIR/setup.log")" >&2; exit 1; }
ip_forward_before=$(cat /proc/sys/net/ipv4/ip_forward)
wgt_keypair "$WGT_DIR" client
wgt_server_start "$(cat "$WGT_DIR/client.pub")" || { echo "bench/podman: no server" >&2; exit 1; }
wgt_conflist "$net" "$WGT_DIR/client" >"$conflist"
podman network create "$bridge" >/dev/null || { echo "bench/podman: no bridge network" >&2; exit 1; }

run_one() {
	local t0=$EPOCHREALTIME t1
	timeout 60 podman run --rm --network "$1" localhost/bb true >/dev/null 2>"$WGT_DIR/err" ||
		{ echo "bench/podman: run --network $1 failed: $(tail -2 "$WGT_DIR/err")" >&2; return 1; }
	t1=$EPOCHREALTIME
	echo "podman $2 $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1e6 }') 0 0" >>"$raw"
}

# One untimed round first: image layers and plugin binaries into the page cache.
run_one none none && run_one "$bridge" bridge && run_one "$net" wgcni || exit 1
sed -i '/^podman /d' "$raw"
for ((i = 1; i <= n; i++)); do
	run_one none none
	run_one "$bridge" bridge
	run_one "$net" wgcni
done
