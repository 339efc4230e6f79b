# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The routing modes (docs/modes.md): chained after the reference bridge plugin,
# and socketNamespace "container". The container wgt-PID-chn gets eth0 from
# bridge (host-local IPAM), then the tunnel wg0 from this plugin:
#
#   wgt-PID-chn                    wgt-PID-host                    wgt-PID-srv
#   eth0 10.89.0.2/24 --veth-- wgtbrPID 10.89.0.1 (forwards) --- 192.0.2.2, route
#   wg0  10.64.0.4/32                                            10.89.0.0/24 via .1
#
# srv reaches the container's published port 10.89.0.2:8080 through host: the
# reply must go back by eth0 (the LAN-reply mark), while everything the
# container starts goes by the tunnel. Uses key3 and the server's third peer.

MODES_NS=wgt-$WGT_ID-chn
MODES_CTR=/run/netns/$MODES_NS
MODES_BR=wgtbr$WGT_ID
MODES_CID=wgt$WGT_ID-chained

modes_bridge_conf() {
	printf '{"cniVersion":"1.0.0","name":"%s","type":"bridge","bridge":"%s","isGateway":true,' \
		"$WGT_NET" "$MODES_BR"
	printf '"ipam":{"type":"host-local","dataDir":"%s/ipam","routes":[{"dst":"0.0.0.0/0"}],' "$WGT_DIR"
	printf '"ranges":[[{"subnet":"10.89.0.0/24","gateway":"10.89.0.1"}]]}}\n'
}

# modes_bridge COMMAND: the reference bridge plugin, run as wgt_cni runs ours.
modes_bridge() {
	local saved=$WGT_PLUGIN
	WGT_PLUGIN=/usr/lib/cni/bridge
	wgt_cni "$1" "$MODES_CID" "$MODES_CTR" eth0 "$WGT_DIR/bridge.json" CNI_PATH=/usr/lib/cni
	WGT_PLUGIN=$saved
}

# The VM guest has no reference plugins: say so instead of failing.
modes_can_run() {
	[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && return 0
	echo "# SKIP $1: no reference bridge/host-local plugin in /usr/lib/cni"
	return 1
}

modes_up() {
	wgt_ns_add "$MODES_NS" || return 1
	modes_bridge_conf >"$WGT_DIR/bridge.json"
	modes_bridge ADD
	[ "$CNI_RC" = 0 ] || { echo "# bridge ADD: $(cat "$CNI_OUT")"; return 1; }
	cp "$CNI_OUT" "$WGT_DIR/bridge.result"
	ip netns exec "$WGT_NS_HOST" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$WGT_NS_SRV" route replace 10.89.0.0/24 via 192.0.2.1
	wgt_server_peer "$WGT_DIR/key3.pub" 10.64.0.4/32,fc00:bbbb::4/128
}

modes_down() {
	modes_bridge DEL
	ip netns del "$MODES_NS" 2>/dev/null
	ip -n "$WGT_NS_SRV" route del 10.89.0.0/24 2>/dev/null
	return 0
}

# modes_conf FIELD=JSON...: key3's configuration, bridge's result as prevResult.
modes_conf() {
	wgt_conf privateKeyFile="\"$WGT_DIR/key3\"" address='["10.64.0.4/32","fc00:bbbb::4/128"]' \
		listenPort=51823 "$@" >"$WGT_DIR/modes-base.json"
	wgt_with_prev "$WGT_DIR/modes-base.json" "$WGT_DIR/bridge.result"
}

# Packets host forwards from the bridge to anywhere else: plaintext leaving the LAN leg.
modes_counter_up() {
	ip netns exec "$WGT_NS_HOST" nft -f - <<-EOF
	table inet wgtcount {
		chain forward { type filter hook forward priority -10; iifname "$MODES_BR" counter; }
	}
	EOF
}
modes_forwarded() {
	ip netns exec "$WGT_NS_HOST" nft list chain inet wgtcount forward |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

# A one-shot TCP service in the container on :8080 answering "published".
modes_listen() {
	ip netns exec "$MODES_NS" timeout 20 "$WGT_BUSYBOX" sh -c \
		'echo published | nc -l -p 8080' >/dev/null 2>&1 &
	MODES_LISTENER=$!
	sleep 0.3
}
modes_reach_published() { # -> what srv read from 10.89.0.2:8080
	ip netns exec "$WGT_NS_SRV" timeout 5 "$WGT_BUSYBOX" nc -w 3 10.89.0.2 8080 </dev/null 2>/dev/null
}

case_modes_chained() {
	local conf before out
	local n=case_modes_chained
	modes_can_run "$n" || return 0
	wgt_require "$n" "bridge + namespaces" modes_up || { modes_down; return; }
	modes_counter_up

	# Positive control: on the plain bridge network the container's traffic leaves by the LAN.
	before=$(modes_forwarded)
	wgt_tcp_send "$MODES_NS" 192.0.2.2 "modes-control-$WGT_ID" >/dev/null 2>&1
	assert_eq "control: plain bridge traffic is forwarded by host" yes \
		"$([ "$(modes_forwarded)" -gt "$before" ] && echo yes || echo "no ($before)")"

	conf=$(modes_conf allowedSubnets='["198.51.100.0/24"]' dnsRedirect=true \
		inboundPorts='[{"port":9000,"protocol":"tcp"}]' | wgt_file modes-chained.json)
	wgt_cni ADD "$MODES_CID" "$MODES_CTR" eth0 "$conf"
	cp "$CNI_OUT" "$WGT_DIR/modes-chained.result"
	assert_rc "$n: ADD" 0 "$CNI_RC"
	[ "$CNI_RC" = 0 ] || { echo "# $(cat "$CNI_OUT")"; modes_down; return; }

	out=$(wgt_json_flat "$CNI_OUT")
	assert_eq "$n: result keeps bridge's eth0" '"eth0"' "$(wgt_json_get "$CNI_OUT" '.interfaces[2].name')"
	assert_eq "$n: result adds wg0" '"wg0"' "$(wgt_json_get "$CNI_OUT" '.interfaces[3].name')"
	assert_eq "$n: result routes are the tunnel's only" \
		'"0.0.0.0/0" "::/0"' "$(printf '%s\n' "$out" | awk -F '\t' '$1 ~ /^\.routes\[[0-9]+\]\.dst$/ {print $2}' | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "$n: main IPv4 routes" \
		"default dev wg0 proto static scope link;10.89.0.0/24 dev eth0 proto kernel scope link src 10.89.0.2;198.51.100.0/24 via 10.89.0.1 dev eth0 proto static;" \
		"$(ip -n "$MODES_NS" -4 route show | sed 's/ *$//' | tr '\n' ';')"
	assert_eq "$n: LAN-reply table 5747" "default via 10.89.0.1 dev eth0 proto static" \
		"$(ip -n "$MODES_NS" -4 route show table 5747 | sed 's/ *$//')"
	assert_eq "$n: LAN-reply rule" "5747:	from all fwmark 0x57474e49 lookup 5747" \
		"$(ip -n "$MODES_NS" -4 rule show | grep '^5747:' | sed 's/ *$//')"
	assert_eq "$n: nft chains" "input output forward lan-replies dns-redirect mark-accepted" \
		"$(ip netns exec "$MODES_NS" nft list table inet wgcni-wg0 | awk '$1 == "chain" {print $2}' | tr '\n' ' ' | sed 's/ $//')"
	assert_match "$n: published ports marked" 'iifname "eth0" ip daddr 10.89.0.2 ct state new ct mark set 0x57474e49 accept' \
		"$(ip netns exec "$MODES_NS" nft list chain inet wgcni-wg0 input)"
	assert_match "$n: inbound port 9000" 'iifname "wg0" tcp dport 9000 accept' \
		"$(ip netns exec "$MODES_NS" nft list chain inet wgcni-wg0 input)"
	assert_match "$n: allowed subnet out of eth0" 'oifname "eth0" ip daddr 198.51.100.0/24 accept' \
		"$(ip netns exec "$MODES_NS" nft list chain inet wgcni-wg0 output)"
	assert_match "$n: DNS redirect" 'udp dport 53 dnat ip to 10.64.0.1' \
		"$(ip netns exec "$MODES_NS" nft list chain inet wgcni-wg0 dns-redirect)"
	assert_eq "$n: egress chain on eth0 (AF_PACKET)" \
		'type filter hook egress device "eth0" priority filter; policy drop;|meta protocol arp accept|meta mark & 0x20000000 == 0x20000000 accept|' \
		"$(ip netns exec "$MODES_NS" nft list chain netdev wgcni-wg0 egress-eth0 | sed -n 's/^\t\t//p' | tr '\n' '|')"

	wgt_with_prev "$WGT_DIR/modes-base.json" "$WGT_DIR/modes-chained.result" >"$WGT_DIR/modes-check.json"
	wgt_cni CHECK "$MODES_CID" "$MODES_CTR" eth0 "$WGT_DIR/modes-check.json"
	assert_rc "$n: CHECK" 0 "$CNI_RC"

	# Outbound: through the tunnel, and nothing more forwarded from the LAN leg.
	before=$(modes_forwarded)
	wgt_tcp_send "$MODES_NS" 192.0.2.2 "modes-tunnel-$WGT_ID" >/dev/null 2>&1
	assert_eq "$n: outbound reaches the server" yes \
		"$(until_true 3 payload_arrived "modes-tunnel-$WGT_ID" && echo yes || echo no)"
	assert_eq "$n: outbound not forwarded from the LAN leg" "$before" "$(modes_forwarded)"

	# A hard-coded resolver: the query reaches the configured one, through the tunnel.
	ip netns exec "$WGT_NS_SRV" nft -f - <<-EOF
	table inet wgtdns {
		chain input { type filter hook input priority -10; iifname "$WGT_SERVER_IF" ip daddr $WGT_SERVER_V4 udp dport 53 counter; }
	}
	EOF
	ip netns exec "$MODES_NS" timeout 3 bash -c "echo modes-dns-$WGT_ID >/dev/udp/203.0.113.53/53" 2>/dev/null
	assert_eq "$n: DNS to 203.0.113.53 arrives at the tunnel resolver" 1 \
		"$(ip netns exec "$WGT_NS_SRV" nft list table inet wgtdns | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')"
	ip netns exec "$WGT_NS_SRV" nft delete table inet wgtdns

	# Published port: srv's connection is answered by the LAN leg.
	modes_listen
	assert_eq "$n: published port answered via eth0" published "$(modes_reach_published)"
	wgt_stop_pid "$MODES_LISTENER"
	# Negative control: without the policy rule the reply takes the tunnel and never arrives.
	ip -n "$MODES_NS" rule del priority 5747
	wgt_cni CHECK "$MODES_CID" "$MODES_CTR" eth0 "$WGT_DIR/modes-check.json"
	wgt_cni_error
	assert_eq "$n: CHECK sees the rule gone" 100 "$CNI_CODE"
	assert_match "$n: CHECK names it" 'fwmark 0x57474e49 lookup 5747.* is missing' "$CNI_MSG"
	modes_listen
	assert_eq "$n: control: no answer without the LAN-reply rule" "" "$(modes_reach_published)"
	wgt_stop_pid "$MODES_LISTENER"
	ip -n "$MODES_NS" rule add priority 5747 fwmark 0x57474e49 lookup 5747
	ip -n "$MODES_NS" route add default via 10.89.0.1 dev eth0 metric 100
	wgt_cni CHECK "$MODES_CID" "$MODES_CTR" eth0 "$WGT_DIR/modes-check.json"
	wgt_cni_error
	assert_match "$n: CHECK sees a LAN default route back" 'eth0 has a default route in table main again' "$CNI_MSG"
	ip -n "$MODES_NS" route del default via 10.89.0.1 dev eth0 metric 100
	wgt_cni CHECK "$MODES_CID" "$MODES_CTR" eth0 "$WGT_DIR/modes-check.json"
	assert_rc "$n: CHECK after repair" 0 "$CNI_RC"
	ip netns exec "$MODES_NS" nft delete chain netdev wgcni-wg0 egress-eth0
	wgt_cni CHECK "$MODES_CID" "$MODES_CTR" eth0 "$WGT_DIR/modes-check.json"
	wgt_cni_error
	assert_match "$n: CHECK sees the egress chain gone" 'netdev wgcni-wg0: chain egress-eth0 is missing' "$CNI_MSG"
	ip netns exec "$MODES_NS" nft delete table netdev wgcni-wg0
	wgt_cni CHECK "$MODES_CID" "$MODES_CTR" eth0 "$WGT_DIR/modes-check.json"
	wgt_cni_error
	assert_match "$n: CHECK sees the egress table gone" 'kill switch table netdev wgcni-wg0 is missing' "$CNI_MSG"

	wgt_cni DEL "$MODES_CID" "$MODES_CTR" eth0 "$conf"
	assert_rc "$n: DEL" 0 "$CNI_RC"
	assert_eq "$n: DEL leaves eth0, no default route" \
		"10.89.0.0/24 dev eth0 proto kernel scope link src 10.89.0.2;" \
		"$(ip -n "$MODES_NS" -4 route show | sed 's/ *$//' | tr '\n' ';')"
	assert_eq "$n: DEL removes rule and table" "0:" \
		"$(ip -n "$MODES_NS" rule show | grep -c 5747):$(ip -n "$MODES_NS" route show table 5747 2>/dev/null)"
	assert_eq "$n: DEL removes wg0 and the table" "eth0 lo|" \
		"$(wgt_links "$MODES_NS" | tr '\n' ' ' | sed 's/ $//')|$(wgt_nft_tables "$MODES_NS")"
	ip netns exec "$WGT_NS_HOST" nft delete table inet wgtcount
	modes_down
}

case_modes_socket_in_container() {
	local conf pids hs
	local n=case_modes_socket_in_container
	modes_can_run "$n" || return 0
	wgt_require "$n" "bridge + namespaces" modes_up || { modes_down; return; }
	conf=$(modes_conf socketNamespace='"container"' | wgt_file modes-sock.json)
	wgt_cni ADD "$MODES_CID" "$MODES_CTR" eth0 "$conf"
	cp "$CNI_OUT" "$WGT_DIR/modes-sock.result"
	assert_rc "$n: ADD" 0 "$CNI_RC"
	[ "$CNI_RC" = 0 ] || { echo "# $(cat "$CNI_OUT")"; modes_down; return; }

	if [ "$WGT_BACKEND" = userspace ]; then
		pids=$(wgt_wggo_pids "$MODES_NS")
		assert_eq "$n: wireguard-go runs in the container" 1 "$(echo "$pids" | grep -c .)"
	fi
	assert_eq "$n: the socket is in the container, not the host" "1 0" \
		"$(wgt_udp_port_count "$MODES_NS" 51823 | awk '{print ($1 > 0)}') $(wgt_udp_port_count "$WGT_NS_HOST" 51823)"
	assert_eq "$n: IPv4 rules" "5747:	from all fwmark 0x57474e49 lookup 5747;5748:	from all lookup main suppress_prefixlength 0;5749:	not from all fwmark 0xca6c lookup 51820;" \
		"$(ip -n "$MODES_NS" -4 rule show | grep '^574[789]:' | sed 's/ *$//' | tr '\n' ';')"
	# No IPv6 on the LAN leg: no LAN-reply rule for IPv6, wg-quick's two all the same.
	assert_eq "$n: IPv6 rules" "5748 5749" \
		"$(ip -n "$MODES_NS" -6 rule show | grep -o '^574[789]' | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "$n: main keeps the LAN default for the socket" "default via 10.89.0.1 dev eth0" \
		"$(ip -n "$MODES_NS" -4 route show default | sed 's/ *$//')"
	assert_eq "$n: tunnel table" "default dev wg0 proto static scope link" \
		"$(ip -n "$MODES_NS" -4 route show table 51820 | sed 's/ *$//')"
	# "17" where nft has no /etc/protocols to name it (the VM guest).
	assert_match "$n: nft lets the marked socket out" 'meta mark 0x0000ca6c meta l4proto (udp|17) accept' \
		"$(ip netns exec "$MODES_NS" nft list chain inet wgcni-wg0 output)"
	wgt_tcp_send "$MODES_NS" "$WGT_SERVER_V4" "modes-sock-$WGT_ID" >/dev/null 2>&1
	assert_eq "$n: traffic through the tunnel" yes \
		"$(until_true 3 payload_arrived "modes-sock-$WGT_ID" && echo yes || echo no)"
	hs=$(wgt_server_handshake "$WGT_DIR/key3.pub")
	assert_eq "$n: handshake with the server" yes "$([ "${hs:-0}" -gt 0 ] && echo yes || echo no)"

	wgt_with_prev "$WGT_DIR/modes-base.json" "$WGT_DIR/modes-sock.result" >"$WGT_DIR/modes-check2.json"
	wgt_cni CHECK "$MODES_CID" "$MODES_CTR" eth0 "$WGT_DIR/modes-check2.json"
	assert_rc "$n: CHECK" 0 "$CNI_RC"
	ip -n "$MODES_NS" -6 rule del priority 5749
	wgt_cni CHECK "$MODES_CID" "$MODES_CTR" eth0 "$WGT_DIR/modes-check2.json"
	wgt_cni_error
	assert_match "$n: CHECK sees the IPv6 rule gone" 'IPv6: the rule .*not fwmark lookup 51820.* is missing' "$CNI_MSG"

	wgt_cni DEL "$MODES_CID" "$MODES_CTR" eth0 "$conf"
	assert_rc "$n: DEL" 0 "$CNI_RC"
	assert_eq "$n: DEL removes the rules" 0 "$(ip -n "$MODES_NS" rule show | grep -c '^574[789]:')"
	assert_eq "$n: DEL removes wg0 and the table" "eth0 lo|" \
		"$(wgt_links "$MODES_NS" | tr '\n' ' ' | sed 's/ $//')|$(wgt_nft_tables "$MODES_NS")"
	until_true 3 test -z "$(wgt_wggo_pids "$MODES_NS")"
	assert_eq "$n: wireguard-go gone" "" "$(wgt_wggo_pids "$MODES_NS")"
	modes_down
}

case_modes_refused() {
	local conf
	local n=case_modes_refused
	conf=$(wgt_conf socketNamespace='"container"' | wgt_file modes-bad1.json)
	wgt_cni ADD "wgt$WGT_ID-bad" "/run/netns/$WGT_NS_CTR" eth0 "$conf"
	wgt_cni_error
	assert_eq "$n: socketNamespace without prevResult" 7 "$CNI_CODE"
	assert_match "$n: message names the field" 'socketNamespace: .*container.* needs a previous plugin' "$CNI_MSG"
	conf=$(wgt_conf dnsRedirect=true dns=- | wgt_file modes-bad2.json)
	wgt_cni ADD "wgt$WGT_ID-bad" "/run/netns/$WGT_NS_CTR" eth0 "$conf"
	wgt_cni_error
	assert_match "$n: dnsRedirect without a resolver" 'dnsRedirect: needs a resolver' "$CNI_MSG"
	conf=$(wgt_conf inboundPorts='[{"port":80,"protocol":"sctp"}]' | wgt_file modes-bad3.json)
	wgt_cni ADD "wgt$WGT_ID-bad" "/run/netns/$WGT_NS_CTR" eth0 "$conf"
	wgt_cni_error
	assert_match "$n: inboundPorts protocol" 'inboundPorts\[0\]\.protocol: .*sctp.* is not one of tcp, udp' "$CNI_MSG"
	assert_eq "$n: nothing attached" "lo" "$(wgt_links "$WGT_NS_CTR" | tr '\n' ' ' | sed 's/ $//')"
}

# The other attachments of the network, as GC's valid-attachments: GC may remove only ours.
modes_valid_except() { # CID
	local f cid ifname sep=
	printf '['
	for f in "$WGT_STATE/attachments/$WGT_NET"/*; do
		[ -f "$f" ] || continue
		cid=$(sed -n 's/^container_id=//p' "$f")
		ifname=$(sed -n 's/^ifname=//p' "$f")
		[ "$cid" = "$1" ] && continue
		printf '%s{"containerID":"%s","ifname":"%s"}' "$sep" "$cid" "$ifname"
		sep=,
	done
	printf ']'
}

# GC of a chained attachment whose namespace still exists: the allowedSubnets routes go
# with the rule, table 5747, the tunnel and both nft tables; bridge's own route stays.
case_modes_gc() {
	local conf input addr subnets='["198.51.100.0/24","203.0.113.0/24"]'
	local n=case_modes_gc
	modes_can_run "$n" || return 0
	wgt_require "$n" "bridge + namespaces" modes_up || { modes_down; return; }
	conf=$(modes_conf allowedSubnets="$subnets" | wgt_file modes-gc.json)
	wgt_cni ADD "$MODES_CID" "$MODES_CTR" eth0 "$conf"
	assert_rc "$n: ADD" 0 "$CNI_RC"
	[ "$CNI_RC" = 0 ] || { echo "# $(cat "$CNI_OUT")"; modes_down; return; }
	# host-local hands out the next free address, not always .2.
	addr=$(ip -n "$MODES_NS" -4 -o addr show dev eth0 | awk '{ sub("/.*", "", $4); print $4 }')
	assert_eq "$n: main IPv4 routes before GC" \
		"default dev wg0 proto static scope link;10.89.0.0/24 dev eth0 proto kernel scope link src $addr;198.51.100.0/24 via 10.89.0.1 dev eth0 proto static;203.0.113.0/24 via 10.89.0.1 dev eth0 proto static;" \
		"$(ip -n "$MODES_NS" -4 route show | sed 's/ *$//' | tr '\n' ';')"
	assert_eq "$n: nft tables before GC" "table inet wgcni-wg0;table netdev wgcni-wg0;" \
		"$(wgt_nft_tables "$MODES_NS" | tr '\n' ';')"

	# The network's configuration, as runtimes pass it to GC (no prevResult).
	input=$(wgt_conf privateKeyFile="\"$WGT_DIR/key3\"" address='["10.64.0.4/32","fc00:bbbb::4/128"]' \
		listenPort=51823 allowedSubnets="$subnets" cniVersion='"1.1.0"' \
		cni.dev/valid-attachments="$(modes_valid_except "$MODES_CID")" | wgt_file modes-gc-input.json)
	wgt_cni GC "" "" "" "$input" -CNI_CONTAINERID -CNI_NETNS -CNI_IFNAME
	assert_rc "$n: GC" 0 "$CNI_RC"
	assert_eq "$n: main IPv4 routes after GC: bridge's subnet only" \
		"10.89.0.0/24 dev eth0 proto kernel scope link src $addr;" \
		"$(ip -n "$MODES_NS" -4 route show | sed 's/ *$//' | tr '\n' ';')"
	assert_eq "$n: GC removes rule and table 5747" "0:" \
		"$(ip -n "$MODES_NS" rule show | grep -c 5747):$(ip -n "$MODES_NS" route show table 5747 2>/dev/null)"
	assert_eq "$n: GC removes wg0, both nft tables and the record" "eth0 lo||absent" \
		"$(wgt_links "$MODES_NS" | tr '\n' ' ' | sed 's/ $//')|$(wgt_nft_tables "$MODES_NS")|$(test -e "$(wgt_state_file "$WGT_NET" "$MODES_CID" eth0)" && echo present || echo absent)"
	modes_down
}
