# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Cases 7 and 8: STATUS, and one private key used by one container only.

status_of() { # LABEL CONF-FILE
	wgt_cni STATUS "" "" "" "$2" -CNI_CONTAINERID -CNI_NETNS -CNI_IFNAME
	wgt_cni_error
}

# Can this machine create a kernel WireGuard device? (a throw-away namespace)
kernel_wireguard_available() {
	local ns=wgt-$WGT_ID-probe rc
	ip netns add "$ns" || return 1
	ip -n "$ns" link add wgprobe type wireguard 2>/dev/null
	rc=$?
	ip netns del "$ns"
	return $rc
}

case_status() {
	local conf
	conf=$(wgt_conf cniVersion='"1.1.0"' | wgt_file status-ok.json)
	status_of ok "$conf"
	assert_rc "STATUS with a good config: exit" 0 "$CNI_RC"
	assert_eq "STATUS with a good config: no output" "" "$(cat "$CNI_OUT")"

	conf=$(wgt_conf cniVersion='"1.1.0"' privateKeyFile="\"$WGT_DIR/no-such-key\"" | wgt_file status-nokey.json)
	status_of nokey "$conf"
	assert_rc "STATUS, key file missing: exit" nonzero "$CNI_RC"
	assert_eq "STATUS, key file missing: code" 50 "$CNI_CODE"
	assert_match "STATUS, key file missing: names the file" 'no-such-key' "$CNI_MSG"

	conf=$(wgt_conf cniVersion='"1.1.0"' backend='"userspace"' userspaceImplementation='"/nonexistent"' |
		wgt_file status-noimpl.json)
	status_of noimpl "$conf"
	assert_eq "STATUS, userspaceImplementation /nonexistent: code" 50 "$CNI_CODE"
	assert_match "STATUS, userspaceImplementation /nonexistent: names it" 'nonexistent' "$CNI_MSG"

	conf=$(wgt_conf cniVersion='"1.1.0"' backend='"kernel"' | wgt_file status-kernel.json)
	status_of kernel "$conf"
	if kernel_wireguard_available; then
		assert_rc "STATUS, backend kernel (module present): exit" 0 "$CNI_RC"
	else
		assert_rc "STATUS, backend kernel (no module here): exit" nonzero "$CNI_RC"
		assert_eq "STATUS, backend kernel (no module here): code" 50 "$CNI_CODE"
		assert_match "STATUS, backend kernel (no module here): says why" 'kernel|module' "$CNI_MSG"
	fi
}

case_key_in_use() {
	local conf_b rc
	attach_ctr "$WGT_DIR/c1.json" "$CID1" "$CTR" add1.result
	assert_rc "key in use: ADD ctr: exit" 0 "$CNI_RC"
	wgt_require "key in use" "ctr attached" ctr_attached "$CID1" add1.result || { detach_both; return; }
	wgt_residue_snapshot "$WGT_NS_CTR2" key1 key2
	# ctr2's addresses, ctr's key.
	conf_b=$(wgt_conf2 privateKeyFile="\"$WGT_DIR/key1\"" | wgt_file c2-key1.json)
	wgt_cni ADD "$CID2" "$CTR2" eth0 "$conf_b"
	wgt_cni_error
	assert_rc "key in use: ADD ctr2 with ctr's key: exit" nonzero "$CNI_RC"
	assert_match "key in use: error names $CID1" "$CID1" "$CNI_MSG"
	assert_wgt_no_residue_state "$CID2"
	wgt_assert_no_residue "key in use"
	wgt_cni DEL "$CID1" "$CTR" eth0 "$WGT_DIR/c1.json"
	assert_rc "key in use: DEL ctr: exit" 0 "$CNI_RC"

	# Both at once with the same key: exactly one wins.
	( wgt_cni ADD "$CID1" "$CTR" eth0 "$WGT_DIR/c1.json"; echo "$CNI_RC" >"$WGT_DIR/rc1" ) &
	local p1=$!
	( wgt_cni ADD "$CID2" "$CTR2" eth0 "$conf_b"; echo "$CNI_RC" >"$WGT_DIR/rc2" ) &
	wait "$p1" $!
	rc="$(cat "$WGT_DIR/rc1") $(cat "$WGT_DIR/rc2")"
	case $rc in
	"0 0") wgt_fail "same key, concurrent ADDs: exactly one succeeds" "one exit 0" "$rc" ;;
	"0 "* | *" 0") wgt_pass "same key, concurrent ADDs: exactly one succeeds ($rc)" ;;
	*) wgt_fail "same key, concurrent ADDs: exactly one succeeds" "one exit 0" "$rc" ;;
	esac
	assert_eq "same key, concurrent ADDs: one eth0 in all" 1 \
		"$(cat <(wgt_links "$WGT_NS_CTR") <(wgt_links "$WGT_NS_CTR2") | grep -c '^eth0$')"
	wgt_cni DEL "$CID1" "$CTR" eth0 "$WGT_DIR/c1.json"
	wgt_cni DEL "$CID2" "$CTR2" eth0 "$conf_b"
	assert_eq "same key: after DEL of both, no records" "" "$(ls "$WGT_STATE/attachments/$WGT_NET" 2>/dev/null)"
}

assert_wgt_no_residue_state() { # CID
	assert_eq "no record for $1" absent \
		"$([ -e "$(wgt_state_file "$WGT_NET" "$1" eth0)" ] && echo present || echo absent)"
}
