# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The leak cases, L-numbers of leak-cases.md. Each runs against the attachment leak_attach
# made (LEAK_MODE, LEAK_KS): with the kill switch on a probe must never be seen outside the
# tunnel; with it off (LEAK_KS=off) the cases that force a path out are the positive
# control and their probes must be counted. ctr2, a plain bridge container, sends the same
# probes as a second control.

LEAK_T=0
T=
SENT=0

leak_newtag() {
	LEAK_T=$((LEAK_T + 1))
	printf '%s.%s.%s.%s' "$LEAK_MODE" "$1" "$LEAK_KS" "$LEAK_T"
}

# lp SUBTAG PROBE-ARGS...: probes from ctr under tag $T.SUBTAG; SENT accumulates.
lp() {
	local sub=$1 n
	shift
	n=$(leak_probe "$WGT_NS_CTR" "$T.$sub" "$@")
	SENT=$((SENT + n))
}

# leak_verdict NAME TUNNELLED EXPECTED: kill switch on: nothing outside the tunnel and
# TUNNELLED (a number, or "-" when not asserted) through it; off: EXPECTED counted outside.
leak_verdict() {
	if [ "$LEAK_KS" = on ]; then
		assert_no_leak "$LEAK_MODE $1" "$T."
		[ "$2" = - ] || assert_eq "$LEAK_MODE $1: probes seen through the tunnel" "$2" \
			"$(leak_count leak_tunnel "$T.")"
	else
		assert_counted "$LEAK_MODE $1 [killSwitch false]" "$T." "$3"
	fi
}

# leak_control NAME EXPECTED PROBE-ARGS...: the same probes from the plain bridge container.
leak_control() {
	local name=$1 expected=$2 tag
	shift 2
	[ "$LEAK_KS" = on ] || return 0
	LEAK_T=$((LEAK_T + 1))
	tag=ctl.$LEAK_MODE.$LEAK_T
	leak_probe "$WGT_NS_CTR2" "$tag" "$@" >/dev/null
	assert_counted "$LEAK_MODE $name: plain bridge container" "$tag." "$expected"
}

leak_ip() { ip -n "$WGT_NS_CTR" "$@"; }

L1() {
	T=$(leak_newtag L1) SENT=0
	lp a "${LEAK_DEST_INET[@]}"
	leak_verdict "L1 connected: TCP/UDP/ICMP v4+v6 to the internet" 6 6
	leak_control "L1" 6 "${LEAK_DEST_INET[@]}"
}

# The tunnel carries IPv4 only: IPv6 is dropped, never sent by another way; RAs ignored.
L2() {
	local peer sysctls k
	peer=$(wgt_peer_json)
	peer=${peer/,\"::\/0\"/}
	leak_require "L2" "$1" on address='["10.64.0.2/32"]' peers="[$peer]" || return 0
	T=$(leak_newtag L2) SENT=0
	lp a inet6=2001:db8:100::1 lan6=fd77::2 srv6=fd00:2::2
	leak_verdict "L2 IPv4-only tunnel: IPv6 probes" 0 -
	sysctls="net.ipv6.conf.all.accept_ra net.ipv6.conf.default.accept_ra"
	[ -n "$LEAK_LEG" ] && sysctls+=" net.ipv6.conf.$LEAK_LEG.accept_ra"
	for k in $sysctls; do
		assert_eq "$LEAK_MODE L2: $k in the container" 0 "$(ip netns exec "$WGT_NS_CTR" sysctl -n "$k")"
	done
	leak_detach
	leak_control "L2" 9 inet6=2001:db8:100::1 lan6=fd77::2 srv6=fd00:2::2
}

L3() {
	local dests=(pub4=198.51.100.53 pub6=2001:db8:100::53 lanres4=192.168.77.53 lanres6=fd77::53)
	T=$(leak_newtag L3) SENT=0
	lp a --port 53 --protos tcp,udp dns="$WGT_SERVER_V4" "${dests[@]}"
	leak_verdict "L3 DNS (TCP, UDP 53) to the configured, a public and a LAN resolver" 10 10
	leak_control "L3" 8 --port 53 --protos tcp,udp "${dests[@]}"
}

L4() {
	local dests=(lan4=192.168.77.2 lan6=fd77::2 rfc10=10.200.0.1 rfc172=172.16.0.1 rfc192=192.168.1.1)
	T=$(leak_newtag L4) SENT=0
	lp a "${dests[@]}"
	leak_verdict "L4 LocalNet: the host LAN and RFC 1918 ranges" 15 -
	leak_control "L4" 15 "${dests[@]}"
}

# A rogue network calls a public range local: a route for it on the LAN leg.
L4_rogue() {
	T=$(leak_newtag L4r) SENT=0
	leak_ip route add 198.51.100.0/24 via "$LEAK_GW4" dev "$LEAK_LEG"
	leak_ip -6 route add 2001:db8:100::/64 via "$LEAK_GW6" dev "$LEAK_LEG"
	lp a "${LEAK_DEST_INET[@]}"
	leak_ip route del 198.51.100.0/24
	leak_ip -6 route del 2001:db8:100::/64
	leak_verdict "L4 LocalNet: a public range routed on the LAN leg" - 6
}

L5() {
	T=$(leak_newtag L5) SENT=0
	lp wgport --port "$WGT_SERVER_PORT" --protos udp srv4=192.0.2.2 srv6=fd00:2::2
	lp other srv4=192.0.2.2 srv6=fd00:2::2
	leak_verdict "L5 ServerIP: the endpoint's address, WireGuard port and others" 8 8
	leak_control "L5" 6 srv4=192.0.2.2 srv6=fd00:2::2
}

# The endpoint given a route of its own on the LAN leg (what a VPN client adds on a host).
L5_rogue() {
	T=$(leak_newtag L5r) SENT=0
	leak_ip route add 192.0.2.2/32 via "$LEAK_GW4" dev "$LEAK_LEG"
	leak_ip -6 route add fd00:2::2/128 via "$LEAK_GW6" dev "$LEAK_LEG"
	lp other srv4=192.0.2.2 srv6=fd00:2::2
	leak_ip route del 192.0.2.2/32
	leak_ip -6 route del fd00:2::2/128
	leak_verdict "L5 ServerIP: the endpoint routed on the LAN leg" - 6
}

# TunnelVision: 0/1 + 128/1 pairs pushed to the host (DHCP option 121 style).
L6_host() {
	local h=$WGT_NS_HOST
	T=$(leak_newtag L6h) SENT=0
	ip -n "$h" route add 0.0.0.0/1 via 198.51.100.1 && ip -n "$h" route add 128.0.0.0/1 via 198.51.100.1
	ip -n "$h" -6 route add ::/1 via 2001:db8:100::1 && ip -n "$h" -6 route add 8000::/1 via 2001:db8:100::1
	lp a "${LEAK_DEST_INET[@]}"
	ip -n "$h" route del 0.0.0.0/1 && ip -n "$h" route del 128.0.0.0/1
	ip -n "$h" -6 route del ::/1 && ip -n "$h" -6 route del 8000::/1
	leak_verdict "L6 TunnelVision: 0/1+128/1 and ::/1+8000::/1 on the host" 6 -
}

# TunnelVision inside the container: the pair on the LAN leg, as DHCP on it would push.
L6_leg() {
	T=$(leak_newtag L6) SENT=0
	leak_ip route add 0.0.0.0/1 via "$LEAK_GW4" dev "$LEAK_LEG"
	leak_ip route add 128.0.0.0/1 via "$LEAK_GW4" dev "$LEAK_LEG"
	leak_ip -6 route add ::/1 via "$LEAK_GW6" dev "$LEAK_LEG"
	leak_ip -6 route add 8000::/1 via "$LEAK_GW6" dev "$LEAK_LEG"
	lp a "${LEAK_DEST_INET[@]}"
	leak_ip route del 0.0.0.0/1 && leak_ip route del 128.0.0.0/1
	leak_ip -6 route del ::/1 && leak_ip -6 route del 8000::/1
	leak_verdict "L6 TunnelVision: 0/1+128/1 pairs on the LAN leg" - 6
}

# Peer unreachable (the server drops the WireGuard port), no handshake yet.
L7() {
	local hs_before
	ip netns exec "$WGT_NS_SRV" nft -f - <<-EOF
	table inet leakblock {
		chain block {
			type filter hook prerouting priority -300;
			udp dport $WGT_SERVER_PORT drop
		}
	}
	EOF
	hs_before=$(wgt_server_handshake "$WGT_DIR/key1.pub")
	LEAK_NO_WAIT=1 leak_require "L7" "$1" on && {
		T=$(leak_newtag L7) SENT=0
		lp a "${LEAK_DEST_INET[@]}" "${LEAK_DEST_LAN[@]}"
		sleep 1
		leak_verdict "L7 peer unreachable, no handshake" 0 -
		assert_eq "$LEAK_MODE L7: the server saw no handshake" "$hs_before" \
			"$(wgt_server_handshake "$WGT_DIR/key1.pub")"
		leak_detach
	}
	ip netns exec "$WGT_NS_SRV" nft delete table inet leakblock
	leak_control "L7" 12 "${LEAK_DEST_INET[@]}" "${LEAK_DEST_LAN[@]}"
}

# The tunnel set down, then deleted from inside; chained: then a default route on the leg.
# Destroys the attachment: run it last.
L8() {
	if [ "$LEAK_KS" = on ]; then
		T=$(leak_newtag L8down) SENT=0
		leak_ip link set "$LEAK_TUN" down
		lp a "${LEAK_DEST_INET[@]}" "${LEAK_DEST_LAN[@]}"
		leak_verdict "L8 tunnel interface set down" 0 -
		T=$(leak_newtag L8del) SENT=0
		leak_ip link del "$LEAK_TUN"
		lp a "${LEAK_DEST_INET[@]}" "${LEAK_DEST_LAN[@]}"
		leak_verdict "L8 tunnel interface deleted" - -
	else
		leak_ip link del "$LEAK_TUN"
	fi
	[ -n "$LEAK_LEG" ] || return 0
	T=$(leak_newtag L8def) SENT=0
	leak_ip route replace default via "$LEAK_GW4" dev "$LEAK_LEG"
	leak_ip -6 route replace default via "$LEAK_GW6" dev "$LEAK_LEG"
	lp a "${LEAK_DEST_INET[@]}"
	leak_verdict "L8 tunnel deleted, default routes back on the LAN leg" - 6
}

# AF_PACKET on a non-tunnel interface. The inet hooks never see these frames; chained,
# the kill switch's netdev egress chain on the leg drops every frame the inet table did
# not mark, PACKET_QDISC_BYPASS ones included (the egress hook runs for both since 5.16).
L10() {
	local out
	if [ -z "$LEAK_LEG" ]; then
		assert_eq "$LEAK_MODE L10: the only interfaces are lo and the tunnel" "$(printf '%s\nlo' "$LEAK_TUN")" \
			"$(wgt_links "$WGT_NS_CTR")"
		assert_match "$LEAK_MODE L10: the tunnel has no link layer for AF_PACKET to address" \
			'link/none' "$(leak_ip -o link show dev "$LEAK_TUN")"
		return 0
	fi
	T=$(leak_newtag L10) SENT=0
	out=$(leak_py "$WGT_NS_CTR" raw "$LEAK_LEG" "$LEAK_TAG$T.a" 10.64.0.2 198.51.100.1 fc00:bbbb::2 2001:db8:100::1)
	leak_settle
	# Sent, or refused by the egress chain (ENOBUFS): either way the socket wrote them.
	assert_eq "$LEAK_MODE L10: AF_PACKET frames written on $LEAK_LEG (v4, v6, v4 bypass)" 3 \
		"$(printf '%s\n' "$out" | grep -cE '\.raw(4|6|4bypass) (sent|error:ENOBUFS)$')"
	leak_verdict "L10 AF_PACKET on the LAN leg (v4, v6, v4 with PACKET_QDISC_BYPASS)" - 3
	[ "$LEAK_KS" = on ] || return 0
	LEAK_T=$((LEAK_T + 1))
	leak_py "$WGT_NS_CTR2" raw eth0 "${LEAK_TAG}ctl.L10.$LEAK_T" 10.64.0.9 198.51.100.1 fc00:bbbb::9 2001:db8:100::1 >/dev/null
	leak_settle
	assert_counted "$LEAK_MODE L10: plain bridge container" "ctl.L10.$LEAK_T." 3
	# Not a check: a process that forges the egress bit with SO_MARK (CAP_NET_RAW suffices
	# since Linux 5.17) gets its frames out; README "What the nftables kill switch cannot stop".
	T=$(leak_newtag L10mark)
	leak_py "$WGT_NS_CTR" raw "$LEAK_LEG" "$LEAK_TAG$T.a" 10.64.0.2 198.51.100.1 fc00:bbbb::2 2001:db8:100::1 0x20000000 >/dev/null
	leak_settle
	echo "# NOTE $LEAK_MODE L10: AF_PACKET frames with SO_MARK 0x20000000 (forged egress bit) seen outside: $(leak_count leak_outside "$T.") of 3"
}

# knock_replies NS SRC DST: packets DST answered to a SYN, a SYN/ACK and an echo request.
knock_replies() {
	T=$(leak_newtag L11)
	leak_py "$1" knock "$LEAK_TAG$T" "$2" "$3" 8000 | sed -n 's/^replies //p'
}

# Inbound SYN, SYN/ACK and echo aimed at the tunnel address from outside: no answer
# (CVE-2019-14899). Standalone: from the server's side of the tunnel; chained: from the LAN
# leg's gateway, with a route to the tunnel address via the container (an adjacent attacker).
L11() {
	local ns src4 src6 r4 r6 arp
	if [ -z "$LEAK_LEG" ]; then
		ns=$WGT_NS_SRV src4=$WGT_SERVER_V4 src6=$WGT_SERVER_V6
	else
		ns=$WGT_NS_HOST src4=$LEAK_GW4 src6=$LEAK_GW6
		ip -n "$ns" route replace 10.64.0.2/32 via "$LEAK_CTR_IP4"
		ip -n "$ns" -6 route replace fc00:bbbb::2/128 via "$LEAK_CTR_IP6"
	fi
	r4=$(knock_replies "$ns" "$src4" 10.64.0.2)
	r6=$(knock_replies "$ns" "$src6" fc00:bbbb::2)
	if [ "$LEAK_KS" = on ]; then
		assert_eq "$LEAK_MODE L11: answers to SYN, SYN/ACK, echo at the tunnel address (v4 v6)" "0 0" "$r4 $r6"
	else
		assert_eq "$LEAK_MODE L11 [killSwitch false]: the same probes are answered" "yes yes" \
			"$([ "${r4:-0}" -gt 0 ] && echo yes || echo no) $([ "${r6:-0}" -gt 0 ] && echo yes || echo no)"
	fi
	[ -n "$LEAK_LEG" ] || return 0
	ip -n "$ns" route del 10.64.0.2/32
	ip -n "$ns" -6 route del fc00:bbbb::2/128
	arp=$(arp_answers 10.64.0.2)
	if [ "$LEAK_KS" = on ]; then
		assert_eq "$LEAK_MODE L11: ARP replies for the tunnel address on the LAN leg" 0 "$arp"
		assert_match "$LEAK_MODE L11 control: ARP for the leg's own address is answered" '^[1-9]' \
			"$(arp_answers "$LEAK_CTR_IP4")"
	else
		assert_match "$LEAK_MODE L11 [killSwitch false]: ARP for the tunnel address answered" '^[1-9]' "$arp"
	fi
}

arp_answers() {
	ip netns exec "$WGT_NS_HOST" "$WGT_BUSYBOX" arping -I "$LEAK_BRIDGE" -c 2 -w 3 "$1" 2>&1 |
		sed -n 's/^Received \([0-9]*\) resp.*/\1/p'
}

# A second network attached after this one (podman --network a,b), claiming the public
# range and with a gateway of its own: nothing may leave through it.
L15() {
	local cid=$LEAK_CID-b2 gwdests=(gw4=10.98.0.1 gw6=fd98::1)
	T=$(leak_newtag L15) SENT=0
	if ! leak_bridge_add "$cid" "$WGT_NS_CTR" eth1 "${WGT_NET}b2" "wglc$WGT_ID" 10.98.0 fd98 \
		'[{"dst":"198.51.100.0/24"},{"dst":"2001:db8:100::/64"}]'; then
		wgt_fail "$LEAK_MODE L15: a second bridge network ADDs as eth1" "exit 0" "$(head -c 300 "$CNI_OUT")"
		return 0
	fi
	lp a "${LEAK_DEST_INET[@]}" "${gwdests[@]}"
	leak_verdict "L15 second network (eth1) after this one: the internet and its gateway" - 12
	leak_bridge_del "$cid" "$WGT_NS_CTR" eth1
}

# Broadcast, subnet broadcast, mDNS, ff02::1 and a router solicitation, on the LAN leg
# when there is one.
L16() {
	local dev=() rsdev=$LEAK_TUN dests=(bcast=255.255.255.255 all6=ff02::1)
	if [ -n "$LEAK_LEG" ]; then
		dev=(--dev "$LEAK_LEG") rsdev=$LEAK_LEG
		dests+=(sbcast=10.99.0.255)
	fi
	T=$(leak_newtag L16) SENT=0
	lp a "${dev[@]}" --protos udp,icmp "${dests[@]}"
	lp mdns "${dev[@]}" --port 5353 --protos udp mdns=224.0.0.251
	leak_py "$WGT_NS_CTR" rs "$LEAK_TAG$T.rs" "$rsdev" >/dev/null
	leak_settle
	leak_verdict "L16 broadcast, mDNS, ff02::1, router solicitation" - $((${#dests[@]} * 2 + 2))
	[ "$LEAK_KS" = on ] || return 0
	LEAK_T=$((LEAK_T + 1))
	leak_probe "$WGT_NS_CTR2" "ctl.L16.$LEAK_T.a" --dev eth0 --protos udp,icmp \
		bcast=255.255.255.255 all6=ff02::1 sbcast=10.99.0.255 >/dev/null
	leak_probe "$WGT_NS_CTR2" "ctl.L16.$LEAK_T.m" --dev eth0 --port 5353 --protos udp mdns=224.0.0.251 >/dev/null
	leak_py "$WGT_NS_CTR2" rs "${LEAK_TAG}ctl.L16.$LEAK_T.rs" eth0 >/dev/null
	leak_settle
	assert_counted "$LEAK_MODE L16: plain bridge container" "ctl.L16.$LEAK_T." 8
}
