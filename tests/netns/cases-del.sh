# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Cases 5 and 6: DEL removes everything and is idempotent; GC removes exactly
# the attachments not listed.

# assert_detached LABEL STATE-FILE-COPY NETNS-NAME KEY: nothing of the attachment remains.
# The record is read from a copy taken before DEL (DEL removes the original).
assert_detached() {
	local label=$1 rec=$2 ns=$3 key=$4 pid hostif
	pid=$(wgt_state_get "$rec" helper_pid)
	hostif=$(wgt_state_get "$rec" host_ifname)
	assert_eq "$label: host links" "$(printf 'lo\n%s' "$WGT_VETH_HOST")" "$(wgt_links "$WGT_NS_HOST")"
	if [ -n "$ns" ]; then
		assert_eq "$label: container links" lo "$(wgt_links "$ns")"
		assert_eq "$label: nft tables in container" "" "$(wgt_nft_tables "$ns")"
	fi
	if [ "$WGT_BACKEND" = userspace ]; then
		until_true 1 wgt_pid_gone "${pid:-0}"
		assert_rc "$label: wireguard-go (pid ${pid:-none recorded}) gone" 0 $?
		[ -n "$pid" ] || wgt_fail "$label: helper_pid recorded" "a pid" "none"
		assert_eq "$label: UAPI socket of ${hostif:-?} removed" absent \
			"$([ -e "$WGT_WG_RUN/$hostif.sock" ] && [ -n "$hostif" ] && echo present || echo absent)"
	fi
	assert_eq "$label: state record removed" absent \
		"$([ -e "$(wgt_state_file "$WGT_NET" "$(basename "${rec%.*}")" eth0)" ] && echo present || echo absent)"
	assert_eq "$label: key claim released" absent \
		"$([ -e "$WGT_STATE/keys/$(cat "$WGT_DIR/$key.hex")" ] && echo present || echo absent)"
}

# Keep a copy of a live record, named like the original, for assert_detached.
keep_record() { # CID
	mkdir -p "$WGT_DIR/rec"
	cp "$(wgt_state_file "$WGT_NET" "$1" eth0)" "$WGT_DIR/rec/$1.eth0" 2>/dev/null
	printf '%s' "$WGT_DIR/rec/$1.eth0"
}

case_del() {
	local rec input cid3=wgt$WGT_ID-ctr-c ns3=wgt-$WGT_ID-ctr3 conf3
	rec=$(keep_record "$CID1")
	input=$(wgt_with_prev "$WGT_DIR/c1.json" "$WGT_DIR/add1.result" | wgt_file del1.json)
	wgt_cni DEL "$CID1" "$CTR" eth0 "$input"
	assert_rc "DEL: exit" 0 "$CNI_RC"
	assert_eq "DEL: no output" "" "$(cat "$CNI_OUT")"
	assert_detached "DEL" "$rec" "$WGT_NS_CTR" key1
	wgt_cni DEL "$CID1" "$CTR" eth0 "$input"
	assert_rc "DEL again: exit" 0 "$CNI_RC"

	# DEL, then at once ADD in the same namespace, nothing in between: when DEL
	# returns, the interface name is free (the kernel's teardown may run on).
	attach_ctr "$WGT_DIR/c1.json" "$CID1" "$CTR" add1.result
	assert_rc "ADD after DEL: exit" 0 "$CNI_RC"
	wgt_cni DEL "$CID1" "$CTR" eth0 "$input"
	local del_rc=$CNI_RC
	attach_ctr "$WGT_DIR/c1.json" "$CID1" "$CTR" add1.result
	assert_eq "DEL, then ADD at once: exits" "0 0" "$del_rc $CNI_RC"
	assert_eq "DEL, then ADD at once: container links" "$(printf 'eth0\nlo')" \
		"$(wgt_links "$WGT_NS_CTR")"
	rec=$(keep_record "$CID1")
	wgt_cni DEL "$CID1" "$CTR" eth0 "$input"
	assert_rc "DEL after the immediate re-ADD: exit" 0 "$CNI_RC"
	assert_detached "DEL after the immediate re-ADD" "$rec" "$WGT_NS_CTR" key1

	# A stopped helper (SIGSTOP) still ends with DEL: a TERM alone would stay pending.
	if [ "$WGT_BACKEND" = userspace ]; then
		attach_ctr "$WGT_DIR/c1.json" "$CID1" "$CTR" add1.result
		rec=$(keep_record "$CID1")
		local stopped
		stopped=$(wgt_state_get "$rec" helper_pid)
		kill -STOP "${stopped:-0}"
		assert_eq "stopped helper: stopped before DEL" T \
			"$(awk '/^State:/ { print $2 }' "/proc/${stopped:-0}/status" 2>/dev/null)"
		wgt_cni DEL "$CID1" "$CTR" eth0 "$input"
		assert_rc "DEL of a stopped helper: exit" 0 "$CNI_RC"
		assert_detached "DEL of a stopped helper" "$rec" "$WGT_NS_CTR" key1
		kill -CONT "${stopped:-0}" 2>/dev/null
	fi

	# The runtime deleted the namespace first, then calls DEL without one.
	wgt_ns_add "$ns3"
	conf3=$(wgt_conf | wgt_file c3.json)
	attach_ctr "$conf3" "$cid3" "/run/netns/$ns3" add3.result
	assert_rc "ADD in ctr3: exit" 0 "$CNI_RC"
	rec=$(keep_record "$cid3")
	ip netns del "$ns3"
	wgt_cni DEL "$cid3" "" eth0 "$conf3"
	assert_rc "DEL with CNI_NETNS=\"\" after the netns is gone: exit" 0 "$CNI_RC"
	assert_detached "DEL without netns" "$rec" "" key1
	wgt_cni DEL "$cid3" "/run/netns/$ns3" eth0 "$conf3"
	assert_rc "DEL naming the deleted netns path: exit" 0 "$CNI_RC"

	wgt_cni DEL "wgt$WGT_ID-never-added" "$CTR" eth0 "$WGT_DIR/c1.json"
	assert_rc "DEL before any ADD: exit" 0 "$CNI_RC"
	wgt_cni DEL "wgt$WGT_ID-never-added" "" eth0 "$WGT_DIR/c1.json"
	assert_rc "DEL before any ADD, CNI_NETNS=\"\": exit" 0 "$CNI_RC"
	assert_eq "DEL before any ADD: ctr untouched" lo "$(wgt_links "$WGT_NS_CTR")"
	# Every attachment of the network is gone now, and its state directory with the last.
	assert_eq "DEL of the network's last attachment: no state directory left" "" \
		"$(ls -d "$WGT_STATE/attachments/$WGT_NET" 2>&1 | grep -v 'No such file')"
}

# Two ADDs at the same time (different containers and keys) both work.
attach_both_concurrently() {
	local c2
	c2=$(wgt_conf2 | wgt_file c2.json)
	( attach_ctr "$WGT_DIR/c1.json" "$CID1" "$CTR" add1.result; echo "$CNI_RC" >"$WGT_DIR/rc1" ) &
	local p1=$!
	( attach_ctr "$c2" "$CID2" "$CTR2" add2.result; echo "$CNI_RC" >"$WGT_DIR/rc2" ) &
	wait "$p1" $!
	assert_eq "concurrent ADDs: both exit 0" "0 0" "$(cat "$WGT_DIR/rc1") $(cat "$WGT_DIR/rc2")"
	assert_eq "concurrent ADDs: ctr has eth0" "$(printf 'eth0\nlo')" "$(wgt_links "$WGT_NS_CTR")"
	assert_eq "concurrent ADDs: ctr2 has eth0" "$(printf 'eth0\nlo')" "$(wgt_links "$WGT_NS_CTR2")"
}

# Best effort, between cases: DEL both containers, results not asserted.
detach_both() {
	wgt_cni DEL "$CID1" "$CTR" eth0 "$WGT_DIR/c1.json"
	wgt_cni DEL "$CID2" "$CTR2" eth0 "$WGT_DIR/c2.json"
}

case_gc() {
	local rec1 rec2 input
	attach_both_concurrently
	wgt_require "GC" "ctr attached" ctr_attached "$CID1" add1.result &&
		wgt_require "GC" "ctr2 attached" ctr_attached "$CID2" add2.result || { detach_both; return; }
	rec1=$(keep_record "$CID1")
	rec2=$(keep_record "$CID2")
	input=$(wgt_conf cniVersion='"1.1.0"' \
		cni.dev/valid-attachments="[{\"containerID\":\"$CID1\",\"ifname\":\"eth0\"}]" |
		wgt_file gc.json)
	wgt_cni GC "" "" "" "$input" -CNI_CONTAINERID -CNI_NETNS -CNI_IFNAME
	assert_rc "GC: exit" 0 "$CNI_RC"
	# ctr's attachment is listed: everything stays, CHECK agrees.
	assert_eq "GC: ctr's record kept" present \
		"$([ -e "$(wgt_state_file "$WGT_NET" "$CID1" eth0)" ] && echo present || echo absent)"
	if [ "$WGT_BACKEND" = userspace ]; then
		wgt_pid_gone "$(wgt_state_get "$rec1" helper_pid)"
		assert_rc "GC: ctr's wireguard-go still runs" 1 $?
	fi
	check_passes "after GC (ctr kept)"
	# ctr2's is not: gone, host side and container side. Only ctr's link may remain in host.
	assert_eq "GC: ctr2 links" lo "$(wgt_links "$WGT_NS_CTR2")"
	assert_eq "GC: nft tables in ctr2" "" "$(wgt_nft_tables "$WGT_NS_CTR2")"
	if [ "$WGT_BACKEND" = userspace ]; then
		until_true 1 wgt_pid_gone "$(wgt_state_get "$rec2" helper_pid)"
		assert_rc "GC: ctr2's wireguard-go gone" 0 $?
		assert_eq "GC: only ctr's UAPI socket left" "$(wgt_state_get "$rec1" host_ifname).sock" \
			"$(ls "$WGT_WG_RUN" | grep '^wgc')"
	fi
	assert_eq "GC: ctr2's record removed" absent \
		"$([ -e "$(wgt_state_file "$WGT_NET" "$CID2" eth0)" ] && echo present || echo absent)"
	assert_eq "GC: key2 claim released" absent \
		"$([ -e "$WGT_STATE/keys/$(cat "$WGT_DIR/key2.hex")" ] && echo present || echo absent)"
	wgt_cni DEL "$CID1" "$CTR" eth0 "$WGT_DIR/c1.json"
	assert_rc "DEL ctr after GC: exit" 0 "$CNI_RC"
}
