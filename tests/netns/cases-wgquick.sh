# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# wgQuickConfig: a provider-style wg-quick file instead of the key and peer
# fields (ctr, key1, the server as its peer), and what the plugin refuses in one.

CID_WQ=wgt$WGT_ID-ctr-wq

# wq_file NAME [EXTRA-INTERFACE-LINE]: a wg-quick file for ctr (mode 0600), its path on stdout.
wq_file() {
	(
		umask 077
		cat >"$WGT_DIR/$1" <<-CONF
			# provider-style sample, key made by the test
			[Interface]
			PrivateKey = $(cat "$WGT_DIR/key1")
			Address = 10.64.0.2/32, fc00:bbbb::2/128
			DNS = $WGT_SERVER_V4, vpn.example
			MTU = 1380
			ListenPort = 51821
			${2:-}

			[Peer]
			PublicKey = $(cat "$WGT_DIR/srvkey.pub")
			Endpoint = 192.0.2.2:$WGT_SERVER_PORT
			AllowedIPs = 0.0.0.0/0, ::/0
			PersistentKeepalive = 25
		CONF
	)
	printf '%s' "$WGT_DIR/$1"
}

wq_conf() { # FILE NAME: a network naming only the file
	wgt_conf privateKeyFile=- address=- listenPort=- dns=- peers=- wgQuickConfig="\"$1\"" |
		wgt_file "$2"
}

wq_no_key_leaked() { # LABEL
	if grep -qF "$(cat "$WGT_DIR/key1")" "$CNI_OUT" "$CNI_ERR"; then
		wgt_fail "$1: private key not in the plugin's output" "absent" "present"
	else
		wgt_pass "$1: private key not in the plugin's output"
	fi
}

case_wgquick() {
	local file conf before after
	file=$(wq_file provider.conf)
	conf=$(wq_conf "$file" wq.json)
	wgt_cni ADD "$CID_WQ" "$CTR" eth0 "$conf"
	[ "$CNI_RC" = 0 ] || echo "# ADD $CID_WQ failed ($CNI_RC): $(cat "$CNI_OUT")"
	assert_rc "wgQuickConfig: ADD exit" 0 "$CNI_RC"
	cp "$CNI_OUT" "$WGT_DIR/wq.result"
	wq_no_key_leaked "wgQuickConfig: ADD"
	assert_eq "wgQuickConfig: eth0 addresses" "$(printf 'inet 10.64.0.2/32\ninet6 fc00:bbbb::2/128')" \
		"$(ctr_addrs "$WGT_NS_CTR")"
	assert_eq "wgQuickConfig: MTU from the file" 1380 "$(ctr_mtu "$WGT_NS_CTR")"
	assert_eq "wgQuickConfig: result DNS search domain from the file" vpn.example \
		"$(wgt_json_str "$CNI_OUT" '.dns.search[0]')"
	assert_eq "wgQuickConfig: UDP sockets on ListenPort 51821 in host (v4+v6)" 2 \
		"$(wgt_udp_port_count "$WGT_NS_HOST" 51821)"
	before=$(wgt_server_transfer "$WGT_DIR/key1.pub")
	ip netns exec "$WGT_NS_CTR" timeout 15 "$WGT_BUSYBOX" ping -c 3 -w 8 -q "$WGT_SERVER_V4" >/dev/null 2>&1
	assert_rc "wgQuickConfig: ping $WGT_SERVER_V4 through the tunnel" 0 $?
	after=$(wgt_server_transfer "$WGT_DIR/key1.pub")
	if [ "${after%% *}" -gt "${before%% *}" ] 2>/dev/null; then wgt_pass "wgQuickConfig: server rx bytes grew"; else
		wgt_fail "wgQuickConfig: server rx bytes grew" "rx > ${before%% *}" "rx ${after%% *}"; fi

	wgt_cni CHECK "$CID_WQ" "$CTR" eth0 "$(wgt_with_prev "$conf" "$WGT_DIR/wq.result" | wgt_file wq-check.json)"
	[ "$CNI_RC" = 0 ] || echo "# CHECK $CID_WQ failed ($CNI_RC): $(cat "$CNI_OUT")"
	assert_rc "wgQuickConfig: CHECK exit" 0 "$CNI_RC"
	wgt_cni DEL "$CID_WQ" "$CTR" eth0 "$conf"
	assert_rc "wgQuickConfig: DEL exit" 0 "$CNI_RC"
	assert_eq "wgQuickConfig: DEL leaves only lo in ctr" lo "$(wgt_links "$WGT_NS_CTR")"

	file=$(wq_file postup.conf "PostUp = iptables -t nat -A POSTROUTING -j MASQUERADE")
	conf=$(wq_conf "$file" wq-postup.json)
	wgt_cni ADD "$CID_WQ" "$CTR" eth0 "$conf"
	wgt_cni_error
	assert_rc "wgQuickConfig with PostUp: ADD exit" nonzero "$CNI_RC"
	assert_eq "wgQuickConfig with PostUp: code" 7 "$CNI_CODE"
	assert_match "wgQuickConfig with PostUp: names file and line" \
		"postup.conf:8: PostUp is not supported: hooks would run as root" "$CNI_MSG"
	wq_no_key_leaked "wgQuickConfig with PostUp"
	assert_eq "wgQuickConfig with PostUp: nothing created in ctr" lo "$(wgt_links "$WGT_NS_CTR")"

	file=$(wq_file open.conf)
	chmod 0644 "$file"
	conf=$(wq_conf "$file" wq-open.json)
	wgt_cni ADD "$CID_WQ" "$CTR" eth0 "$conf"
	wgt_cni_error
	assert_rc "wgQuickConfig mode 0644: ADD exit" nonzero "$CNI_RC"
	assert_eq "wgQuickConfig mode 0644: code" 7 "$CNI_CODE"
	assert_match "wgQuickConfig mode 0644: says why" "open.conf: readable by group or others" "$CNI_MSG"
	wgt_cni DEL "$CID_WQ" "$CTR" eth0 "$conf"
}
