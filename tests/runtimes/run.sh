#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Suite "runtimes": the `wireguard` plugin run by the real CNI clients other than podman:
# cnitool (add/check/del, cases-cnitool.sh), containerd's ctr run --cni (cases-ctr.sh) and
# buildah run --network (cases-buildah.sh). Each attaches a busybox container (cnitool: a
# namespace) to a WireGuard server in a namespace of its own (tests/podman/server.sh), and
# the checks cover what the client sent and got, the container's view, bytes through the
# tunnel, the kill switch, and that the client's DEL leaves nothing behind. The plugin is
# reached through a wrapper that logs each call (verb, id, netns, result). Needs root;
# about a minute.
#
#   meson test -C build --suite runtimes
#   WGCNI_PLUGIN=build/wireguard bash tests/runtimes/run.sh
#
# Every check prints PASS or FAIL; the last line is "N passed, M failed". A client that
# cannot be installed or run here is a loud FAIL, never a skip.
set -u

# The suite runs in a mount namespace of its own (same PID: unshare execs): the helpers it
# starts are then not in the host's mount namespace, where other suites running meanwhile
# count "new" wireguard-go processes as theirs; and its mounts go with it whatever happens.
if [ -z "${WGT_RUNTIMES_UNSHARED:-}" ] && [ "$(id -u)" = 0 ]; then
	WGT_RUNTIMES_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=${WGCNI_SOURCE:-$(cd "$here/../.." && pwd)}
PLUGIN=${WGCNI_PLUGIN:-$source_dir/build/wireguard}
# shellcheck source=tests/podman/server.sh
. "$source_dir/tests/podman/server.sh"
# shellcheck source=tests/podman/lib.sh
. "$source_dir/tests/podman/lib.sh"
# shellcheck source=tests/runtimes/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/runtimes/cases-cnitool.sh
. "$here/cases-cnitool.sh"
# shellcheck source=tests/runtimes/cases-ctr.sh
. "$here/cases-ctr.sh"
# shellcheck source=tests/runtimes/cases-buildah.sh
. "$here/cases-buildah.sh"

NET=wgt$WGT_ID
ATTACHMENTS=/run/wgcni/attachments/$NET
RT_CLIENT_PID=                       # the ctr or buildah run in the background
started=$SECONDS

fatal() {
	printf '\nFATAL: %s\n' "$*" >&2
	echo "0 passed, 1 failed (suite runtimes could not run)"
	exit 1
}

# A client that cannot run here: said loudly, and a failure.
unavailable() {
	printf '\n!!!!! %s CANNOT RUN HERE: %s\n!!!!! its checks did not run: this is a FAILURE\n\n' "$1" "$2"
	fail "$1: client unavailable: $2"
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	trap - EXIT INT TERM
	[ -n "$WGT_DIR" ] && touch "$WGT_DIR/shared/stop" 2>/dev/null
	# A client still running (the suite was interrupted): its container now ends; then stop it.
	if [ -n "$RT_CLIENT_PID" ] && ! wgt_pid_gone "$RT_CLIENT_PID"; then
		sleep 2
		wgt_stop_pid "$RT_CLIENT_PID"
	fi
	containerd_stop
	buildah_cleanup
	rt_force_cleanup
	ip netns del "$CNI_NS" 2>/dev/null
	rm -f /var/lib/cni/results/"$NET"-*
	wgt_topology_stop
	return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- preconditions common to every client: an error when missing -----------------------------
[ "$(id -u)" = 0 ] || fatal "needs root (network namespaces, containerd, buildah)"
for tool in wireguard-go wg nft busybox ip nsenter unshare timeout jq sha512sum runc file; do
	command -v "$tool" >/dev/null || fatal "$tool is missing: run 'bash scripts/deps.sh --tests'"
done
[ -x "$PLUGIN" ] || fatal "plugin $PLUGIN is not built (set WGCNI_PLUGIN)"

wgt_workdir
wgt_keypair "$WGT_DIR" client
wgt_server_start "$(cat "$WGT_DIR/client.pub")" || fatal "cannot start the WireGuard server"
rt_layout || fatal "cannot write the network, the plugin wrapper or the busybox root filesystem"
echo "# runtimes suite: network $NET, server 127.0.0.1:$WGT_SRV_PORT, plugin $PLUGIN"

case_cnitool
case_ctr
case_buildah

echo "# elapsed: $((SECONDS - started)) s"
summary
