# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# podman 5's "beside" mode without podman: the netavark plugin binary run as netavark
# runs it (`setup NETNS`, the request on stdin), in ctr, from the host namespace.
# The container's interfaces other than lo and the tunnel each get an egress chain,
# and the record lists them separated by commas: an interface whose name has a comma,
# or more than 16 of them, must fail setup naming it, before anything exists. The
# netavark error reply ({"error": "..."}) carries no CNI code: the unit test
# test_attach.c (add_beside_*) asserts the code (4).
#
#   wgt-PID-ctr: lo, and the links the case makes (dummy, else bridge), named after PID

BESIDE_NETAVARK=${WGCNI_NETAVARK:-$(dirname "$WGT_PLUGIN")/netavark/wireguard}
BESIDE_CID=$(printf 'b%063d' "$WGT_ID")

# beside_setup COMMAND: the plugin as netavark runs it; BESIDE_RC, BESIDE_OUT (a file).
beside_setup() {
	local network
	network=$(printf '{"name":"%s","driver":"wireguard","options":{"config":"%s"}}' \
		"$WGT_NET" "$WGT_DIR/beside.json")
	WGT_CNI_N=$((WGT_CNI_N + 1))
	BESIDE_OUT=$WGT_DIR/out/$WGT_CNI_N.beside-$1.stdout
	printf '{"container_id":"%s","container_name":"t","port_mappings":[],"network":%s,"network_options":{"aliases":[],"interface_name":"eth0","options":null}}\n' \
		"$BESIDE_CID" "$network" |
		ip netns exec "$WGT_NS_HOST" timeout "$WGT_CNI_TIMEOUT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			"$BESIDE_NETAVARK" "$1" "$CTR" >"$BESIDE_OUT" 2>"$BESIDE_OUT.stderr"
	BESIDE_RC=$?
	[ "$WGT_VERBOSE" = 1 ] && echo "# beside $1 -> $BESIDE_RC: $(cat "$BESIDE_OUT")" >&2
	return 0
}

beside_link_add() { # NAME: a link in ctr with no other end anywhere
	ip -n "$WGT_NS_CTR" link add "$1" type dummy 2>/dev/null ||
		ip -n "$WGT_NS_CTR" link add "$1" type bridge
}

# beside_refused LABEL REGEX: setup must fail naming it and leave nothing behind.
beside_refused() {
	wgt_residue_snapshot "$WGT_NS_CTR" key1
	beside_setup setup
	assert_rc "beside, $1: setup fails" 1 "$BESIDE_RC"
	assert_match "beside, $1: the error names it" "$2" "$(wgt_json_str "$BESIDE_OUT" .error)"
	wgt_assert_no_residue "beside, $1"
	[ "$BESIDE_RC" = 0 ] && beside_setup teardown
	return 0
}

# beside_accepted LABEL LEG: the control: setup works, leaves an attachment whose record
# names LEG (so the residue check sees one), and teardown removes it all.
beside_accepted() {
	local state
	wgt_residue_snapshot "$WGT_NS_CTR" key1
	beside_setup setup
	assert_rc "beside, $1: setup works" 0 "$BESIDE_RC"
	state=$(wgt_state_file "$WGT_NET" "$BESIDE_CID" eth0)
	assert_match "beside, $1: the record lists $2 among the egress legs" "(^|,)$2(,|$)" \
		"$(wgt_state_get "$state" egress_legs)"
	assert_eq "beside, $1: the residue check sees the attachment" different \
		"$([ "$(wgt_residue "${WGT_RESIDUE_ARGS[@]}")" = "$(cat "$WGT_DIR/residue.before")" ] &&
			echo same || echo different)"
	beside_setup teardown
	assert_rc "beside, $1: teardown" 0 "$BESIDE_RC"
	wgt_assert_no_residue "beside, $1, after teardown"
}

beside_comma() {
	beside_link_add "wb,$WGT_ID" || { wgt_fail "beside: a link named wb,$WGT_ID" "created" "refused"; return; }
	beside_refused "a comma in an interface name" "interface .{0,2}wb,$WGT_ID.{0,2} in the container: a name the kill switch cannot record an egress chain for"
	ip -n "$WGT_NS_CTR" link del "wb,$WGT_ID"
	beside_link_add "wb.$WGT_ID"
	beside_accepted "the same interface without the comma" "wb\\.$WGT_ID"
	ip -n "$WGT_NS_CTR" link del "wb.$WGT_ID"
}

# 17 links beside lo (the tunnel is not there yet): one more than a record holds.
beside_too_many() {
	local i
	for i in $(seq 0 16); do
		beside_link_add "wb$WGT_ID-$i" || { wgt_fail "beside: link $i of 17" "created" "refused"; return; }
	done
	beside_refused "17 interfaces beside the tunnel" \
		"more than 16 interfaces beside the tunnel in the container: no egress chain for wb$WGT_ID-16: "
	ip -n "$WGT_NS_CTR" link del "wb$WGT_ID-16"
	beside_accepted "16 interfaces beside the tunnel" "wb$WGT_ID-15"
	for i in $(seq 0 15); do
		ip -n "$WGT_NS_CTR" link del "wb$WGT_ID-$i"
	done
}

case_beside() {
	if [ ! -x "$BESIDE_NETAVARK" ]; then
		wgt_fail "beside: the netavark plugin" "$BESIDE_NETAVARK" "missing"
		return
	fi
	wgt_conf | wgt_file beside.json >/dev/null
	beside_comma
	beside_too_many
	assert_eq "beside: ctr back to lo only" lo "$(wgt_links "$WGT_NS_CTR")"
}
