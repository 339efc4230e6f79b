# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Namespaces, the WireGuard server peer, the TCP sink, residue checks and
# cleanup, for the topology drawn in common.sh. Sourced by common.sh.

wgt_ns_add() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
}

# host <-veth-> srv; the server's WireGuard device and TCP sink in srv.
wgt_topology_up() {
	wgt_workdir
	wgt_ns_add "$WGT_NS_HOST" || return 1
	wgt_ns_add "$WGT_NS_SRV" || return 1
	wgt_ns_add "$WGT_NS_CTR" || return 1
	wgt_ns_add "$WGT_NS_CTR2" || return 1
	ip -n "$WGT_NS_HOST" link add "$WGT_VETH_HOST" type veth peer name "$WGT_VETH_SRV" \
		netns "$WGT_NS_SRV" || return 1
	ip -n "$WGT_NS_HOST" addr add 192.0.2.1/24 dev "$WGT_VETH_HOST"
	ip -n "$WGT_NS_HOST" addr add fd00:2::1/64 dev "$WGT_VETH_HOST" nodad
	ip -n "$WGT_NS_SRV" addr add 192.0.2.2/24 dev "$WGT_VETH_SRV"
	ip -n "$WGT_NS_SRV" addr add fd00:2::2/64 dev "$WGT_VETH_SRV" nodad
	ip -n "$WGT_NS_HOST" link set "$WGT_VETH_HOST" up
	ip -n "$WGT_NS_SRV" link set "$WGT_VETH_SRV" up
	wgt_server_start || return 1
	wgt_sink_start
}

wgt_srv_wg() {
	ip netns exec "$WGT_NS_SRV" wg "$@"
}

# The server: key srvkey, listening on 51820 in srv, peers added by wgt_server_peer.
wgt_server_start() {
	local i
	wgt_genkey srvkey
	if [ "$WGT_BACKEND" = kernel ]; then
		ip -n "$WGT_NS_SRV" link add "$WGT_SERVER_IF" type wireguard || return 1
	else
		# Foreground: the only value that does not make wireguard-go re-exec itself.
		ip netns exec "$WGT_NS_SRV" env WG_PROCESS_FOREGROUND=1 wireguard-go "$WGT_SERVER_IF" \
			</dev/null >"$WGT_DIR/server.log" 2>&1 &
		WGT_SERVER_PID=$!
		for i in $(seq 50); do
			[ -S "$WGT_WG_RUN/$WGT_SERVER_IF.sock" ] && break
			sleep 0.1
		done
		[ -S "$WGT_WG_RUN/$WGT_SERVER_IF.sock" ] ||
			{ echo "wireguard-go $WGT_SERVER_IF did not start in $WGT_NS_SRV" >&2; return 1; }
	fi
	wgt_srv_wg set "$WGT_SERVER_IF" listen-port "$WGT_SERVER_PORT" private-key "$WGT_DIR/srvkey" || return 1
	ip -n "$WGT_NS_SRV" link set "$WGT_SERVER_IF" mtu 1420
	ip -n "$WGT_NS_SRV" addr add "$WGT_SERVER_V4/24" dev "$WGT_SERVER_IF"
	ip -n "$WGT_NS_SRV" addr add "$WGT_SERVER_V6/64" dev "$WGT_SERVER_IF" nodad
	ip -n "$WGT_NS_SRV" link set "$WGT_SERVER_IF" up
}

# wgt_server_peer PUBKEY-FILE ALLOWED-IPS
wgt_server_peer() {
	wgt_srv_wg set "$WGT_SERVER_IF" peer "$(cat "$1")" allowed-ips "$2"
}

# "rx tx" bytes of the server's peer PUBKEY-FILE.
wgt_server_transfer() {
	wgt_srv_wg show "$WGT_SERVER_IF" transfer | awk -v k="$(cat "$1")" '$1 == k { print $2, $3 }'
}

wgt_server_handshake() {
	wgt_srv_wg show "$WGT_SERVER_IF" latest-handshakes | awk -v k="$(cat "$1")" '$1 == k { print $2 }'
}

# A TCP sink on :8000 in srv appending every connection's bytes to DIR/received.
wgt_sink_start() {
	local i
	: >"$WGT_DIR/received"
	printf '#!/bin/sh\nexec cat >>%s\n' "$WGT_DIR/received" >"$WGT_DIR/sink.sh"
	chmod 755 "$WGT_DIR/sink.sh"
	ip netns exec "$WGT_NS_SRV" "$WGT_BUSYBOX" nc -ll -p "$WGT_SINK_PORT" -e "$WGT_DIR/sink.sh" \
		</dev/null >"$WGT_DIR/sink.log" 2>&1 &
	WGT_SINK_PID=$!
	for i in $(seq 50); do
		ip netns exec "$WGT_NS_SRV" cat /proc/net/tcp /proc/net/tcp6 |
			awk -v p="$(printf ':%04X' "$WGT_SINK_PORT")" '$2 ~ p"$" && $4 == "0A" {f=1} END {exit !f}' && return 0
		sleep 0.1
	done
	echo "TCP sink in $WGT_NS_SRV did not start" >&2
	return 1
}

# wgt_tcp_send NS ADDRESS PAYLOAD: send one line to the sink; rc of nc.
wgt_tcp_send() {
	printf '%s\n' "$3" | ip netns exec "$1" timeout 10 "$WGT_BUSYBOX" nc -w 5 "$2" "$WGT_SINK_PORT"
}

# UDP sockets bound to PORT in NS (IPv4 and IPv6), from /proc/net/udp{,6}: a count.
wgt_udp_port_count() {
	ip netns exec "$1" cat /proc/net/udp /proc/net/udp6 |
		awk -v p="$(printf ':%04X' "$2")" '$2 ~ p"$" { n++ } END { print n + 0 }'
}

# All UDP sockets in NS: a count.
wgt_udp_count() {
	ip netns exec "$1" cat /proc/net/udp /proc/net/udp6 | awk '$1 ~ /^[0-9]+:$/ { n++ } END { print n + 0 }'
}

wgt_links() { # NS: interface names, one a line, sorted
	ip -n "$1" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
}

wgt_nft_tables() { # NS
	ip netns exec "$1" nft list tables 2>/dev/null | sort
}

# Everything an attachment could leave behind, for NS (the container) and key
# claims of the key files named, as text to compare before and after.
wgt_residue() {
	local ns=$1 k
	shift
	echo "host links: $(wgt_links "$WGT_NS_HOST" | tr '\n' ' ')"
	echo "wireguard-go in host: $(wgt_wggo_pids "$WGT_NS_HOST" | tr '\n' ' ')"
	echo "uapi sockets: $(ls "$WGT_WG_RUN" 2>/dev/null | tr '\n' ' ')"
	echo "links in $ns: $(wgt_links "$ns" | tr '\n' ' ')"
	echo "nft in $ns: $(wgt_nft_tables "$ns" | tr '\n' ' ')"
	echo "state: $(ls "$WGT_STATE/attachments/$WGT_NET" 2>/dev/null | tr '\n' ' ')"
	[ -d "$WGT_STATE/attachments/$WGT_NET" ] && echo "state directory of $WGT_NET exists"
	for k in "$@"; do
		echo "claim $k: $(cat "$WGT_STATE/keys/$(cat "$WGT_DIR/$k.hex")" 2>/dev/null | tr '\n' ' ')"
	done
}

# wgt_residue_snapshot NS KEY...; then wgt_assert_no_residue NAME compares.
wgt_residue_snapshot() {
	WGT_RESIDUE_ARGS=("$@")
	wgt_residue "$@" >"$WGT_DIR/residue.before"
}

wgt_assert_no_residue() {
	local before after
	before=$(cat "$WGT_DIR/residue.before")
	after=$(wgt_residue "${WGT_RESIDUE_ARGS[@]}")
	if [ "$before" = "$after" ]; then
		wgt_pass "$1: nothing left behind"
	else
		wgt_fail "$1: nothing left behind" "unchanged" \
			"$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ';')"
	fi
}

# Undo whatever the plugin left for our network: DEL each record, then force.
wgt_cleanup_attachments() {
	local f base pid
	for f in "$WGT_STATE/attachments/$WGT_NET"/*; do
		[ -e "$f" ] || continue
		base=${f##*/}
		printf '%s\n' "$(wgt_conf)" >"$WGT_DIR/cleanup.json"
		wgt_cni DEL "${base%.*}" "$(wgt_state_get "$f" netns)" "${base##*.}" "$WGT_DIR/cleanup.json"
	done
	for pid in $(wgt_wggo_pids "$WGT_NS_HOST"); do
		wgt_stop_pid "$pid"
	done
	rm -rf "${WGT_STATE:?}/attachments/$WGT_NET"
	for f in "$WGT_DIR"/*.hex; do
		[ -e "$f" ] && rm -f "$WGT_STATE/keys/$(cat "$f")"
	done
}

wgt_topology_down() {
	local ns
	[ -n "$WGT_DIR" ] && [ -d "$WGT_DIR" ] && wgt_cleanup_attachments
	wgt_stop_pid "$WGT_SINK_PID"
	wgt_stop_pid "$WGT_SERVER_PID"
	WGT_SINK_PID=
	WGT_SERVER_PID=
	rm -f "$WGT_WG_RUN/$WGT_SERVER_IF.sock"
	for ns in "$WGT_NS_CTR" "$WGT_NS_CTR2" "$WGT_NS_SRV" "$WGT_NS_HOST"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}
