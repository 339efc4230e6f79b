# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# show --json against a live attachment made by the plugin, after traffic.

# The network as a conflist in DIR/net, for the CLI to find it like a runtime.
write_conflist() { # NAME PLUGIN-OBJECT
	mkdir -p "$WGT_DIR/net"
	printf '{"cniVersion":"1.0.0","name":"%s","plugins":[%s]}\n' "$1" "$2" >"$WGT_DIR/net/$1.conflist"
}

show_json() { # [NET]: wgcni show --json into DIR/show.out; rc in SHOW_RC
	wgcni show "$@" --json --dir "$WGT_DIR/net" >"$WGT_DIR/show.out" 2>"$WGT_DIR/show.err"
	SHOW_RC=$?
}

sj() { wgt_json_get "$WGT_DIR/show.out" "$1"; }

case_show() {
	local p='.attachments[0]' hs now
	wgt_genkey key1
	wgt_server_peer "$WGT_DIR/key1.pub" 10.64.0.2/32,fc00:bbbb::2/128
	write_conflist "$WGT_NET" "$(wgt_conf cniVersion=- name=-)"
	wgt_conf >"$WGT_DIR/show.json"

	show_json "$WGT_NET"
	assert_rc "show NET without attachments: not found" 3 "$SHOW_RC"
	assert_eq "... and an empty list" "" "$(sj "$p.network")"

	wgt_cni ADD showctr "/run/netns/$WGT_NS_CTR" eth0 "$WGT_DIR/show.json"
	wgt_require "show" "ADD succeeds" [ "$CNI_RC" = 0 ] || return
	wgt_tcp_send "$WGT_NS_CTR" "$WGT_SERVER_V4" "show-$WGT_ID"
	assert_rc "traffic through the tunnel" 0 $?

	show_json "$WGT_NET"
	assert_rc "show --json exits 0" 0 "$SHOW_RC"
	assert_eq "one attachment" "" "$(sj ".attachments[1].network")"
	assert_eq "network" "\"$WGT_NET\"" "$(sj "$p.network")"
	assert_eq "containerId" '"showctr"' "$(sj "$p.containerId")"
	assert_eq "interface" '"eth0"' "$(sj "$p.interface")"
	assert_eq "netns" "\"/run/netns/$WGT_NS_CTR\"" "$(sj "$p.netns")"
	assert_eq "backend" "\"$WGT_BACKEND\"" "$(sj "$p.backend")"
	assert_eq "publicKey" "\"$(cat "$WGT_DIR/key1.pub")\"" "$(sj "$p.publicKey")"
	assert_eq "privateKey hidden" '"(hidden)"' "$(sj "$p.privateKey")"
	assert_eq "listenPort" 51821 "$(sj "$p.listenPort")"
	# Kernel: no host-side device, the device's own UDP socket in the host namespace.
	if [ "$WGT_BACKEND" = kernel ]; then
		assert_eq "hostInterface: none (kernel backend)" null "$(sj "$p.hostInterface")"
		assert_eq "the listenPort socket is in the host namespace, none in the container" "yes 0" \
			"$([ "$(wgt_udp_port_count "$WGT_NS_HOST" 51821)" -gt 0 ] && echo yes || echo no) $(wgt_udp_port_count "$WGT_NS_CTR" 51821)"
	else
		assert_match "hostInterface: wireguard-go's TUN" '^"wgc[0-9a-f]{12}"$' "$(sj "$p.hostInterface")"
	fi
	assert_eq "addresses read from the namespace" \
		'"10.64.0.2/32" "fc00:bbbb::2/128" "namespace"' \
		"$(sj "$p.addresses[0]") $(sj "$p.addresses[1]") $(sj "$p.addressesFrom")"
	assert_eq "kill switch intact" '"intact" null' "$(sj "$p.killSwitch") $(sj "$p.killSwitchProblem")"
	assert_eq "device readable" null "$(sj "$p.deviceProblem")"
	assert_eq "peer: the server's public key" "\"$(cat "$WGT_DIR/srvkey.pub")\"" "$(sj "$p.peers[0].publicKey")"
	assert_eq "peer: endpoint" '"192.0.2.2:51820"' "$(sj "$p.peers[0].endpoint")"
	assert_eq "peer: allowed IPs" '"0.0.0.0/0" "::/0"' \
		"$(sj "$p.peers[0].allowedIPs[0]") $(sj "$p.peers[0].allowedIPs[1]")"
	assert_eq "peer: no preshared key" null "$(sj "$p.peers[0].presharedKey")"
	assert_eq "peer: keepalive" 25 "$(sj "$p.peers[0].persistentKeepalive")"
	hs=$(sj "$p.peers[0].latestHandshake")
	now=$(date +%s)
	if [ "${hs:-0}" -gt $((now - 120)) ] && [ "$hs" -le $((now + 5)) ]; then wgt_pass "peer: latest handshake is recent"
	else wgt_fail "peer: latest handshake is recent" "about $now" "$hs"; fi
	if [ "$(sj "$p.peers[0].rxBytes")" -gt 0 ] && [ "$(sj "$p.peers[0].txBytes")" -gt 0 ]; then
		wgt_pass "peer: bytes received and sent"
	else wgt_fail "peer: bytes received and sent" "> 0" "$(sj "$p.peers[0].rxBytes") $(sj "$p.peers[0].txBytes")"; fi
	assert_eq "no private key text in the output" 0 "$(grep -cF "$(cat "$WGT_DIR/key1")" "$WGT_DIR/show.out")"
	# Other suites may have attachments of their own at the same time: look for ours.
	show_json
	assert_eq "show without NET lists it too" "\"$WGT_NET\"" \
		"$(wgt_json_flat "$WGT_DIR/show.out" | awk -F '\t' -v n="\"$WGT_NET\"" '$1 ~ /\.network$/ && $2 == n { print $2 }')"

	wgcni show "$WGT_NET" --dir "$WGT_DIR/net" >"$WGT_DIR/show.txt"
	assert_match "text form: the peer" "peer: $(sed 's/[+/]/./g' "$WGT_DIR/srvkey.pub")" "$(cat "$WGT_DIR/show.txt")"
	assert_match "text form: the private key hidden" "private key: \(hidden\)" "$(cat "$WGT_DIR/show.txt")"
	assert_match "text form: kill switch" "kill switch: intact" "$(cat "$WGT_DIR/show.txt")"

	# The kill switch state is read, not assumed: break it and show must say so.
	ip netns exec "$WGT_NS_CTR" nft delete table inet wgcni-eth0
	show_json "$WGT_NET"
	assert_eq "kill switch removed: shown broken" '"broken"' "$(sj "$p.killSwitch")"
	assert_match "... with what is wrong" "wgcni-eth0|table" "$(sj "$p.killSwitchProblem")"

	wgt_cni DEL showctr "/run/netns/$WGT_NS_CTR" eth0 "$WGT_DIR/show.json"
	assert_eq "DEL after show" 0 "$CNI_RC"
	show_json "$WGT_NET"
	assert_rc "after DEL: none left" 3 "$SHOW_RC"
}
