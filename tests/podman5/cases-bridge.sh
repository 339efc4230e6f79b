# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # NET, CONFIG, source_dir...: set by suite.sh
# --network BRIDGE,NET: a netavark bridge next to the tunnel (podman 5's chained mode).
#
#   host (the suite's private netns)                    container
#   podman1 10.89.x.1, fd..::1  <--- bridge leg ---->  ethA 10.89.x.y, fd..::y   (netavark)
#     netavark DNAT :18080 -> ethA:80                   ethB 10.64.0.2, fc00:bbbb::2 (wgcni)
#   wgtPIDh 198.18.0.1 --- LAN ns 198.18.0.2            rules 5750 mark->main, 5751 main
#                          (per-protocol counters)       suppress 0, 5752 tunnel defaults
#
# netavark sets the networks up in hash order, which changes from run to run: a plugin
# wrapper logs whether the bridge leg existed when ours was set up, and the runs repeat
# until both orders have been seen. In each: the published port answers (host, LAN, IPv6),
# the container's TCP/UDP/ICMP probes to the LAN (IPv4 and IPv6) are counted nowhere, the
# tunnel works, and podman rm leaves nothing. Control: the same probes from a container on
# the bridge alone are counted, protocol by protocol.
# L10: the container (--cap-add NET_RAW) writes UDP in Ethernet frames with AF_PACKET on its
# bridge leg (v4, v6, v4 with PACKET_QDISC_BYPASS); a capture on every interface of this
# namespace, the host side of the bridge, sees none of them, whichever order the legs came
# in; from the container on the bridge alone it sees all three.

BR=wgt${WGT_ID}br
PUB=18080
ORDER_LOG=$WGT_DIR/order.log
probe_names="tcp4 udp4 icmp4 tcp6 udp6 icmp6"
RAW_BIN=$WGT_DIR/bin
RAW_PREFIX=p5raw$WGT_ID.

# The plugin behind a wrapper that notes which other links the namespace has at each call.
mv "$PLUGIN_DIR/wireguard" "$PLUGIN_DIR/wireguard.real"
cat >"$PLUGIN_DIR/wireguard" <<EOF
#!/bin/bash
in=\$(cat)
if [ -n "\${2:-}" ]; then
	cid=\$(printf '%s' "\$in" | jq -r .container_id)
	ifname=\$(printf '%s' "\$in" | jq -r .network_options.interface_name)
	legs=\$(nsenter --net="\$2" ip -o link 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", \$2); print \$2 }' |
		grep -vx -e lo -e "\$ifname" | tr '\n' ' ')
	echo "\$1 \$cid if=\$ifname legs=\$legs" >>"$ORDER_LOG"
fi
printf '%s' "\$in" | exec "$PLUGIN_DIR/wireguard.real" "\$@"
EOF
chmod 0755 "$PLUGIN_DIR/wireguard"

# The AF_PACKET sender (tests/podman5/rawsend.c), static for the busybox image, and the capture.
mkdir -p "$RAW_BIN"
gcc -static -O2 -o "$RAW_BIN/rawsend" "$source_dir/tests/podman5/rawsend.c" 2>"$WGT_DIR/rawsend.err" ||
	fail "building tests/podman5/rawsend.c: $(head -3 "$WGT_DIR/rawsend.err")"
python3 "$source_dir/tests/leak/sniff.py" "$RAW_PREFIX" "$WGT_DIR/sniff.raw" host \
	</dev/null >"$WGT_DIR/sniff.err" 2>&1 &
raw_sniffer=$!
for _ in $(seq 100); do grep -q READY "$WGT_DIR/sniff.raw" 2>/dev/null && break; sleep 0.1; done
raw_seen() { # RUN: the distinct frames of that run the capture logged (it is asynchronous)
	sleep 1
	awk -v p="$RAW_PREFIX$1." 'index($4, p) == 1 { print $4 }' "$WGT_DIR/sniff.raw" | sort -u | grep -c .
}
raw_written() { # the frames rawsend wrote in the last probe run: sent, or dropped (ENOBUFS)
	section "$WGT_DIR/probe/out" raw | grep -cE '\.raw(4|6|4bypass) (sent|error:No buffer space available)$'
}

# Counters in the LAN namespace, one per probe, in $probe_names order.
ip netns exec "$WGT_LAN_NS" nft -f - <<EOF
table inet wgtp5 {
	chain pre {
		type filter hook prerouting priority -300;
		ip daddr $WGT_LAN_V4 tcp dport $WGT_LAN_PORT counter
		ip daddr $WGT_LAN_V4 udp dport 9999 counter
		ip daddr $WGT_LAN_V4 icmp type echo-request counter
		ip6 daddr $WGT_LAN_V6 tcp dport $WGT_LAN_PORT counter
		ip6 daddr $WGT_LAN_V6 udp dport 9999 counter
		ip6 daddr $WGT_LAN_V6 icmpv6 type echo-request counter
	}
}
EOF
probe_counts() {
	ip netns exec "$WGT_LAN_NS" nft list chain inet wgtp5 pre |
		awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") printf "%s ", $(i + 1) }'
}
# "a b c" "d e f" -> "tcp4=d-a udp4=e-b ..."
probe_delta() {
	local -a was now names
	read -ra was <<<"$1"
	read -ra now <<<"$2"
	read -ra names <<<"$probe_names"
	for i in "${!names[@]}"; do printf '%s=%s ' "${names[i]}" $((now[i] - was[i])); done
}
# shellcheck disable=SC2016 # expanded by the container's shell
probes='get="GET / HTTP/1.0\r\n\r\n"
printf "$get" | nc -w 2 "$LAN4" "$LANPORT" >/dev/null 2>&1
timeout 2 tftp -g -r probe "$LAN4" 9999 >/dev/null 2>&1
ping -c 1 -W 1 "$LAN4" >/dev/null 2>&1
printf "$get" | nc -w 2 "$LAN6" "$LANPORT" >/dev/null 2>&1
timeout 2 tftp -g -r probe "$LAN6" 9999 >/dev/null 2>&1
ping6 -c 1 -W 1 "$LAN6" >/dev/null 2>&1
echo @v4; printf "$get" | nc -w 5 "$SRV4" 80 | tail -n 1
echo @v6; printf "$get" | nc -w 5 "$SRV6" 80 | tail -n 1
echo @raw; /x/rawsend "$RAWTAG" 10.64.0.2 "$LAN4" fc00:bbbb::2 "$LAN6"'

# start_probed NETWORKS PAGE RUN: a container that serves PAGE on :80 (published as $PUB), then
# runs $probes once $WGT_DIR/probe/go exists, output in .../probe/out. (podman exec runs in
# the root's file system on this set-up, so the probes are the container's own command.)
# NET_RAW: busybox ping has no unprivileged mode; raw IP sockets pass the kill switch's hooks.
# UDP: busybox nc has no -u; tftp sends a UDP read request to port 9999.
start_probed() {
	rm -rf "$WGT_DIR/probe"
	mkdir -p "$WGT_DIR/probe"
	# shellcheck disable=SC2046
	podman_t 60 run -d --cap-add NET_RAW --network "$1" -p "$PUB:80" -v "$WGT_DIR/probe:/t" \
		-v "$RAW_BIN:/x:ro" -e "RAWTAG=$RAW_PREFIX$3" $(probe_env) localhost/bb \
		sh -c "mkdir -p /w && echo $2 >/w/index.html && httpd -p 80 -h /w &&
			while [ ! -e /t/go ]; do sleep 0.1; done
			{
			$probes
			} >/t/out 2>&1; touch /t/done; sleep 600" \
		2>"$WGT_DIR/pub.err"
}
# run_probes: let the container probe, wait for it.
run_probes() {
	touch "$WGT_DIR/probe/go"
	for _ in $(seq 300); do
		[ -e "$WGT_DIR/probe/done" ] && return 0
		sleep 0.1
	done
	return 1
}

fetch_published() { # HOST [NETNS]: the page of the container's published port
	local run=()
	[ -n "${2:-}" ] && run=(ip netns exec "$2")
	for _ in $(seq 30); do
		got=$(printf 'GET / HTTP/1.0\r\n\r\n' | "${run[@]}" busybox nc -w 2 "$1" "$PUB" 2>/dev/null | tail -n 1)
		[ -n "$got" ] && break
		sleep 0.2
	done
	echo "$got"
}

podman network create --ipv6 "$BR" >/dev/null || fail "podman network create --ipv6 $BR"

# Control: the bridge alone reaches the LAN with every probe, and publishes its port.
before=$(probe_counts)
cid=$(start_probed "$BR" published ctl)
run_probes
after=$(probe_counts)
for name in $probe_names; do
	check_positive "control: a container on $BR alone, $name probe counted by the LAN" \
		"$(probe_delta "$before" "$after" | tr ' ' '\n' | sed -n "s/^$name=//p")"
done
check_eq "control: $BR alone, L10: AF_PACKET frames written (v4, v6, v4 bypass)" 3 "$(raw_written)" \
	"$(section "$WGT_DIR/probe/out" raw)"
check_eq "control: $BR alone, L10: all of them seen on the host side of the bridge" 3 "$(raw_seen ctl)"
check_eq "control: $BR alone, the published port answers the host" published "$(fetch_published 198.18.0.1)"
podman_t 30 rm -f -t 0 "$cid" >/dev/null 2>&1

seen_tunnel_first=0 seen_bridge_first=0
for run in $(seq 10); do
	[ "$seen_tunnel_first" -gt 0 ] && [ "$seen_bridge_first" -gt 0 ] && [ "$run" -gt 2 ] && break
	residue_before=$(p5_residue)
	cid=$(start_probed "$BR,$NET" "published-$run" "run$run")
	if [ -z "$cid" ]; then
		fail "run $run: podman run -d --network $BR,$NET -p $PUB:80 ($(tail -1 "$WGT_DIR/pub.err"))"
		continue
	fi
	legs=$(sed -n "s/^setup $cid if=.* legs=//p" "$ORDER_LOG")
	if [ -z "$legs" ]; then order="tunnel first"; seen_tunnel_first=$((seen_tunnel_first + 1))
	else order="bridge first"; seen_bridge_first=$((seen_bridge_first + 1)); fi
	what="$BR,$NET run $run ($order)"
	check_eq "$what: the published port answers the host (IPv4)" "published-$run" "$(fetch_published 198.18.0.1)"
	check_eq "$what: the published port answers the host (IPv6)" "published-$run" "$(fetch_published 2001:db8:18::1)"
	check_eq "$what: the published port answers a LAN client" "published-$run" \
		"$(fetch_published 198.18.0.1 "$WGT_LAN_NS")"
	before=$(probe_counts)
	run_probes
	after=$(probe_counts)
	check_eq "$what: the server's page through the tunnel (IPv4)" "$WGT_TOKEN" \
		"$(section "$WGT_DIR/probe/out" v4)" "$(cat "$WGT_DIR/probe/out" 2>&1)"
	check_eq "$what: the server's page through the tunnel (IPv6)" "$WGT_TOKEN" "$(section "$WGT_DIR/probe/out" v6)"
	check_eq "$what: no probe reached the LAN" \
		"tcp4=0 udp4=0 icmp4=0 tcp6=0 udp6=0 icmp6=0 " "$(probe_delta "$before" "$after")"
	check_eq "$what: L10: AF_PACKET frames written on the bridge leg (v4, v6, v4 bypass)" 3 \
		"$(raw_written)" "$(section "$WGT_DIR/probe/out" raw)"
	check_eq "$what: L10: none of them seen on the host side of the bridge" 0 "$(raw_seen "run$run")"
	podman_t 30 rm -f -t 0 "$cid" >/dev/null 2>&1
	check_eq "$what: podman rm leaves nothing (links, helpers, sockets, tables, netns, state)" \
		"$residue_before" "$(p5_residue)"
	echo "# $what: teardown saw other legs: '$(sed -n "s/^teardown $cid if=.* legs=//p" "$ORDER_LOG")'"
done
check_positive "setup order: the tunnel was set up before the bridge in some run" "$seen_tunnel_first"
check_positive "setup order: the bridge was set up before the tunnel in some run" "$seen_bridge_first"

# The README's form, on podman's default network (IPv4 only).
cid=$(podman_t 60 run -d --network "podman,$NET" -p "$PUB:80" localhost/bb \
	sh -c 'mkdir -p /w && echo published >/w/index.html && exec httpd -f -p 80 -h /w' 2>/dev/null)
check_eq "podman,$NET -p $PUB:80: the published port answers the host" published "$(fetch_published 198.18.0.1)"

# The record keeps the published ports, so `wgcni show` rebuilds the kill switch with them.
show_ks() { # the attachment's killSwitch and killSwitchProblem, from `wgcni show --json`
	"$build_dir/wgcni" show "$NET" --json --dir "$WGT_DIR/showdir" 2>"$WGT_DIR/show.err" |
		jq -r '.attachments[0] | "\(.killSwitch) \(.killSwitchProblem)"'
}
mkdir -p "$WGT_DIR/showdir"
cp "$CONFIG" "$WGT_DIR/showdir/$NET.conflist"
pub_record=$(ls "$ATTACHMENTS/$cid".* 2>/dev/null | head -1)
pub_if=${pub_record##*.}
check_eq "podman,$NET -p $PUB:80: the record keeps the published port" "published=80-80/tcp" \
	"$(grep '^published=' "$pub_record" 2>/dev/null)"
check_eq "podman,$NET -p $PUB:80: wgcni show: the kill switch is intact" "intact null" "$(show_ks)"
pub_sandbox=$(podman inspect -f '{{.NetworkSettings.SandboxKey}}' "$cid" 2>/dev/null)
# The published port's rule: delete it, and show must see the difference.
pub_rule=$(nsenter --net="$pub_sandbox" nft -a list table inet "wgcni-$pub_if" 2>/dev/null |
	awk '$1 == "chain" { chain = $2 } /dport 80 .*# handle/ { print chain, $NF; exit }')
check_eq "podman,$NET -p $PUB:80: control: its table has a rule for port 80" yes \
	"$([ -n "$pub_rule" ] && echo yes || echo no)"
nsenter --net="$pub_sandbox" nft delete rule inet "wgcni-$pub_if" ${pub_rule% *} handle ${pub_rule#* } \
	2>/dev/null
check_eq "podman,$NET -p $PUB:80: wgcni show: one rule deleted, the kill switch is broken" broken \
	"$(show_ks | cut -d' ' -f1)"
podman_t 30 rm -f -t 0 "$cid" >/dev/null 2>&1

podman network rm -f "$BR" >/dev/null 2>&1
kill "$raw_sniffer" 2>/dev/null
wait "$raw_sniffer" 2>/dev/null
ip netns exec "$WGT_LAN_NS" nft delete table inet wgtp5
mv "$PLUGIN_DIR/wireguard.real" "$PLUGIN_DIR/wireguard"
check_eq "after the $BR,$NET runs: no attachment record" "" "$(ls -A "$ATTACHMENTS" 2>/dev/null)"
