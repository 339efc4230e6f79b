#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `wgcni show` and `show --json` against a live kernel-backend attachment, in the guest
# (tests/vm/guest.sh runs it after the netns suite). The checks are the cli suite's
# case_show (tests/cli/cases-show.sh), run here with WGCNI_BACKEND=kernel: the device is
# read over generic netlink inside the container namespace instead of through a UAPI
# socket, and the UDP socket (listenPort) lives in the host namespace.
#
#   wgt-PID-host (plugin and wgcni run here)      wgt-PID-srv
#   +----------------------------------+          +------------------------------+
#   | wgthPID 192.0.2.1/24 ------------+-- veth --+ wgtsPID 192.0.2.2/24         |
#   |   UDP 51821 (kernel device's)    |          | wgsPID 10.64.0.1/24 UDP 51820|
#   +----------------------------------+          +------------------------------+
#   wgt-PID-ctr: eth0 10.64.0.2/32, a kernel WireGuard device made by the plugin
#
# Usage (root, in the guest): bash tests/vm/show.sh. Prints "N passed, M failed".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export WGCNI_BACKEND=kernel
cli=${WGCNI_CLI:-${WGCNI_BUILD:-build}/wgcni}

# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
# shellcheck source=tests/cli/cases-show.sh
. "$here/../cli/cases-show.sh"

cannot_run() {
	echo "!!! vm show CANNOT RUN: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

[ -x "$cli" ] || cannot_run "no wgcni binary at '$cli'"
[ -x "$WGT_PLUGIN" ] || cannot_run "no plugin binary at '$WGT_PLUGIN'"
WGCNI=$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	wgt_topology_down
	[ -n "$WGT_DIR" ] && rm -rf "$WGT_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wgcni as the plugin runs: in the host namespace.
wgcni() {
	ip netns exec "$WGT_NS_HOST" "$WGCNI" "$@"
}

echo "# vm show: wgcni $WGCNI, plugin $WGT_PLUGIN, backend $WGT_BACKEND, id $WGT_ID"
wgt_topology_up || cannot_run "building the topology (see above)"
case_show
wgt_summary
