# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# peer add/list/remove on a server-style network: the printed configuration
# brings a client (its own namespace, wg set + ip, no wg-quick) to a
# handshake with the running container; after remove it cannot.

SRV_NET=$WGT_NET-srv
SRV_PORT=51830
CLI_IF=wgp$WGT_ID

cli_cleanup_server_network() {
	local f base
	for f in "$WGT_STATE/attachments/$SRV_NET"/*; do
		[ -e "$f" ] || continue
		base=${f##*/}
		[ -f "$WGT_DIR/srvnet.json" ] &&
			wgt_cni DEL "${base%.*}" "$(wgt_state_get "$f" netns)" "${base##*.}" "$WGT_DIR/srvnet.json"
	done
	rm -rf "${WGT_STATE:?}/attachments/$SRV_NET"
	[ -f "$WGT_DIR/srvnetkey.hex" ] && rm -f "$WGT_STATE/keys/$(cat "$WGT_DIR/srvnetkey.hex")"
	return 0
}

# The client namespace, reaching the host's UDP socket over its own veth.
client_up() {
	local _
	wgt_ns_add "$WGT_NS_CLI" || return 1
	ip -n "$WGT_NS_HOST" link add "wgtk$WGT_ID" type veth peer name "wgtl$WGT_ID" netns "$WGT_NS_CLI" || return 1
	ip -n "$WGT_NS_HOST" addr add 198.18.0.1/24 dev "wgtk$WGT_ID"
	ip -n "$WGT_NS_CLI" addr add 198.18.0.2/24 dev "wgtl$WGT_ID"
	ip -n "$WGT_NS_HOST" link set "wgtk$WGT_ID" up
	ip -n "$WGT_NS_CLI" link set "wgtl$WGT_ID" up
	ip netns exec "$WGT_NS_CLI" env WG_PROCESS_FOREGROUND=1 wireguard-go "$CLI_IF" \
		</dev/null >"$WGT_DIR/client.log" 2>&1 &
	# shellcheck disable=SC2034 # stopped by cleanup in run.sh
	WGT_CLI_PID=$!
	for _ in $(seq 50); do
		[ -S "$WGT_WG_RUN/$CLI_IF.sock" ] && return 0
		sleep 0.1
	done
	return 1
}

# conf_value FILE KEY: the value of "Key = value" in a wg-quick file.
conf_value() {
	awk -v k="$2" -F ' = ' '$1 == k { print $2; exit }' "$1"
}

# Configure the client from a printed configuration the way wg-quick would, by hand.
client_configure() { # CONFIG-FILE
	local f=$1 old
	(umask 077 && conf_value "$f" PrivateKey >"$WGT_DIR/client.key" &&
		conf_value "$f" PresharedKey >"$WGT_DIR/client.psk")
	for old in $(ip netns exec "$WGT_NS_CLI" wg show "$CLI_IF" peers); do
		ip netns exec "$WGT_NS_CLI" wg set "$CLI_IF" peer "$old" remove
	done
	ip netns exec "$WGT_NS_CLI" wg set "$CLI_IF" private-key "$WGT_DIR/client.key" \
		peer "$(conf_value "$f" PublicKey)" preshared-key "$WGT_DIR/client.psk" \
		endpoint "$(conf_value "$f" Endpoint)" allowed-ips "$(conf_value "$f" AllowedIPs)" \
		persistent-keepalive "$(conf_value "$f" PersistentKeepalive)" || return 1
	ip -n "$WGT_NS_CLI" addr flush dev "$CLI_IF"
	ip -n "$WGT_NS_CLI" addr add "$(conf_value "$f" Address)" dev "$CLI_IF" || return 1
	ip -n "$WGT_NS_CLI" link set "$CLI_IF" up
	ip -n "$WGT_NS_CLI" route replace "$(conf_value "$f" AllowedIPs)" dev "$CLI_IF"
}

client_handshake() {
	ip netns exec "$WGT_NS_CLI" wg show "$CLI_IF" latest-handshakes | awk '{ print $2; exit }'
}

# The client knocks (its keepalive starts a handshake; the kill switch lets no new
# inbound through, so its ping itself is not counted), then the container pings the
# client through the tunnel; then the client's latest handshake (0: none).
client_try() {
	ip netns exec "$WGT_NS_CLI" "$WGT_BUSYBOX" ping -c 1 -W 2 10.70.0.1 >/dev/null 2>&1
	ip netns exec "$WGT_NS_CTR2" "$WGT_BUSYBOX" ping -c 2 -W 2 10.70.0.2 >/dev/null 2>&1
	CLIENT_PING=$?
	CLIENT_HS=$(client_handshake)
}

# The config part of peer add's stdout: up to the blank line before the QR code.
printed_config() { # STDOUT-FILE
	awk '/^$/ { blank++ } blank == 2 { exit } { print }' "$1"
}

case_peer() {
	local pid_before f
	wgt_genkey srvnetkey
	write_conflist "$SRV_NET" "$(wgt_conf cniVersion=- name=- privateKeyFile="\"$WGT_DIR/srvnetkey\"" \
		address='["10.70.0.1/24"]' listenPort=$SRV_PORT dns=- peers=- peerPool='"10.70.0.0/24"')"
	wgt_conf name="\"$SRV_NET\"" privateKeyFile="\"$WGT_DIR/srvnetkey\"" address='["10.70.0.1/24"]' \
		listenPort=$SRV_PORT dns=- peers=- peerPool='"10.70.0.0/24"' >"$WGT_DIR/srvnet.json"
	wgt_cni ADD srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/srvnet.json"
	wgt_require "peer" "ADD of a server network without peers" [ "$CNI_RC" = 0 ] || { cat "$CNI_OUT"; return; }
	wgt_require "peer" "client namespace" client_up || return
	pid_before=$(wgt_state_get "$(wgt_state_file "$SRV_NET" srvctr eth0)" helper_pid)

	wgcni peer add "$SRV_NET" phone --endpoint 198.18.0.1:$SRV_PORT --dir "$WGT_DIR/net" \
		>"$WGT_DIR/phone.out" 2>"$WGT_DIR/phone.err"
	assert_rc "peer add" 0 $?
	printed_config "$WGT_DIR/phone.out" >"$WGT_DIR/phone.conf"
	assert_eq "printed config: address from the pool" 10.70.0.2/32 "$(conf_value "$WGT_DIR/phone.conf" Address)"
	assert_eq "printed config: the network's public key" "$(cat "$WGT_DIR/srvnetkey.pub")" \
		"$(conf_value "$WGT_DIR/phone.conf" PublicKey)"
	assert_eq "printed config: endpoint" "198.18.0.1:$SRV_PORT" "$(conf_value "$WGT_DIR/phone.conf" Endpoint)"
	assert_eq "printed config: allowed IPs = the pool" 10.70.0.0/24 "$(conf_value "$WGT_DIR/phone.conf" AllowedIPs)"
	assert_match "one live attachment updated" "1 live attachment of $SRV_NET updated" "$(cat "$WGT_DIR/phone.err")"
	f=$WGT_PEERS_DIR/phone.peer
	assert_eq "stored peer and psk are 0600" "600 600" "$(stat -c %a "$f" "$WGT_PEERS_DIR/phone.psk" | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "stored peer: its public key" \
		"$(conf_value "$WGT_DIR/phone.conf" PrivateKey | wg pubkey)" "$(sed -n 's/^public_key=//p' "$f")"
	assert_eq "the client's private key is not stored" 0 \
		"$(grep -rcF "$(conf_value "$WGT_DIR/phone.conf" PrivateKey)" "$WGT_PEERS_DIR" | awk -F: '{ s += $2 } END { print s }')"
	assert_eq "container not restarted (same wireguard-go)" "$pid_before" \
		"$(wgt_state_get "$(wgt_state_file "$SRV_NET" srvctr eth0)" helper_pid)"

	wgt_require "peer" "client configured from the printed config" client_configure "$WGT_DIR/phone.conf" || return
	client_try
	assert_rc "the container reaches the new peer" 0 "$CLIENT_PING"
	if [ "${CLIENT_HS:-0}" -gt 0 ]; then wgt_pass "the new peer's handshake"; else wgt_fail "the new peer's handshake" "> 0" "$CLIENT_HS"; fi
	show_json "$SRV_NET"
	assert_eq "show: the peer on the device" "\"$(sed -n 's/^public_key=//p' "$f")\"" "$(sj .attachments[0].peers[0].publicKey)"
	assert_eq "show: its preshared key hidden" '"(hidden)"' "$(sj .attachments[0].peers[0].presharedKey)"

	wgcni peer add "$SRV_NET" laptop --no-qr --dir "$WGT_DIR/net" >"$WGT_DIR/laptop.out" 2>/dev/null
	assert_eq "second peer: next address" 10.70.0.3/32 "$(conf_value "$WGT_DIR/laptop.out" Address)"
	assert_eq "peer list" "laptop 10.70.0.3/32 phone 10.70.0.2/32" \
		"$(wgcni peer list "$SRV_NET" --dir "$WGT_DIR/net" | awk '{ printf "%s%s %s", (NR > 1 ? " " : ""), $1, $2 }')"
	wgcni peer add "$SRV_NET" phone --dir "$WGT_DIR/net" >/dev/null 2>"$WGT_DIR/dup.err"
	assert_rc "a taken name is refused" 2 $?
	assert_match "... naming the peer" "peer phone of network $SRV_NET already exists" "$(cat "$WGT_DIR/dup.err")"

	wgcni peer remove "$SRV_NET" phone --dir "$WGT_DIR/net" 2>/dev/null
	assert_rc "peer remove" 0 $?
	assert_eq "removed peer's files are gone" "" "$(ls "$WGT_PEERS_DIR"/phone.* 2>/dev/null)"
	wgcni peer remove "$SRV_NET" phone --dir "$WGT_DIR/net" 2>/dev/null
	assert_rc "removing it again: not found" 3 $?
	show_json "$SRV_NET"
	assert_eq "show: only laptop left on the device" \
		"\"$(sed -n 's/^public_key=//p' "$WGT_PEERS_DIR/laptop.peer")\" " \
		"$(sj .attachments[0].peers[0].publicKey) $(sj .attachments[0].peers[1].publicKey)"
	# A fresh session from the revoked client: no handshake can complete now.
	client_configure "$WGT_DIR/phone.conf"
	client_try
	assert_rc "the container cannot reach the removed peer" 1 "$CLIENT_PING"
	assert_eq "the removed peer gets no handshake" 0 "${CLIENT_HS:-0}"
	wgcni peer remove "$SRV_NET" laptop --dir "$WGT_DIR/net" 2>/dev/null

	wgcni peer add "$WGT_NET" x --dir "$WGT_DIR/net" >/dev/null 2>"$WGT_DIR/nopool.err"
	assert_rc "peer add to a network without peerPool" 2 $?
	assert_match "... names the file" "$WGT_NET.conflist: network $WGT_NET has no peerPool" "$(cat "$WGT_DIR/nopool.err")"
	wgcni peer add nosuchnet x --dir "$WGT_DIR/net" >/dev/null 2>&1
	assert_rc "peer add to an unknown network: not found" 3 $?
}

# qr_text_to_pgm: the terminal rendering (half blocks) back to pixels, 4x, for zbarimg.
# Light modules are the drawn ones: full block, upper half, lower half.
qr_text_to_pgm() {
	sed 's/\xe2\x96\x88/F/g; s/\xe2\x96\x80/T/g; s/\xe2\x96\x84/B/g' | awk '
	{ rows[NR] = $0; n = NR }
	END {
		w = length(rows[1]); s = 4
		printf "P2\n%d %d\n255\n", (w + 8) * s, (2 * n + 8) * s
		for (y = -4; y < 2 * n + 4; y++) for (r = 0; r < s; r++) {
			line = ""
			for (x = -4; x < w + 4; x++) {
				v = 255
				if (y >= 0 && y < 2 * n && x >= 0 && x < w) {
					c = substr(rows[int(y / 2) + 1], x + 1, 1)
					top = (c == "F" || c == "T")
					bottom = (c == "F" || c == "B")
					v = ((y % 2 == 0) ? top : bottom) ? 255 : 0
				}
				for (k = 0; k < s; k++) line = line v " "
			}
			print line
		}
	}'
}

case_qr() {
	local conf
	wgcni peer add "$SRV_NET" tablet --endpoint 198.18.0.1:$SRV_PORT --png "$WGT_DIR/tablet.png" \
		--dir "$WGT_DIR/net" >"$WGT_DIR/tablet.out" 2>/dev/null
	assert_rc "peer add --png" 0 $?
	assert_eq "the PNG is 0600 (it holds a key)" 600 "$(stat -c %a "$WGT_DIR/tablet.png" 2>/dev/null)"
	assert_eq "PNG decodes to exactly the printed config" "$(cat "$WGT_DIR/tablet.out")" \
		"$(zbarimg --raw -q "$WGT_DIR/tablet.png" 2>/dev/null)"

	wgcni peer add "$SRV_NET" watch --endpoint 198.18.0.1:$SRV_PORT --dir "$WGT_DIR/net" \
		>"$WGT_DIR/watch.out" 2>/dev/null
	conf=$(printed_config "$WGT_DIR/watch.out")
	awk '/^$/ { blank++; next } blank >= 2' "$WGT_DIR/watch.out" | LC_ALL=C qr_text_to_pgm >"$WGT_DIR/watch.pgm"
	assert_eq "terminal QR decodes to exactly the printed config" "$conf" \
		"$(zbarimg --raw -q "$WGT_DIR/watch.pgm" 2>/dev/null)"
	# Control: a different config does not decode to this one.
	[ "$(zbarimg --raw -q "$WGT_DIR/tablet.png" 2>/dev/null)" != "$conf" ]
	assert_rc "control: another peer's QR differs" 0 $?
	wgcni peer remove "$SRV_NET" tablet --dir "$WGT_DIR/net" 2>/dev/null
	wgcni peer remove "$SRV_NET" watch --dir "$WGT_DIR/net" 2>/dev/null
	assert_eq "no stored peers left (the store's stamp stays)" "stamp" "$(ls "$WGT_PEERS_DIR" 2>/dev/null)"
}

# A container started after `peer add` gets the stored peers from the plugin itself.
case_peer_at_add() {
	local pub
	wgcni peer add "$SRV_NET" late --no-qr --dir "$WGT_DIR/net" >"$WGT_DIR/late.out" 2>/dev/null
	assert_rc "peer add before the container starts" 0 $?
	pub=$(sed -n 's/^public_key=//p' "$WGT_PEERS_DIR/late.peer")
	wgt_cni DEL srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/srvnet.json"
	wgt_cni ADD srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/srvnet.json"
	assert_eq "ADD with a stored peer" 0 "$CNI_RC"
	cp "$CNI_OUT" "$WGT_DIR/late.result"
	show_json "$SRV_NET"
	assert_eq "the plugin merged the stored peer at ADD" "\"$pub\" 10.70.0.2/32" \
		"$(sj .attachments[0].peers[0].publicKey) $(wgt_json_str "$WGT_DIR/show.out" .attachments[0].peers[0].allowedIPs[0])"
	wgt_with_prev "$WGT_DIR/srvnet.json" "$WGT_DIR/late.result" >"$WGT_DIR/late.check"
	wgt_cni CHECK srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/late.check"
	assert_eq "CHECK counts the stored peer as configured" 0 "$CNI_RC"
	wgcni peer remove "$SRV_NET" late --dir "$WGT_DIR/net" 2>/dev/null
	wgt_cni CHECK srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/late.check"
	assert_eq "CHECK after remove (device and store agree again)" 0 "$CNI_RC"
}
