#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The plugin against real namespaces, a real WireGuard server and its own
# state: every CNI verb, every cniVersion, bad input, cleanup and secrets.
#
#   wgt-PID-host (plugin runs here)           wgt-PID-srv
#   +----------------------------------+      +---------------------------------------+
#   | wgthPID 192.0.2.1/24             | veth | wgtsPID 192.0.2.2/24, fd00:2::2/64    |
#   |         fd00:2::1/64 ------------+------+ wgsPID  10.64.0.1/24, fc00:bbbb::1/64 |
#   | userspace: wireguard-go wgc<hex> |      |   UDP 51820 (the server peer)         |
#   |   UDP 51821 (ctr), 51822 (ctr2)  |      |   TCP sink :8000 (busybox nc)         |
#   +----------------------------------+      +---------------------------------------+
#      | the tunnel's UDP socket stays in host; its device is the container's eth0
#   wgt-PID-ctr   eth0 10.64.0.2/32 fc00:bbbb::2/128, default routes via eth0
#   wgt-PID-ctr2  eth0 10.64.0.3/32 fc00:bbbb::3/128 (GC, key use, concurrency)
#   wgt-PID-ctr3  only for "DEL after the netns is gone"
#
# Usage (root): bash tests/netns/run.sh
#   WGCNI_PLUGIN   plugin binary (default $WGCNI_BUILD/wireguard)
#   WGCNI_BACKEND  userspace (default) or kernel
#   WGT_VERBOSE=1  print every plugin call and its stderr
#   WGT_KEEP=1     keep the work directory (configs, every plugin output)
#   WGT_CNI_TIMEOUT seconds one plugin call may take (default 10)
# Prints PASS/FAIL lines and ends with "N passed, M failed"; exit 1 on any
# failure or when it cannot run.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

cannot_run() {
	echo "!!! suite netns CANNOT RUN: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" = 0 ] || cannot_run "needs root"
plugin=${WGCNI_PLUGIN:-${WGCNI_BUILD:-build}/wireguard}
[ -x "$plugin" ] || cannot_run "no plugin binary at '$plugin' (set WGCNI_PLUGIN or WGCNI_BUILD)"
for tool in ip wg nft awk timeout "${WGT_BUSYBOX:-busybox}"; do
	command -v "$tool" >/dev/null || cannot_run "missing tool: $tool"
done
[ "${WGCNI_BACKEND:-userspace}" = kernel ] || command -v wireguard-go >/dev/null ||
	cannot_run "missing wireguard-go for the userspace backend"

# A private mount namespace with its own /run/wireguard: UAPI sockets of other
# suites running at the same time cannot be mistaken for our residue, and
# namespaces we name vanish with us even if we are killed.
if [ -z "${WGT_MOUNTNS:-}" ] && command -v unshare >/dev/null &&
	unshare -m --propagation private true 2>/dev/null; then
	WGT_MOUNTNS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
if [ -n "${WGT_MOUNTNS:-}" ]; then
	mkdir -p /run/wireguard
	mount -t tmpfs -o mode=0755 wgt-run-wireguard /run/wireguard ||
		cannot_run "mounting a private /run/wireguard"
fi

export WGCNI_PLUGIN=$plugin
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	wgt_topology_down
	[ -n "$WGT_DIR" ] && [ "${WGT_KEEP:-0}" != 1 ] && rm -rf "$WGT_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
echo "# netns suite: plugin $WGT_PLUGIN, backend $WGT_BACKEND, id $WGT_ID"
wgt_topology_up || cannot_run "building the topology (see above)"
wgt_genkey key1
wgt_genkey key2
wgt_genkey key3
wgt_server_peer "$WGT_DIR/key1.pub" 10.64.0.2/32,fc00:bbbb::2/128 || cannot_run "server peer 1"
wgt_server_peer "$WGT_DIR/key2.pub" 10.64.0.3/32,fc00:bbbb::3/128 || cannot_run "server peer 2"

for part in version add check del status bad secrets; do
	# shellcheck source=/dev/null
	. "$here/cases-$part.sh"
done

suite_cases=(case_version case_add case_versions_render case_check case_del case_gc
	case_status case_key_in_use case_bad_input case_bad_log case_secrets)
# The routing modes (chained after bridge, socket in the container): cases-modes.sh.
. "$here/cases-modes.sh"
suite_cases+=(case_modes_refused case_modes_chained case_modes_socket_in_container case_modes_gc)
. "$here/cases-wgquick.sh" && suite_cases+=(case_wgquick)
# podman 5's beside mode through the netavark plugin binary: cases-beside.sh.
. "$here/cases-beside.sh" && suite_cases+=(case_beside)
. "$here/cases-helper.sh" && suite_cases+=(case_helper_listen)
for c in "${suite_cases[@]}"; do
	echo "## $c"
	t=$SECONDS
	"$c"
	echo "## $c: $((SECONDS - t)) s"
done

echo "# time: $((SECONDS - start)) s"
wgt_summary
