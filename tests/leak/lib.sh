# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # variables shared with cases*.sh
# The leak suite's world on top of tests/lib (common.sh's host, srv, ctr, ctr2):
#
#                        wgt-ID-inet "internet": 198.51.100.1/24 (.53 a public resolver)
#                          | wgiID            2001:db8:100::1/64 (::53)
#   wgt-ID-srv ------- wgt-ID-host (the plugin runs here; routes between its legs)
#   WireGuard server     |    | wglID ---- wgt-ID-lan "LAN": 192.168.77.2/24 (.53 resolver)
#   192.0.2.2:51820      |    |                       fd77::2/64 (::53), TCP/UDP 53 listener
#                        |  bridge wglbID 10.99.0.1/24 fd99::1/64 (made by the bridge plugin)
#                        |    |
#   wgt-ID-ctr: standalone (only the tunnel) or chained (bridge eth0 + tunnel wg0)
#   wgt-ID-ctr2: a plain bridge container, the positive control for every leak
#
# Capture: sniff.py on every interface of host, inet, lan and srv logs each probe tag it
# sees. A tag seen on the server's WireGuard device (wgsID, in srv) went through the
# tunnel; a tag seen anywhere else is plaintext outside the tunnel.

LEAK_NS_INET=wgt-$WGT_ID-inet
LEAK_NS_LAN=wgt-$WGT_ID-lan
LEAK_INET_IF=wgi$WGT_ID
LEAK_LAN_IF=wgl$WGT_ID
LEAK_BRIDGE=wglb$WGT_ID
LEAK_TAG=lk$WGT_ID-
LEAK_PY=${LEAK_PY:-python3}
LEAK_SNIFF_PIDS=()
LEAK_BG_PIDS=()
LEAK_CTR_IP4=
LEAK_CTR_IP6=
# Probe destinations: LABEL=ADDRESS (used by cases.sh)
# shellcheck disable=SC2034
LEAK_DEST_INET=(inet4=198.51.100.1 inet6=2001:db8:100::1)
# shellcheck disable=SC2034
LEAK_DEST_LAN=(lan4=192.168.77.2 lan6=fd77::2)

# ------------------------------------------------------------------ topology

leak_link() { # NS-A IF-A NS-B IF-B ADDR-A4 ADDR-A6 ADDR-B4 ADDR-B6
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" || return 1
	ip -n "$1" addr add "$5" dev "$2" && ip -n "$1" addr add "$6" dev "$2" nodad &&
		ip -n "$3" addr add "$7" dev "$4" && ip -n "$3" addr add "$8" dev "$4" nodad &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

leak_topology_up() {
	local h=$WGT_NS_HOST ns
	wgt_topology_up || return 1
	wgt_ns_add "$LEAK_NS_INET" && wgt_ns_add "$LEAK_NS_LAN" || return 1
	leak_link "$h" "$LEAK_INET_IF" "$LEAK_NS_INET" eth0 198.51.100.254/24 2001:db8:100::fe/64 \
		198.51.100.1/24 2001:db8:100::1/64 || return 1
	leak_link "$h" "$LEAK_LAN_IF" "$LEAK_NS_LAN" eth0 192.168.77.1/24 fd77::1/64 \
		192.168.77.2/24 fd77::2/64 || return 1
	ip -n "$LEAK_NS_INET" addr add 198.51.100.53/24 dev eth0
	ip -n "$LEAK_NS_INET" addr add 2001:db8:100::53/64 dev eth0 nodad
	ip -n "$LEAK_NS_LAN" addr add 192.168.77.53/24 dev eth0
	ip -n "$LEAK_NS_LAN" addr add fd77::53/64 dev eth0 nodad
	ip -n "$h" route add default via 198.51.100.1
	ip -n "$h" -6 route add default via 2001:db8:100::1
	ip -n "$LEAK_NS_INET" route add default via 198.51.100.254
	ip -n "$LEAK_NS_INET" -6 route add default via 2001:db8:100::fe
	ip -n "$LEAK_NS_LAN" route add default via 192.168.77.1
	ip -n "$LEAK_NS_LAN" -6 route add default via fd77::1
	# The server answers the container's own leg (socketNamespace "container").
	ip -n "$WGT_NS_SRV" route add 10.99.0.0/16 via 192.0.2.1
	ip -n "$WGT_NS_SRV" -6 route add fd99::/16 via fd00:2::1
	ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	# No duplicate address detection on the interfaces the bridge plugin makes: probes
	# from a tentative IPv6 address would not leave at all, and prove nothing.
	for ns in "$h" "$WGT_NS_CTR" "$WGT_NS_CTR2"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 || return 1
	done
	leak_bg "$LEAK_NS_LAN" "$WGT_BUSYBOX" nc -ll -p 53 -e /bin/cat
	leak_bg "$LEAK_NS_LAN" "$WGT_BUSYBOX" nc -llu -p 53 -e /bin/cat
	mkdir -p "$WGT_DIR/probes" "$WGT_DIR/ipam"
	leak_sniff_start "$WGT_NS_HOST" host && leak_sniff_start "$LEAK_NS_INET" inet &&
		leak_sniff_start "$LEAK_NS_LAN" lan && leak_sniff_start "$WGT_NS_SRV" srv
}

leak_bg() { # NS CMD...: a process of ours in NS, stopped at the end
	ip netns exec "$1" "${@:2}" </dev/null >>"$WGT_DIR/bg.log" 2>&1 &
	LEAK_BG_PIDS+=($!)
}

leak_sniff_start() { # NS|- LABEL
	local log=$WGT_DIR/sniff.$2 i
	: >"$log"
	local -a in_ns=(ip netns exec "$1")
	[ "$1" = - ] && in_ns=() # "-": the namespace we run in
	"${in_ns[@]}" "$LEAK_PY" "$LEAK_HERE/sniff.py" "$LEAK_TAG" "$log" "$2" \
		</dev/null >>"$WGT_DIR/sniff.err" 2>&1 &
	LEAK_SNIFF_PIDS+=($!)
	for i in $(seq 50); do
		grep -q READY "$log" && return 0
		sleep 0.1
	done
	echo "sniffer in $1 did not start: $(cat "$WGT_DIR/sniff.err")" >&2
	return 1
}

leak_topology_down() {
	local pid
	for pid in "${LEAK_SNIFF_PIDS[@]}" "${LEAK_BG_PIDS[@]}"; do wgt_stop_pid "$pid"; done
	LEAK_SNIFF_PIDS=()
	LEAK_BG_PIDS=()
	wgt_topology_down
	ip netns del "$LEAK_NS_INET" 2>/dev/null
	ip netns del "$LEAK_NS_LAN" 2>/dev/null
	return 0
}

# ------------------------------------------------------------------ probes and counts

# leak_probe NS TAG [--dev IF] [--port N] [--protos LIST] LABEL=ADDR...: "sent" count on stdout.
leak_probe() {
	local ns=$1 tag=$LEAK_TAG$2 out
	shift 2
	out=$WGT_DIR/probes/$tag.out
	ip netns exec "$ns" timeout 20 "$LEAK_PY" "$LEAK_HERE/probe.py" send "$tag" "$@" >"$out" 2>&1
	leak_settle
	grep -c ' sent$' "$out"
}

# leak_py NS TAG-IN-$2 CMD ARGS...: another probe.py command; its output on stdout.
leak_py() {
	local ns=$1
	shift
	ip netns exec "$ns" timeout 30 "$LEAK_PY" "$LEAK_HERE/probe.py" "$@" 2>&1
}

# Captures are asynchronous: give the sniffers time to log what is in flight.
leak_settle() { sleep "${LEAK_SETTLE:-0.4}"; }

leak_sightings() { # TAG-SUFFIX: every sighting line of tags starting with it
	cat "$WGT_DIR"/sniff.* 2>/dev/null | awk -v p="$LEAK_TAG$1" 'index($4, p) == 1'
}

leak_outside() { # TAG-SUFFIX: distinct tags seen outside the tunnel
	leak_sightings "$1" | awk -v w="$WGT_SERVER_IF" '!($1 == "srv" && $2 == w) { print $4 }' | sort -u
}

leak_tunnel() { # TAG-SUFFIX: distinct tags seen on the server's WireGuard device
	leak_sightings "$1" | awk -v w="$WGT_SERVER_IF" '$1 == "srv" && $2 == w { print $4 }' | sort -u
}

leak_count() { "$@" | grep -c .; }

leak_where() { # TAG-SUFFIX: where they were seen, short
	leak_sightings "$1" | awk '{ print $1 ":" $2 ":" $4 }' | sort -u | head -n 6 | tr '\n' ' '
}

# assert_no_leak NAME TAG-SUFFIX: no probe of TAG seen in plaintext outside the tunnel.
assert_no_leak() {
	local n
	n=$(leak_count leak_outside "$2")
	if [ "$n" = 0 ]; then wgt_pass "$1: 0 plaintext probes outside the tunnel"
	else wgt_fail "$1: 0 plaintext probes outside the tunnel" 0 "$n: $(leak_where "$2")"; fi
}

# assert_tunnelled NAME TAG-SUFFIX SENT: every probe sent was seen inside the tunnel.
assert_tunnelled() {
	assert_eq "$1: probes seen through the tunnel (of $3 sent)" "$3" "$(leak_count leak_tunnel "$2")"
}

# assert_counted NAME TAG-SUFFIX EXPECTED: positive control, the probes were seen outside.
assert_counted() {
	assert_eq "$1: control probes counted outside the tunnel" "$3" "$(leak_count leak_outside "$2")"
}

# ------------------------------------------------------------------ networks

# The bridge plugin's network (podman's defaults: the gateway is the default route).
leak_bridge_conf() { # NAME BRIDGE SUBNET4-PREFIX SUBNET6-PREFIX [ROUTES-JSON]
	local routes=${5:-'[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]'}
	printf '{"cniVersion":"1.0.0","name":"%s","type":"bridge","bridge":"%s","isGateway":true,' "$1" "$2"
	printf '"ipMasq":false,"hairpinMode":true,"ipam":{"type":"host-local","dataDir":"%s",' "$WGT_DIR/ipam"
	printf '"routes":%s,"ranges":[[{"subnet":"%s.0/24","gateway":"%s.1"}],' "$routes" "$3" "$3"
	printf '[{"subnet":"%s::/64","gateway":"%s::1"}]]}}\n' "$4" "$4"
}

# leak_cni PLUGIN VERB CID NETNS IFNAME CONF-FILE: wgt_cni with another plugin binary.
leak_cni() {
	local plugin=$1
	shift
	if [ "$plugin" = wireguard ]; then
		wgt_cni "$@"
	else
		WGT_PLUGIN=/usr/lib/cni/$plugin wgt_cni "$@" CNI_PATH=/usr/lib/cni
	fi
}

# Plain bridge attachment: leak_bridge_add CID NS IFNAME NAME BRIDGE S4 S6 [ROUTES]; result in
# $WGT_DIR/bridge.CID.IFNAME.
leak_bridge_add() {
	local conf=$WGT_DIR/bridge.$1.$3.conf
	leak_bridge_conf "${@:4}" >"$conf"
	leak_cni bridge ADD "$1" "/run/netns/$2" "$3" "$conf"
	cp "$CNI_OUT" "$WGT_DIR/bridge.$1.$3"
	[ "$CNI_RC" = 0 ] || { echo "# bridge ADD $1 $3: $(cat "$CNI_OUT")"; return 1; }
}

leak_bridge_del() { # CID NS IFNAME
	local conf=$WGT_DIR/bridge.$1.$3.conf
	wgt_with_prev "$conf" "$WGT_DIR/bridge.$1.$3" >"$conf.del"
	leak_cni bridge DEL "$1" "/run/netns/$2" "$3" "$conf.del"
}

# The container's address on its bridge leg: leak_leg_addr NS IF 4|6
leak_leg_addr() {
	ip -n "$1" -"$3" -o addr show dev "$2" scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

# ------------------------------------------------------------------ the container under test

LEAK_N=0
LEAK_MODE=
LEAK_KS=on
LEAK_CID=
LEAK_TUN=
LEAK_LEG=
LEAK_GW4=10.99.0.1
LEAK_GW6=fd99::1

# leak_attach MODE on|off [FIELD=JSON]...: ADD ctr in MODE (standalone: the plugin alone;
# chained: bridge then the plugin with prevResult; fwmark: the same with socketNamespace
# "container"), kill switch on or off. Prints why and returns 1 when the ADD fails.
leak_attach() {
	local mode=$1 ks=$2 conf res
	shift 2
	LEAK_N=$((LEAK_N + 1))
	LEAK_MODE=$mode LEAK_KS=$ks LEAK_CID=wgt$WGT_ID-leak-$LEAK_N
	[ "$ks" = off ] && set -- killSwitch=false "$@"
	[ "$mode" = fwmark ] && set -- socketNamespace='"container"' "$@"
	conf=$WGT_DIR/wg.$LEAK_CID.conf
	wgt_conf "$@" >"$conf"
	if [ "$mode" = standalone ]; then
		LEAK_TUN=eth0 LEAK_LEG=
	else
		LEAK_TUN=wg0 LEAK_LEG=eth0
		leak_phase badd
		leak_bridge_add "$LEAK_CID" "$WGT_NS_CTR" eth0 "$WGT_NET" "$LEAK_BRIDGE" 10.99.0 fd99 ||
			{ LEAK_ATTACH_ERR="bridge ADD failed: $(head -c 300 "$CNI_OUT")"; return 1; }
		leak_phase bwin
		wgt_with_prev "$conf" "$WGT_DIR/bridge.$LEAK_CID.eth0" >"$conf.prev"
		conf=$conf.prev
	fi
	leak_phase wgstart
	[ -n "${LEAK_PHASE_FILE:-}" ] && leak_watch_table &
	wgt_cni ADD "$LEAK_CID" "/run/netns/$WGT_NS_CTR" eth0 "$conf"
	[ -n "${LEAK_PHASE_FILE:-}" ] && wait $!
	res=$WGT_DIR/wg.$LEAK_CID.result
	cp "$CNI_OUT" "$res"
	if [ "$CNI_RC" != 0 ]; then
		LEAK_ATTACH_ERR="$mode ADD exit $CNI_RC: $(head -c 400 "$CNI_OUT")"
		[ -n "$LEAK_LEG" ] && leak_bridge_del "$LEAK_CID" "$WGT_NS_CTR" eth0
		return 1
	fi
	LEAK_CTR_IP4=$(leak_leg_addr "$WGT_NS_CTR" eth0 4)
	LEAK_CTR_IP6=$(leak_leg_addr "$WGT_NS_CTR" eth0 6)
	[ "${LEAK_NO_WAIT:-0}" = 1 ] || leak_wait_handshake
}

# The first handshake (up to 5 s): probes sent before it would only be queued.
leak_wait_handshake() {
	local i
	ip netns exec "$WGT_NS_CTR" "$WGT_BUSYBOX" ping -c 1 -W 1 "$WGT_SERVER_V4" >/dev/null 2>&1 &
	for i in $(seq 50); do
		[ "$(wgt_server_handshake "$WGT_DIR/key1.pub")" -gt "${LEAK_HS_BEFORE:-0}" ] 2>/dev/null && break
		sleep 0.1
	done
	wait $! 2>/dev/null
	return 0
}

# DEL in the order a runtime uses: the plugin, then the bridge. DEL must succeed.
leak_detach() {
	local conf=$WGT_DIR/wg.$LEAK_CID.conf
	wgt_with_prev "$conf" "$WGT_DIR/wg.$LEAK_CID.result" >"$conf.del"
	leak_phase del
	wgt_cni DEL "$LEAK_CID" "/run/netns/$WGT_NS_CTR" eth0 "$conf.del"
	assert_rc "$LEAK_MODE: DEL $LEAK_CID" 0 "$CNI_RC"
	if [ -n "$LEAK_LEG" ]; then
		leak_phase bdel
		leak_bridge_del "$LEAK_CID" "$WGT_NS_CTR" eth0
		assert_rc "$LEAK_MODE: bridge DEL $LEAK_CID" 0 "$CNI_RC"
	fi
	LEAK_HS_BEFORE=$(wgt_server_handshake "$WGT_DIR/key1.pub")
}

# L13's stream tags its probes with the phase written here (LEAK_PHASE_FILE, LEAK_CYCLE).
leak_phase() {
	[ -n "${LEAK_PHASE_FILE:-}" ] && echo "${LEAK_CYCLE:-}$1" >"$LEAK_PHASE_FILE"
	return 0
}

# While ADD runs: phase "add" from the moment the kill switch table exists (up to 10 s).
leak_watch_table() {
	local i
	for i in $(seq 500); do
		ip netns exec "$WGT_NS_CTR" nft list table inet "wgcni-$LEAK_TUN" >/dev/null 2>&1 && break
		sleep 0.02
	done
	leak_phase add
}

# leak_require NAME MODE KS [FIELD=JSON]...: attach or one loud FAIL naming the mode.
leak_require() {
	local name=$1
	shift
	leak_attach "$@" && return 0
	wgt_fail "$name: mode $1 (killSwitch $2) must attach; these checks did not run" \
		"ADD exit 0" "$LEAK_ATTACH_ERR"
	return 1
}
