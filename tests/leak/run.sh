#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Suite "leak": nothing of the container leaves outside the tunnel, in every mode
# (standalone, chained after bridge, socketNamespace "container"), for the cases L1-L16 of
# leak-cases.md; each negative check has a positive control (killSwitch false, or a plain
# bridge container) that must be counted. Topology: tests/leak/lib.sh. README.md: the cases.
#
# Usage (root): bash tests/leak/run.sh
#   WGCNI_PLUGIN   plugin binary (default $WGCNI_BUILD/wireguard)
#   LEAK_PARTS     parts to run (default "standalone chained fwmark podman")
#   WGT_VERBOSE=1  print every plugin call; WGT_KEEP=1 keep the work directory
# Prints PASS/FAIL lines and ends with "N passed, M failed"; exit 1 on any failure or
# when it cannot run.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

cannot_run() {
	echo "!!! suite leak CANNOT RUN: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" = 0 ] || cannot_run "needs root"
# The system interpreter: a version manager's shim costs seconds a probe.
LEAK_PY=${LEAK_PY:-$(command -v /usr/bin/python3 || command -v python3)}
export LEAK_PY
plugin=${WGCNI_PLUGIN:-${WGCNI_BUILD:-build}/wireguard}
[ -x "$plugin" ] || cannot_run "no plugin binary at '$plugin' (set WGCNI_PLUGIN or WGCNI_BUILD)"
for tool in ip wg nft awk timeout sysctl wireguard-go "$LEAK_PY" "${WGT_BUSYBOX:-busybox}"; do
	command -v "$tool" >/dev/null || cannot_run "missing tool: $tool"
done
for p in bridge host-local portmap; do
	[ -x "/usr/lib/cni/$p" ] || cannot_run "missing CNI plugin /usr/lib/cni/$p (containernetworking-plugins)"
done

# No private mount namespace (unlike the netns suite): podman's network namespaces must
# stay visible to every podman on the machine, or theirs would fail on our containers.
mkdir -p /run/wireguard

export WGCNI_PLUGIN=$plugin
WGCNI_BACKEND=userspace
LEAK_HERE=$here
WGCNI_SOURCE_DIR=${WGCNI_SOURCE:-$(cd "$here/../.." && pwd)}
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=tests/leak/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/leak/cases.sh
. "$here/cases.sh"
# shellcheck source=tests/leak/cases-stream.sh
. "$here/cases-stream.sh"
# shellcheck source=tests/leak/cases-podman.sh
. "$here/cases-podman.sh"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	podman_cleanup
	leak_topology_down
	[ -n "$WGT_DIR" ] && [ "${WGT_KEEP:-0}" != 1 ] && rm -rf "$WGT_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The cases that force a way out (routes, a second network, a deleted tunnel); run with the
# kill switch on they must count nothing, run with it off they are the positive control.
# shellcheck disable=SC2034 # read through namerefs in run_mode
forced_standalone=(L11 L15)
forced_chained=(L4_rogue L5_rogue L6_leg L16 L10 L11 L15 L8)
forced_fwmark=(L8)
cases_standalone=(L1 L3 L4 L5 L6_host L16 L10 L11 L15 L8)
cases_chained=(L1 L3 L4 L4_rogue L5 L5_rogue L6_host L6_leg L16 L10 L11 L15 L8)
cases_fwmark=(L1 L5 L8)
alone_standalone=(L2 L7 L13)
alone_chained=(L2 L7 L13)
alone_fwmark=(L2 L7)

timed() {
	local t=$SECONDS
	"$@"
	[ $((SECONDS - t)) -lt 5 ] || echo "# $*: $((SECONDS - t)) s"
}

run_mode() {
	local mode=$1 c t=$SECONDS
	local -n on="cases_$mode" off="forced_$mode" alone="alone_$mode"
	echo "## mode $mode"
	if leak_require "$mode cases ${on[*]}" "$mode" on; then
		for c in "${on[@]}"; do timed "$c"; done
		leak_detach
	fi
	if leak_require "$mode controls ${off[*]}" "$mode" off; then
		for c in "${off[@]}"; do timed "$c"; done
		leak_detach
	fi
	for c in "${alone[@]}"; do timed "$c" "$mode"; done
	echo "## mode $mode: $((SECONDS - t)) s"
}

start=$SECONDS
echo "# leak suite: plugin $WGT_PLUGIN, id $WGT_ID"
leak_topology_up || cannot_run "building the topology (see above; server: $(tail -c 300 "$WGT_DIR/server.log" 2>/dev/null))"
wgt_genkey key1
wgt_server_peer "$WGT_DIR/key1.pub" 10.64.0.2/32,fc00:bbbb::2/128 || cannot_run "server peer"
leak_bridge_add "wgt$WGT_ID-ctl" "$WGT_NS_CTR2" eth0 "$WGT_NET" "$LEAK_BRIDGE" 10.99.0 fd99 ||
	cannot_run "the plain bridge control container (bridge plugin)"

for part in ${LEAK_PARTS:-standalone chained fwmark podman}; do
	case $part in
	podman) podman_case ;;
	*) run_mode "$part" ;;
	esac
done

echo "# time: $((SECONDS - start)) s"
wgt_summary
