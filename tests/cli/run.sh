#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The wgcni CLI, the real binary: keys against wg, imports of provider-style
# wg-quick files, show against a live attachment, peers of a server-style
# network reaching a container with the printed configuration, QR codes.
#
#   wgt-PID-host (plugin and wgcni run here)        wgt-PID-srv
#   +------------------------------------+          +------------------------------+
#   | wgthPID 192.0.2.1/24 --------------+-- veth --+ wgtsPID 192.0.2.2/24         |
#   |   UDP 51821 (ctr, client network)  |          | wgsPID 10.64.0.1/24 UDP 51820|
#   |   UDP 51830 (ctr2, server network) |          +------------------------------+
#   | wgtkPID 198.18.0.1/24 -------------+-- veth --+ wgt-PID-cli (a "phone")      |
#   +------------------------------------+          | wgtlPID 198.18.0.2/24        |
#      | tunnel devices are the containers' eth0    | wgpPID from `wgcni peer add` |
#   wgt-PID-ctr   eth0 10.64.0.2/32 (peer: srv)     +------------------------------+
#   wgt-PID-ctr2  eth0 10.70.0.1/24 (peerPool 10.70.0.0/24, peers from wgcni peer add)
#
# Usage (root): bash tests/cli/run.sh
#   WGCNI_BUILD    build directory holding wireguard and wgcni (default build)
#   WGCNI_CLI      wgcni binary (default $WGCNI_BUILD/wgcni)
#   WGT_KEEP=1     keep the work directory
# Prints PASS/FAIL lines and ends with "N passed, M failed".

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

cannot_run() {
	echo "!!! suite cli CANNOT RUN: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" = 0 ] || cannot_run "needs root"
plugin=${WGCNI_PLUGIN:-${WGCNI_BUILD:-build}/wireguard}
cli=${WGCNI_CLI:-${WGCNI_BUILD:-build}/wgcni}
[ -x "$plugin" ] || cannot_run "no plugin binary at '$plugin'"
[ -x "$cli" ] || cannot_run "no wgcni binary at '$cli'"
for tool in ip wg nft awk timeout zbarimg wireguard-go "${WGT_BUSYBOX:-busybox}"; do
	command -v "$tool" >/dev/null || cannot_run "missing tool: $tool"
done

# Private /run/wireguard, as the netns suite: other suites' sockets are not ours.
if [ -z "${WGT_MOUNTNS:-}" ] && unshare -m --propagation private true 2>/dev/null; then
	WGT_MOUNTNS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
if [ -n "${WGT_MOUNTNS:-}" ]; then
	mkdir -p /run/wireguard
	mount -t tmpfs -o mode=0755 wgt-run-wireguard /run/wireguard ||
		cannot_run "mounting a private /run/wireguard"
fi

export WGCNI_PLUGIN=$plugin
WGCNI=$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"

WGT_NS_CLI=wgt-$WGT_ID-cli
WGT_CLI_PID=
WGT_PEERS_DIR=/etc/wgcni/peers/$WGT_NET-srv

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	wgt_stop_pid "${RACE_HOLDER:-}"
	[ -n "${RACE_STOPPED:-}" ] && kill -CONT "$RACE_STOPPED" 2>/dev/null
	wgt_stop_pid "$WGT_CLI_PID"
	ip netns del "$WGT_NS_CLI" 2>/dev/null
	cli_cleanup_server_network
	showm_cleanup
	wgt_topology_down
	rm -rf "$WGT_PEERS_DIR"
	rmdir /etc/wgcni/peers /etc/wgcni 2>/dev/null
	[ -n "$WGT_DIR" ] && [ "${WGT_KEEP:-0}" != 1 ] && rm -rf "$WGT_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wgcni as the plugin runs: in the host namespace.
wgcni() {
	ip netns exec "$WGT_NS_HOST" "$WGCNI" "$@"
}

start=$SECONDS
echo "# cli suite: wgcni $WGCNI, plugin $WGT_PLUGIN, id $WGT_ID"
for part in keys import show show-modes peer race; do
	# shellcheck source=/dev/null
	. "$here/cases-$part.sh"
done
wgt_topology_up || cannot_run "building the topology (see above)"

for c in case_help case_keys case_import case_import_refusals case_show case_show_inbound \
	case_show_chained case_peer case_qr case_peer_at_add case_race_reconfigure_del \
	case_race_add_revoke; do
	echo "## $c"
	t=$SECONDS
	"$c"
	echo "## $c: $((SECONDS - t)) s"
done

echo "# time: $((SECONDS - start)) s"
wgt_summary
