# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Case 2: one ADD, checked from every side: result, container, host, server.

CID1=wgt$WGT_ID-ctr-a
CID2=wgt$WGT_ID-ctr-b
CTR=/run/netns/$WGT_NS_CTR
CTR2=/run/netns/$WGT_NS_CTR2

ctr_addrs() { ip -n "$1" -o addr show dev eth0 2>/dev/null | awk '{ print $3, $4 }'; }
ctr_mtu() { ip -n "$1" -o link show dev eth0 2>/dev/null | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
ctr_flags() { ip -n "$1" -o link show dev eth0 2>/dev/null | sed -n 's/^[0-9]*: [^:]*: <\([^>]*\)>.*/\1/p'; }
ctr_routes4() { ip -n "$1" route show 2>/dev/null | sed 's/ *$//'; }
ctr_routes6() { ip -n "$1" -6 route show 2>/dev/null | sed 's/ *$//'; }

# attach_ctr CONF-FILE CID NETNS-PATH RESULT-NAME: an ADD expected to work; result kept.
attach_ctr() {
	wgt_cni ADD "$2" "$3" eth0 "$1"
	cp "$CNI_OUT" "$WGT_DIR/$4"
	[ "$CNI_RC" = 0 ] || echo "# ADD $2 failed ($CNI_RC): $(cat "$CNI_OUT")"
}

# wgt <cid-state-file> ARGS...: `wg` on the container's device, from where each backend allows.
client_wg() {
	local state=$1
	shift
	if [ "$(wgt_state_get "$state" backend)" = userspace ]; then
		ip netns exec "$WGT_NS_HOST" wg "$@"
	else
		ip netns exec "$WGT_NS_CTR" wg "$@"
	fi
}
client_wg_dev() { # STATE-FILE: the device name client_wg takes
	if [ "$(wgt_state_get "$1" backend)" = userspace ]; then wgt_state_get "$1" host_ifname; else echo eth0; fi
}

# until_true SECONDS CMD...: poll every 0.1 s.
until_true() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

# ctr is attached: the ADD result is a JSON document and the record exists.
ctr_attached() { # CID RESULT-NAME
	wgt_json_flat "$WGT_DIR/$2" >/dev/null && [ -e "$(wgt_state_file "$WGT_NET" "$1" eth0)" ]
}

payload_arrived() { grep -Fxq "$1" "$WGT_DIR/received"; }

case_add() {
	local conf state pid before after payload hs
	conf=$(wgt_conf | wgt_file c1.json)
	attach_ctr "$conf" "$CID1" "$CTR" add1.result
	assert_rc "ADD: exit" 0 "$CNI_RC"
	assert_eq "ADD: result" "$(expected_result 1.0.0 "$WGT_NS_CTR" 10.64.0.2 fc00:bbbb::2 | LC_ALL=C sort)" \
		"$(sorted_flat "$CNI_OUT")"

	assert_eq "ADD: container links" "$(printf 'eth0\nlo')" "$(wgt_links "$WGT_NS_CTR")"
	assert_eq "ADD: eth0 addresses" "$(printf 'inet 10.64.0.2/32\ninet6 fc00:bbbb::2/128')" \
		"$(ctr_addrs "$WGT_NS_CTR")"
	assert_eq "ADD: eth0 mtu (default)" 1420 "$(ctr_mtu "$WGT_NS_CTR")"
	assert_match "ADD: eth0 is up" '(^|,)UP(,|$)' "$(ctr_flags "$WGT_NS_CTR")"
	assert_match "ADD: eth0 has carrier" '(^|,)LOWER_UP(,|$)' "$(ctr_flags "$WGT_NS_CTR")"
	assert_eq "ADD: IPv4 routes" "default dev eth0 proto static scope link" "$(ctr_routes4 "$WGT_NS_CTR")"
	assert_eq "ADD: IPv6 routes" "$(printf '%s\n%s' \
		"fc00:bbbb::2 dev eth0 proto kernel metric 256 pref medium" \
		"default dev eth0 proto static metric 1024 pref medium")" "$(ctr_routes6 "$WGT_NS_CTR")"
	assert_eq "ADD: kill switch table in ctr" "table inet wgcni-eth0" "$(wgt_nft_tables "$WGT_NS_CTR")"
	assert_eq "ADD: UDP sockets on listenPort 51821 in host (v4+v6)" 2 "$(wgt_udp_port_count "$WGT_NS_HOST" 51821)"
	assert_eq "ADD: UDP sockets in ctr" 0 "$(wgt_udp_count "$WGT_NS_CTR")"

	state=$(wgt_state_file "$WGT_NET" "$CID1" eth0)
	assert_eq "ADD: state record backend" "$WGT_BACKEND" "$(wgt_state_get "$state" backend)"
	assert_eq "ADD: key claim names the container" "$CID1" \
		"$(grep -o "$CID1" "$WGT_STATE/keys/$(cat "$WGT_DIR/key1.hex")" 2>/dev/null | head -n 1)"
	if [ "$WGT_BACKEND" = userspace ]; then
		pid=$(wgt_state_get "$state" helper_pid)
		assert_eq "ADD: helper_pid is the wireguard-go in host" "${pid:-none recorded}" \
			"$(wgt_wggo_pids "$WGT_NS_HOST" | grep . || echo none running)"
		assert_match "ADD: host_ifname is wgc + 12 hex" '^wgc[0-9a-f]{12}$' "$(wgt_state_get "$state" host_ifname)"
		assert_eq "ADD: UAPI socket" "$WGT_WG_RUN/$(wgt_state_get "$state" host_ifname).sock" \
			"$(ls "$WGT_WG_RUN"/wgc*.sock 2>/dev/null)"
		assert_eq "ADD: helper's stdout/stderr are not the plugin's" "" \
			"$(ls -l "/proc/$pid/fd/1" "/proc/$pid/fd/2" 2>/dev/null | grep -E 'pipe:|/out/')"
	fi

	ip netns exec "$WGT_NS_CTR" timeout 15 "$WGT_BUSYBOX" ping -c 3 -w 8 -q "$WGT_SERVER_V4" >/dev/null 2>&1
	assert_rc "ADD: ping $WGT_SERVER_V4 through the tunnel" 0 $?
	ip netns exec "$WGT_NS_CTR" timeout 15 "$WGT_BUSYBOX" ping -6 -c 3 -w 8 -q "$WGT_SERVER_V6" >/dev/null 2>&1
	assert_rc "ADD: ping $WGT_SERVER_V6 through the tunnel" 0 $?
	hs=$(wgt_server_handshake "$WGT_DIR/key1.pub")
	if [ "${hs:-0}" != 0 ]; then wgt_pass "ADD: server saw a handshake"; else
		wgt_fail "ADD: server saw a handshake" "latest-handshake > 0" "${hs:-no peer}"; fi

	before=$(wgt_server_transfer "$WGT_DIR/key1.pub")
	payload=wgt-$WGT_ID-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	wgt_tcp_send "$WGT_NS_CTR" "$WGT_SERVER_V4" "$payload"
	assert_rc "ADD: TCP send through the tunnel" 0 $?
	until_true 3 payload_arrived "$payload"
	assert_rc "ADD: unique payload arrived at the server's listener" 0 $?
	after=$(wgt_server_transfer "$WGT_DIR/key1.pub")
	if [ "${after%% *}" -gt "${before%% *}" ] 2>/dev/null; then wgt_pass "ADD: server rx bytes grew"; else
		wgt_fail "ADD: server rx bytes grew" "rx > ${before%% *}" "rx ${after%% *}"; fi
}
