#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Suite "podman": rootful podman 4.3 (CNI backend) runs containers on a network served by
# the wgcni `wireguard` plugin, and the compose examples vpn-app and wg-server (a server
# network with clients from `wgcni peer add`, cases-server.sh). Topology: see server.sh
# and cases-server.sh. Needs root; about 80 s.
#
#   meson test -C build --suite podman
#   WGCNI_PLUGIN=build/wireguard bash tests/podman/run.sh
#
# Every check prints PASS or FAIL; the last line is "N passed, M failed".
# A machine where podman cannot run at all is an error (exit 1), never a pass.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=${WGCNI_SOURCE:-$(cd "$here/../.." && pwd)}
plugin=${WGCNI_PLUGIN:-$source_dir/build/wireguard}
build_dir=${WGCNI_BUILD:-$(dirname "$plugin")}
# shellcheck source=tests/podman/server.sh
. "$here/server.sh"
# shellcheck source=tests/podman/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/podman/cases-server.sh
. "$here/cases-server.sh"

NET=wgt$WGT_ID                       # the plugin's network
BRIDGE=wgt${WGT_ID}br                # a plain bridge network: the positive control
PROJECT=wgt$WGT_ID                   # podman-compose project
CONFLIST=/etc/cni/net.d/$NET.conflist
PLUGIN_DIR=$build_dir/cni-plugins
ATTACHMENTS=/run/wgcni/attachments/$NET
started=$SECONDS

fatal() {
	printf '\nFATAL: %s\n' "$*" >&2
	echo "0 passed, 1 failed (suite podman could not run)"
	exit 1
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local c
	trap - EXIT INT TERM
	for c in $(podman ps -aq --filter "name=^wgt$WGT_ID" 2>/dev/null) \
		 $(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" 2>/dev/null); do
		remove_container "$c"
	done
	reap_hung
	server_cleanup
	podman network exists "$BRIDGE" 2>/dev/null && podman network rm -f "$BRIDGE" >/dev/null 2>&1
	rm -f "$CONFLIST"
	rmdir "$ATTACHMENTS" 2>/dev/null
	wgt_topology_stop
	rm -f "$PLUGIN_DIR/wireguard"
	rmdir "$PLUGIN_DIR" 2>/dev/null
	# The bridge plugin turns on forwarding for its gateway; put back what we found.
	[ -n "${ip_forward_before:-}" ] && echo "$ip_forward_before" >/proc/sys/net/ipv4/ip_forward
	return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- preconditions: an error, not a failure, when missing ----------------------------------
[ "$(id -u)" = 0 ] || fatal "needs root (rootful podman, network namespaces)"
for tool in podman podman-compose runc wireguard-go wg nft busybox ip ss nsenter timeout jq; do
	command -v "$tool" >/dev/null || fatal "$tool is missing: run 'bash scripts/deps.sh --tests'"
done
[ -x "$plugin" ] || fatal "plugin $plugin is not built (set WGCNI_PLUGIN)"
[ -x "$build_dir/wgcni" ] || fatal "wgcni $build_dir/wgcni is not built (set WGCNI_BUILD)"
netns_before=$(ls /run/netns 2>/dev/null)

wgt_workdir
mkdir -p "$PLUGIN_DIR"
install -m 0755 "$plugin" "$PLUGIN_DIR/wireguard" || fatal "cannot install the plugin into $PLUGIN_DIR"
# A private containers.conf (podman reads only $CONTAINERS_CONF when it is set): the system
# configuration is left as it is, and podman-compose's podman inherits it.
export CONTAINERS_CONF=$WGT_DIR/containers.conf
bash "$source_dir/scripts/podman-setup.sh" "$PLUGIN_DIR" >"$WGT_DIR/setup.log" 2>&1 ||
	fatal "podman set-up failed: $(cat "$WGT_DIR/setup.log")"
podman_t 30 run --rm --network none localhost/bb true >"$WGT_DIR/smoke.log" 2>&1 ||
	fatal "podman cannot run a container here: $(cat "$WGT_DIR/smoke.log")"
ip_forward_before=$(cat /proc/sys/net/ipv4/ip_forward)

wgt_keypair "$WGT_DIR" client
wgt_server_start "$(cat "$WGT_DIR/client.pub")" || fatal "cannot start the WireGuard server"
wgt_lan_start || fatal "cannot build the LAN namespace"
wgt_conflist "$NET" "$WGT_DIR/client" >"$CONFLIST"
snapshot_before=$(host_wg_objects)

echo "# podman suite: network $NET, server 127.0.0.1:$WGT_SRV_PORT, plugin $plugin"

# --- the network exists for podman -----------------------------------------------------------
if podman network ls --format '{{.Name}}' 2>/dev/null | grep -qxF "$NET"; then
	pass "podman lists network $NET (the plugin answered VERSION for cniVersion 1.0.0)"
else
	fail "podman does not list network $NET: $(podman network ls 2>&1 | tail -3)"
	summary
fi

# --- one container does every probe; while it runs, its attachment record is read ------------
probe_script="$(probe_commands)"
out=$WGT_DIR/probe.out
lan_before=$(wgt_lan_packets)
# shellcheck disable=SC2046
podman_t 45 run --rm --name "wgt$WGT_ID-probe" --network "$NET" $(probe_env) localhost/bb \
	sh -c "$probe_script" >"$out" 2>"$WGT_DIR/probe.err" &
probe_pid=$!
record=$(wait_record "$ATTACHMENTS" "$probe_pid")
wait "$probe_pid"
probe_rc=$?
lan_after=$(wgt_lan_packets)
[ "$probe_rc" = 124 ] && fail "podman run hung (killed after 45 s)"
check_eq "podman run --network $NET exits 0" 0 "$probe_rc" "$(tail -3 "$WGT_DIR/probe.err")"

check_eq "page through the tunnel over IPv4 is the server's token" "$WGT_TOKEN" "$(section "$out" v4)"
check_eq "page through the tunnel over IPv6 is the server's token" "$WGT_TOKEN" "$(section "$out" v6)"
check_handshake
check_eq "container links are exactly lo and eth0" "$(printf 'eth0\nlo')" "$(section "$out" link)"
check_eq "container addresses (all but IPv6 link-local)" "$(printf '%s\n' \
	"eth0 inet $WGT_CLIENT_V4/32" "eth0 inet6 $WGT_CLIENT_V6/128" \
	"lo inet 127.0.0.1/8" "lo inet6 ::1/128")" "$(section "$out" addr | grep -v ' inet6 fe80:')"
check_eq "eth0 has no IPv6 link-local address" "" "$(section "$out" addr | grep ' inet6 fe80:')"
check_eq "container IPv4 routes" "default dev eth0" "$(section "$out" route4)"
check_eq "container IPv6 routes" "$(printf '%s\n' "default dev eth0" "$WGT_CLIENT_V6 dev eth0")" \
	"$(section "$out" route6 | grep -v '^fe80::/64 ')"
check_eq "first nameserver in resolv.conf is the network's" "nameserver $WGT_SRV_V4" "$(section "$out" dns)"
check_eq "tunnelled container gets nothing from the LAN (IPv4, IPv6)" "" "$(section "$out" lan)"
check_eq "LAN namespace counted zero packets from it (IPv4 IPv6 delta)" "0 0" \
	"$(delta "$lan_before" "$lan_after")"

check_gone_after "podman run --rm" "$record"
check_eq "no attachment record left in $ATTACHMENTS" "" "$(ls -A "$ATTACHMENTS" 2>/dev/null)"

# --- positive controls: the LAN and its counters do work -------------------------------------
lan_before=$(wgt_lan_packets)
got=$(printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 3 "$WGT_LAN_V6" "$WGT_LAN_PORT" | tail -n 1)
lan_after=$(wgt_lan_packets)
check_eq "control: the host fetches the LAN page over IPv6" "lan-$WGT_ID" "$got"
check_positive "control: the LAN counted those IPv6 packets" \
	"$(delta "$lan_before" "$lan_after" | cut -d' ' -f2)"
if podman_t 30 network create "$BRIDGE" >"$WGT_DIR/bridge.log" 2>&1; then
	lan_before=$(wgt_lan_packets)
	# shellcheck disable=SC2046
	got=$(podman_t 30 run --rm --name "wgt$WGT_ID-bridge" --network "$BRIDGE" $(probe_env) \
		localhost/bb sh -c "$(lan_fetch)" 2>>"$WGT_DIR/bridge.log")
	lan_after=$(wgt_lan_packets)
	check_eq "control: a bridge-network container fetches the LAN page" "lan-$WGT_ID" "$got"
	check_positive "control: the LAN counted its IPv4 packets" \
		"$(delta "$lan_before" "$lan_after" | cut -d' ' -f1)"
else
	fail "control: podman network create $BRIDGE: $(tail -2 "$WGT_DIR/bridge.log")"
fi

# --- a detached container, then podman rm -f -------------------------------------------------
id=$(podman_t 30 run -d --name "wgt$WGT_ID-detached" --network "$NET" localhost/bb \
	sleep 300 2>"$WGT_DIR/detached.err")
check_eq "podman run -d --network $NET starts" 0 "$?" "$(tail -2 "$WGT_DIR/detached.err")"
record=$ATTACHMENTS/$id.eth0
check_eq "attachment record $NET/<id>.eth0 exists while it runs" yes \
	"$([ -n "$id" ] && [ -f "$record" ] && echo yes || echo no)"
record_copy=$WGT_DIR/detached.record
cp "$record" "$record_copy" 2>/dev/null
check_running "$record_copy"
sandbox=$(podman inspect -f '{{.NetworkSettings.SandboxKey}}' "$id" 2>/dev/null)
check_eq "kill switch: table inet wgcni-eth0 is loaded in the container" yes \
	"$(nsenter --net="$sandbox" nft list table inet wgcni-eth0 >/dev/null 2>&1 && echo yes || echo no)"
podman_t 30 rm -f -t 0 "$id" >/dev/null 2>&1
check_gone_after "podman rm -f" "$record_copy"
check_eq "no attachment record left in $ATTACHMENTS" "" "$(ls -A "$ATTACHMENTS" 2>/dev/null)"

# --- podman-compose, the example of examples/compose/vpn-app ----------------------------------
check_compose "$source_dir/examples/compose/vpn-app/compose.yaml"

# --- podman-compose, examples/compose/wg-server: clients added with wgcni peer add ------------
check_server_example

# --- nothing of ours is left on the host ------------------------------------------------------
# Only new ones count: other suites running meanwhile may end tunnels that were there before.
check_eq "no new wgc* link, UAPI socket or wireguard-go since the suite started" "" \
	"$(comm -13 <(echo "$snapshot_before") <(host_wg_objects))"
check_eq "no CNI result cached by podman for $NET" "" \
	"$(find /var/lib/cni/results -maxdepth 1 -name "$NET-*" -printf "%f\n" 2>/dev/null)"
check_eq "no container of this suite left" "" \
	"$(podman ps -aq --filter "name=^wgt$WGT_ID"; podman ps -aq --filter "label=io.podman.compose.project=$PROJECT")"
echo "# elapsed: $((SECONDS - started)) s"
summary
