# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Case 4: CHECK passes on an intact attachment and fails, naming the part,
# after each thing it must watch is changed behind its back.

# run_check CID NETNS CONF RESULT: CHECK with the ADD result as prevResult.
run_check() {
	local input
	input=$(wgt_with_prev "$3" "$4" | wgt_file "check-$1.json")
	wgt_cni CHECK "$1" "$2" eth0 "$input"
}

check_passes() { # LABEL
	run_check "$CID1" "$CTR" "$WGT_DIR/c1.json" "$WGT_DIR/add1.result"
	assert_rc "CHECK $1: exit" 0 "$CNI_RC"
	assert_eq "CHECK $1: no output" "" "$(cat "$CNI_OUT")"
}

# check_fails LABEL REGEX: CHECK must fail with a message matching REGEX.
check_fails() {
	run_check "$CID1" "$CTR" "$WGT_DIR/c1.json" "$WGT_DIR/add1.result"
	wgt_cni_error
	assert_rc "CHECK after $1: exit" nonzero "$CNI_RC"
	assert_match "CHECK after $1: error names it" "$2" "$CNI_MSG"
}

# Tear down and attach ctr again, for changes that cannot be undone by hand.
reattach_ctr() {
	wgt_cni DEL "$CID1" "$CTR" eth0 "$WGT_DIR/c1.json"
	assert_rc "restore after $1: DEL" 0 "$CNI_RC"
	attach_ctr "$WGT_DIR/c1.json" "$CID1" "$CTR" add1.result
	assert_rc "restore after $1: ADD" 0 "$CNI_RC"
}

case_check() {
	local state dev srv
	wgt_require "CHECK" "ctr attached by case_add" ctr_attached "$CID1" add1.result || return
	state=$(wgt_state_file "$WGT_NET" "$CID1" eth0)
	dev=$(client_wg_dev "$state")
	srv=$(cat "$WGT_DIR/srvkey.pub")
	check_passes "right after ADD"

	ip -n "$WGT_NS_CTR" addr del 10.64.0.2/32 dev eth0
	check_fails "deleting 10.64.0.2/32" '10\.64\.0\.2'
	# Removing a device's last IPv4 address also flushes its IPv4 routes: restore both.
	ip -n "$WGT_NS_CTR" addr add 10.64.0.2/32 dev eth0
	ip -n "$WGT_NS_CTR" route replace 0.0.0.0/0 dev eth0 proto static scope link
	check_passes "restoring the address"

	ip -n "$WGT_NS_CTR" route del 0.0.0.0/0 dev eth0
	check_fails "deleting route 0.0.0.0/0" '0\.0\.0\.0/0'
	ip -n "$WGT_NS_CTR" route add 0.0.0.0/0 dev eth0 proto static scope link
	check_passes "restoring route 0.0.0.0/0"

	ip -n "$WGT_NS_CTR" -6 route del ::/0 dev eth0
	check_fails "deleting route ::/0" '::/0'
	ip -n "$WGT_NS_CTR" -6 route add ::/0 dev eth0 proto static
	check_passes "restoring route ::/0"

	client_wg "$state" set "$dev" peer "$srv" allowed-ips 10.64.0.0/24
	check_fails "narrowing the peer's allowed IPs" 'allowed'
	client_wg "$state" set "$dev" peer "$srv" allowed-ips 0.0.0.0/0,::/0
	check_passes "restoring the allowed IPs"

	client_wg "$state" set "$dev" peer "$srv" remove
	check_fails "removing the peer" 'peer'
	client_wg "$state" set "$dev" peer "$srv" endpoint "192.0.2.2:$WGT_SERVER_PORT" \
		allowed-ips 0.0.0.0/0,::/0 persistent-keepalive 25
	check_passes "restoring the peer"

	client_wg "$state" set "$dev" private-key "$WGT_DIR/key3"
	check_fails "changing the private key" 'private key|privateKey'
	client_wg "$state" set "$dev" private-key "$WGT_DIR/key1"
	check_passes "restoring the private key"

	ip netns exec "$WGT_NS_CTR" nft delete table inet wgcni-eth0
	check_fails "deleting the kill switch table" 'kill.?switch|wgcni-eth0'
	reattach_ctr "the kill switch table"
	check_passes "re-attaching (table)"
	wgt_require "CHECK" "ctr re-attached" ctr_attached "$CID1" add1.result || return

	ip -n "$WGT_NS_CTR" link del eth0
	check_fails "deleting eth0" 'eth0'
	reattach_ctr "eth0"
	check_passes "re-attaching (eth0)"
}
