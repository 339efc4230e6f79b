#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The podman5 checks, run by run.sh inside the Debian 13 root and private namespaces.
# Topology (server, LAN, addresses): tests/podman/server.sh. Plugin: /src/netavark.
set -u

source_dir=/src
# One build directory per source tree: ninja judges by mtimes, and another tree (a CI clone)
# built here last would look newer than this one's sources.
build_dir=/var/cache/wgcni-build/${WGCNI_SOURCE_ID:-default}
PLUGIN_DIR=/run/wgt-netavark
started=$SECONDS
# shellcheck source=tests/podman/server.sh
. "$source_dir/tests/podman/server.sh"
# shellcheck source=tests/podman/lib.sh
. "$source_dir/tests/podman/lib.sh"
# shellcheck source=tests/podman5/lib.sh
. "$source_dir/tests/podman5/lib.sh"

NET=wgt$WGT_ID
PROJECT=wgt$WGT_ID
ATTACHMENTS=/run/wgcni/attachments/$NET
CONFIG=/etc/wgcni-test/$NET.json

fatal() {
	printf '\nFATAL: %s\n' "$*" >&2
	echo "0 passed, 1 failed (suite podman5 could not run)"
	exit 1
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	trap - EXIT INT TERM
	podman ps -aq 2>/dev/null | xargs -r podman rm -f -t 0 >/dev/null 2>&1
	podman network ls -q --filter driver=wireguard 2>/dev/null | xargs -r podman network rm -f >/dev/null 2>&1
	wgt_topology_stop
	rm -rf /etc/wgcni-test
	return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "# building wgcni in the Debian 13 root ($build_dir)"
if [ ! -f "$build_dir/build.ninja" ]; then
	meson setup "$build_dir" "$source_dir" -Dtests=disabled >/tmp/meson.log 2>&1 ||
		fatal "meson setup: $(tail -5 /tmp/meson.log)"
fi
ninja -C "$build_dir" netavark/wireguard wgcni >/tmp/ninja.log 2>&1 || fatal "build: $(tail -20 /tmp/ninja.log)"
mkdir -p "$PLUGIN_DIR" /run/wgcni
install -m 0755 "$build_dir/netavark/wireguard" "$PLUGIN_DIR/wireguard"
p5_podman_setup || fatal "podman set-up failed"
podman_t 60 run --rm --network none localhost/bb true >/tmp/smoke.log 2>&1 ||
	fatal "podman cannot run a container here: $(cat /tmp/smoke.log)"
echo "# $(podman --version), $(/usr/lib/podman/netavark --version 2>/dev/null), elapsed $((SECONDS - started)) s"

wgt_workdir
wgt_keypair "$WGT_DIR" client
wgt_server_start "$(cat "$WGT_DIR/client.pub")" || fatal "cannot start the WireGuard server"
wgt_lan_start || fatal "cannot build the LAN namespace"
mkdir -p /etc/wgcni-test
wgt_conflist "$NET" "$WGT_DIR/client" >"$CONFIG"
snapshot_before=$(p5_residue)

. "$source_dir/tests/podman5/cases-create.sh"
. "$source_dir/tests/podman5/cases-run.sh"
. "$source_dir/tests/podman5/cases-bridge.sh"
. "$source_dir/tests/podman5/cases-egress.sh"
. "$source_dir/tests/podman5/cases-fail.sh"
. "$source_dir/tests/podman5/cases-wgquick.sh"
. "$source_dir/tests/podman5/cases-import.sh"

check_eq "no wgc* link, UAPI socket, wireguard-go, nft table or netns left by the suite" \
	"$snapshot_before" "$(p5_residue)"
echo "# elapsed: $((SECONDS - started)) s"
summary
