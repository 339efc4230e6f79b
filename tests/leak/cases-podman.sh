# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Podman 4.3 (CNI) with podman-compose: examples/compose/chained-webui on a conflist of
# bridge + portmap + wireguard. The web UI is published on the host (-p 18080:80) and
# fetched from the host and from a LAN client; the container's own probes go only through
# the tunnel, while a plain bridge container's probes are counted (the control).
#
#   root namespace (podman)                          wgt-ID-lan
#   bridge wgpbID 10.77.N.1/24 fd78:N::1/64          eth1 198.19.N.2/26 fd19:N::2/64
#     | the container: eth0 (bridge), wg0 (tunnel)     ^
#   wgplID 198.19.N.1/26 fd19:N::1/64 ----------------'
#   wgprID 198.19.N.65/26 --------------------------> wgt-ID-srv 198.19.N.66 (WireGuard :51820)
# Only these per-PID ranges are used in the root namespace: nothing is sent beyond them.

PODMAN_N=$((WGT_ID % 200 + 20))
PODMAN_NET=wgt${WGT_ID}pc
PODMAN_CTL=wgt${WGT_ID}pb
PODMAN_PROJECT=wgt${WGT_ID}c
PODMAN_PORT=${WGCNI_WEBUI_PORT:-18080}
PODMAN_FORWARD=
PODMAN_UP=0

podman_conflist() { # NAME BRIDGE SUBNET4-PREFIX SUBNET6-PREFIX [WIREGUARD-PLUGIN-JSON]
	printf '{"cniVersion":"1.0.0","name":"%s","plugins":[%s,' "$1" "$(leak_bridge_conf "$1" "$2" "$3" "$4")"
	printf '{"type":"portmap","capabilities":{"portMappings":true}}%s]}\n' "${5:+,$5}"
}

podman_wireguard_json() {
	printf '{"type":"wireguard","backend":"userspace","privateKeyFile":"%s",' "$WGT_DIR/key3"
	printf '"address":["10.64.0.4/32","fc00:bbbb::4/128"],"dns":{"nameservers":["%s"]},' "$WGT_SERVER_V4"
	printf '"peers":[{"publicKey":"%s","endpoint":"198.19.%s.66:%s",' "$(cat "$WGT_DIR/srvkey.pub")" \
		"$PODMAN_N" "$WGT_SERVER_PORT"
	printf '"allowedIPs":["0.0.0.0/0","::/0"],"persistentKeepalive":25}]}'
}

podman_world_up() {
	local n=$PODMAN_N
	PODMAN_FORWARD="$(cat /proc/sys/net/ipv4/ip_forward) $(cat /proc/sys/net/ipv6/conf/all/forwarding)"
	PODMAN_UP=1
	ip link add "wgpl$WGT_ID" type veth peer name eth1 netns "$LEAK_NS_LAN" || return 1
	ip link add "wgpr$WGT_ID" type veth peer name wgpv netns "$WGT_NS_SRV" || return 1
	ip addr add "198.19.$n.1/26" dev "wgpl$WGT_ID" && ip addr add "fd19:$n::1/64" dev "wgpl$WGT_ID" nodad &&
		ip addr add "198.19.$n.65/26" dev "wgpr$WGT_ID" || return 1
	ip -n "$LEAK_NS_LAN" addr add "198.19.$n.2/26" dev eth1 && ip -n "$LEAK_NS_LAN" addr add "fd19:$n::2/64" dev eth1 nodad
	ip -n "$WGT_NS_SRV" addr add "198.19.$n.66/26" dev wgpv
	ip link set "wgpl$WGT_ID" up && ip link set "wgpr$WGT_ID" up
	ip -n "$LEAK_NS_LAN" link set eth1 up && ip -n "$WGT_NS_SRV" link set wgpv up
	ip -n "$LEAK_NS_LAN" route add "10.77.$n.0/24" via "198.19.$n.1"
	ip -n "$LEAK_NS_LAN" route add "10.78.$n.0/24" via "198.19.$n.1"
	ip -n "$LEAK_NS_LAN" -6 route add "fd78:$n::/64" via "fd19:$n::1"
	ip -n "$LEAK_NS_LAN" -6 route add "fd79:$n::/64" via "fd19:$n::1"
	leak_sniff_start - root
}

podman_setup() {
	local plugins=$WGT_DIR/cni
	for tool in podman podman-compose runc nsenter; do
		command -v "$tool" >/dev/null || { PODMAN_ERR="$tool is missing"; return 1; }
	done
	mkdir -p "$plugins" && install -m 0755 "$WGT_PLUGIN" "$plugins/wireguard" || return 1
	export CONTAINERS_CONF=$WGT_DIR/containers.conf
	bash "$WGCNI_SOURCE_DIR/scripts/podman-setup.sh" "$plugins" >"$WGT_DIR/podman-setup.log" 2>&1 ||
		{ PODMAN_ERR="podman-setup.sh: $(tail -2 "$WGT_DIR/podman-setup.log")"; return 1; }
	wgt_genkey key3
	wgt_server_peer "$WGT_DIR/key3.pub" 10.64.0.4/32,fc00:bbbb::4/128 || return 1
	podman_world_up || { PODMAN_ERR="building the root-namespace links"; return 1; }
	podman_conflist "$PODMAN_NET" "wgpb$WGT_ID" "10.77.$PODMAN_N" "fd78:$PODMAN_N" \
		"$(podman_wireguard_json)" >"/etc/cni/net.d/$PODMAN_NET.conflist"
	podman_conflist "$PODMAN_CTL" "wgpc$WGT_ID" "10.78.$PODMAN_N" "fd79:$PODMAN_N" \
		>"/etc/cni/net.d/$PODMAN_CTL.conflist"
}

podman_sandbox() { podman inspect -f '{{.NetworkSettings.SandboxKey}}' "$1" 2>/dev/null; }

# podman_probe SANDBOX TAG: the probe set to the LAN, from the container's namespace.
podman_probe() {
	nsenter --net="$1" timeout 20 "$LEAK_PY" "$LEAK_HERE/probe.py" send "$LEAK_TAG$2" \
		"lan4=198.19.$PODMAN_N.2" "lan6=fd19:$PODMAN_N::2" >"$WGT_DIR/probes/$2.out" 2>&1
	leak_settle
}

podman_fetch() { # NS-OR-EMPTY HOST: the page's last line
	printf 'GET / HTTP/1.0\r\n\r\n' |
		${1:+ip netns exec "$1"} timeout 10 "$WGT_BUSYBOX" nc -w 5 "$2" "$PODMAN_PORT" 2>&1 | tail -n 1
}

# portmap rules of NETWORK left when a DEL earlier in the chain failed (libcni stops there).
podman_portmap_reap() {
	local ipt rule chain
	for ipt in iptables ip6tables; do
		"$ipt" -t nat -S CNI-HOSTPORT-DNAT 2>/dev/null | grep -F "dnat name: \\\"$1\\\"" |
			while read -r rule; do
				chain=${rule##* -j }
				eval "$ipt -t nat ${rule/-A /-D }"
				"$ipt" -t nat -F "$chain" && "$ipt" -t nat -X "$chain"
				echo "# removed $ipt portmap rules of $1 (chain $chain)"
			done
	done
}

podman_case() {
	local compose=$WGCNI_SOURCE_DIR/examples/compose/chained-webui/compose.yaml token c sb log
	echo "## podman: compose example chained-webui on $PODMAN_NET (bridge + portmap + wireguard)"
	if ! podman_setup; then
		wgt_fail "podman: set-up (the podman case did not run)" "podman ready" "${PODMAN_ERR:-see above}"
		return 0
	fi
	token=webui-$WGT_ID-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	log=$WGT_DIR/compose.log
	WGCNI_NETWORK=$PODMAN_NET WGCNI_WEBUI_PORT=$PODMAN_PORT WEBUI_TOKEN=$token \
		timeout 90 podman-compose -p "$PODMAN_PROJECT" -f "$compose" up -d >"$log" 2>&1
	assert_rc "podman: podman-compose up -d (chained-webui)" 0 $?
	c=$(podman ps -q --filter "label=io.podman.compose.project=$PODMAN_PROJECT" | head -n 1)
	sb=$(podman_sandbox "$c")
	if ! wgt_require "podman" "the webui container runs: $(tail -3 "$log" | tr '\n' ' ')" [ -n "$sb" ]; then
		return 0
	fi
	assert_match "podman: the container has its tunnel wg0 and its bridge leg eth0" 'eth0.*wg0|wg0.*eth0' \
		"$(nsenter --net="$sb" ip -o link 2>/dev/null | awk -F': ' '{ print $2 }' | sort | tr '\n' ' ')"
	sleep 1
	assert_eq "podman: the host fetches the published port 127.0.0.1:$PODMAN_PORT" "$token" \
		"$(podman_fetch '' 127.0.0.1)"
	assert_eq "podman: a LAN client fetches the published port (answered on the LAN leg)" "$token" \
		"$(podman_fetch "$LEAK_NS_LAN" "198.19.$PODMAN_N.1")"
	[ -n "${LEAK_DEBUG_PAUSE:-}" ] && { echo "# paused: sandbox $sb"; sleep "$LEAK_DEBUG_PAUSE"; }
	podman_probe "$sb" podman.webui
	assert_no_leak "podman: the webui container's probes to the LAN" "podman.webui."
	assert_tunnelled "podman: the webui container's probes to the LAN" "podman.webui." 6
	podman_control
	WGCNI_NETWORK=$PODMAN_NET timeout 90 podman-compose -p "$PODMAN_PROJECT" -f "$compose" down >>"$log" 2>&1
	assert_rc "podman: podman-compose down" 0 $?
	assert_eq "podman: no attachment record left" "" "$(ls -A "$WGT_STATE/attachments/$PODMAN_NET" 2>/dev/null)"
	assert_eq "podman: no portmap rule of $PODMAN_NET left (every DEL of the chain ran)" "" \
		"$(iptables -t nat -S CNI-HOSTPORT-DNAT 2>/dev/null | grep -F "dnat name: \\\"$PODMAN_NET\\\"")"
}

# Up to 5 s until no IPv6 address of the container or of its bridge is tentative: until
# then, IPv6 probes wait for neighbour discovery and never reach the wire.
podman_dad_done() { # SANDBOX BRIDGE
	local i
	for i in $(seq 50); do
		[ -z "$(nsenter --net="$1" ip -6 addr show tentative 2>/dev/null)$(ip -6 addr show dev "$2" tentative)" ] &&
			return 0
		sleep 0.1
	done
	echo "# note: IPv6 addresses still tentative after 5 s (iteration $i)"
}

# The same probes from a container on a plain bridge + portmap network must be counted.
podman_control() {
	local c sb
	c=$(timeout 60 podman run -d --name "wgt$WGT_ID-ctl" --network "$PODMAN_CTL" localhost/bb sleep 120 2>&1)
	sb=$(podman_sandbox "$c")
	if wgt_require "podman control" "a plain bridge container runs ($c)" [ -n "$sb" ]; then
		podman_dad_done "$sb" "wgpc$WGT_ID"
		podman_probe "$sb" podman.ctl
		assert_counted "podman: plain bridge container's probes to the LAN" "podman.ctl." 6
	fi
	timeout 30 podman rm -f -t 0 "wgt$WGT_ID-ctl" >/dev/null 2>&1
}

podman_cleanup() {
	local c
	[ "$PODMAN_UP" = 1 ] || return 0
	for c in $(podman ps -aq --filter "label=io.podman.compose.project=$PODMAN_PROJECT" 2>/dev/null) \
		$(podman ps -aq --filter "name=^wgt$WGT_ID-ctl" 2>/dev/null); do
		timeout 30 podman rm -f -t 0 "$c" >/dev/null 2>&1
	done
	podman_portmap_reap "$PODMAN_NET"
	podman_portmap_reap "$PODMAN_CTL"
	rm -f "/etc/cni/net.d/$PODMAN_NET.conflist" "/etc/cni/net.d/$PODMAN_CTL.conflist"
	rm -f /var/lib/cni/results/"$PODMAN_NET"-* /var/lib/cni/results/"$PODMAN_CTL"-*
	ip link del "wgpl$WGT_ID" 2>/dev/null
	ip link del "wgpr$WGT_ID" 2>/dev/null
	ip link del "wgpb$WGT_ID" 2>/dev/null
	ip link del "wgpc$WGT_ID" 2>/dev/null
	# The bridge plugin turns forwarding on in the root namespace: put back what we found.
	echo "${PODMAN_FORWARD% *}" >/proc/sys/net/ipv4/ip_forward
	echo "${PODMAN_FORWARD#* }" >/proc/sys/net/ipv6/conf/all/forwarding
	PODMAN_UP=0
}
