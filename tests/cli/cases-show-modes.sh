# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# show --json reads the kill switch of every mode as CHECK does: the table a
# standalone attachment with inboundPorts and dnsRedirect has, and the tables
# of one chained after the reference bridge plugin (tunnel wg0, LAN leg eth0),
# are "intact", and "broken" once one rule or chain of them is deleted.
# Without the network's configuration the expected table cannot be rebuilt:
# "unverified", never "intact". Uses cases-show.sh's helpers, key4 and key5.

SHOWM_NS=wgt-$WGT_ID-shc
SHOWM_CTR=/run/netns/$SHOWM_NS
SHOWM_BR=wgtbs$WGT_ID
SHOWM_CID=wgt$WGT_ID-showch

showm_cleanup() {
	[ -f "$WGT_DIR/showm-bridge.json" ] && showm_bridge DEL
	ip netns del "$SHOWM_NS" 2>/dev/null
	return 0
}

# showm_bridge COMMAND: the reference bridge plugin, run as wgt_cni runs ours.
showm_bridge() {
	local saved=$WGT_PLUGIN
	WGT_PLUGIN=/usr/lib/cni/bridge
	wgt_cni "$1" "$SHOWM_CID" "$SHOWM_CTR" eth0 "$WGT_DIR/showm-bridge.json" CNI_PATH=/usr/lib/cni
	WGT_PLUGIN=$saved
}

# The kill switch of attachment 0 of NET as show --json --dir DIR reports it: "STATE PROBLEM".
showm_ks() { # NET [DIR]
	wgcni show "$1" --json --dir "${2:-$WGT_DIR/net}" >"$WGT_DIR/show.out" 2>"$WGT_DIR/show.err"
	echo "$(sj '.attachments[0].killSwitch') $(sj '.attachments[0].killSwitchProblem')"
}

case_show_inbound() {
	local n=case_show_inbound net=$WGT_NET-ib handle
	local -a fields=(name="\"$net\"" privateKeyFile="\"$WGT_DIR/key4\""
		address='["10.64.0.5/32"]' listenPort=51824 dnsRedirect=true
		inboundPorts='[{"port":9000,"protocol":"tcp"},{"port":5353,"protocol":"udp"}]')
	wgt_genkey key4
	write_conflist "$net" "$(wgt_conf "${fields[@]}" cniVersion=- name=-)"
	wgt_conf "${fields[@]}" >"$WGT_DIR/showm-ib.json"
	wgt_cni ADD showib "/run/netns/$WGT_NS_CTR" wgs0 "$WGT_DIR/showm-ib.json"
	wgt_require "$n" "ADD with inboundPorts and dnsRedirect succeeds" [ "$CNI_RC" = 0 ] || return
	assert_match "$n: control: the table has the inbound rule" 'tcp dport 9000' \
		"$(ip netns exec "$WGT_NS_CTR" nft list chain inet wgcni-wgs0 input)"

	assert_eq "$n: intact" '"intact" null' "$(showm_ks "$net")"
	wgcni show "$net" --dir "$WGT_DIR/net" >"$WGT_DIR/show.txt"
	assert_match "$n: text form: intact" "kill switch: intact" "$(cat "$WGT_DIR/show.txt")"
	mkdir -p "$WGT_DIR/empty"
	assert_match "$n: without the configuration: unverified, saying why" \
		'^"unverified" "no configuration of ' "$(showm_ks "$net" "$WGT_DIR/empty")"

	handle=$(ip netns exec "$WGT_NS_CTR" nft -a list chain inet wgcni-wgs0 input |
		sed -n 's/.*dport 9000 .*# handle \([0-9]*\)$/\1/p')
	ip netns exec "$WGT_NS_CTR" nft delete rule inet wgcni-wgs0 input handle "${handle:-none}"
	assert_match "$n: the inbound rule deleted: broken, saying where" '^"broken" ".*input' \
		"$(showm_ks "$net")"

	wgt_cni DEL showib "/run/netns/$WGT_NS_CTR" wgs0 "$WGT_DIR/showm-ib.json"
	assert_eq "$n: DEL" 0 "$CNI_RC"
}

case_show_chained() {
	local n=case_show_chained net=$WGT_NET-ch p='.attachments[0]'
	local -a fields=(name="\"$net\"" privateKeyFile="\"$WGT_DIR/key5\""
		address='["10.64.0.6/32"]' listenPort=51825
		inboundPorts='[{"port":9000,"protocol":"tcp"}]')
	if ! [ -x /usr/lib/cni/bridge ] || ! [ -x /usr/lib/cni/host-local ]; then
		echo "# SKIP $n: no reference bridge/host-local plugin in /usr/lib/cni"
		return 0
	fi
	wgt_genkey key5
	wgt_require "$n" "a namespace" wgt_ns_add "$SHOWM_NS" || return
	printf '{"cniVersion":"1.0.0","name":"%s","type":"bridge","bridge":"%s","isGateway":true,%s%s\n' \
		"$net" "$SHOWM_BR" "\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$WGT_DIR/showm-ipam\"," \
		'"routes":[{"dst":"0.0.0.0/0"}],"ranges":[[{"subnet":"10.89.0.0/24","gateway":"10.89.0.1"}]]}}' \
		>"$WGT_DIR/showm-bridge.json"
	showm_bridge ADD
	wgt_require "$n" "bridge ADD succeeds" [ "$CNI_RC" = 0 ] || { showm_cleanup; return; }
	cp "$CNI_OUT" "$WGT_DIR/showm-bridge.result"
	write_conflist "$net" "$(wgt_conf "${fields[@]}" cniVersion=- name=-)"
	wgt_conf "${fields[@]}" >"$WGT_DIR/showm-ch-base.json"
	wgt_with_prev "$WGT_DIR/showm-ch-base.json" "$WGT_DIR/showm-bridge.result" >"$WGT_DIR/showm-ch.json"
	wgt_cni ADD "$SHOWM_CID" "$SHOWM_CTR" eth0 "$WGT_DIR/showm-ch.json"
	wgt_require "$n" "chained ADD succeeds" [ "$CNI_RC" = 0 ] || { showm_cleanup; return; }
	assert_match "$n: control: chained, the netdev egress table is there" 'egress-eth0' \
		"$(ip netns exec "$SHOWM_NS" nft list table netdev wgcni-wg0)"

	assert_eq "$n: intact" '"intact" null' "$(showm_ks "$net")"
	assert_eq "$n: the interface is the LAN leg" '"eth0"' "$(sj "$p.interface")"
	assert_eq "$n: addresses read from the tunnel wg0" '"10.64.0.6/32" "namespace"' \
		"$(sj "$p.addresses[0]") $(sj "$p.addressesFrom")"
	assert_eq "$n: the tunnel's device readable" null "$(sj "$p.deviceProblem")"
	assert_eq "$n: its listen port" 51825 "$(sj "$p.listenPort")"

	ip netns exec "$SHOWM_NS" nft delete chain netdev wgcni-wg0 egress-eth0
	assert_match "$n: the egress chain deleted: broken, saying which" \
		'^"broken" ".*egress-eth0' "$(showm_ks "$net")"

	wgt_cni DEL "$SHOWM_CID" "$SHOWM_CTR" eth0 "$WGT_DIR/showm-ch.json"
	assert_eq "$n: DEL" 0 "$CNI_RC"
	showm_cleanup
	rm -f "$WGT_DIR/showm-bridge.json"
}
