# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# cnitool (libcni 1.1.2, built by scripts/cnitool.sh): add, check, del on a namespace of
# ours. It names the container cnitool-<first 10 bytes of sha512(netns path)>, caches the
# result in /var/lib/cni/results/<net>-<id>-<ifname> and passes it as prevResult to CHECK
# and DEL. CHECK must pass on the intact attachment and fail once the kill switch is gone;
# DEL must still clean up then. (GC and STATUS: no client speaks CNI 1.1; tests/netns
# invokes the plugin for them directly.)

CNITOOL=
CNI_NS=wgt-$WGT_ID-cni

cnitool_run() { # VERB
	CNI_PATH=$WGT_DIR/bin NETCONFPATH=$WGT_DIR/net.d CNI_IFNAME=eth0 \
		timeout 60 "$CNITOOL" "$1" "$NET" "/run/netns/$CNI_NS"
}

case_cnitool() {
	local netns=/run/netns/$CNI_NS cid cache mark before rec out=$WGT_DIR/cnitool.probe
	local add check del rc
	echo "# --- cnitool"
	# shellcheck disable=SC2154 # source_dir: set by run.sh
	if ! CNITOOL=$(bash "$source_dir/scripts/cnitool.sh" 2>"$WGT_DIR/cnitool.build"); then
		unavailable cnitool "cannot build cnitool: $(cat "$WGT_DIR/cnitool.build")"
		return
	fi
	wgt_ns_up "$CNI_NS" || { fail "cnitool: cannot create namespace $CNI_NS"; return; }
	cid=cnitool-$(printf '%s' "$netns" | sha512sum | cut -c1-20)
	cache=/var/lib/cni/results/$NET-$cid-eth0

	mark=$(rt_mark)
	before=$(server_bytes)
	cnitool_run add >"$WGT_DIR/cnitool.add" 2>"$WGT_DIR/cnitool.add.err"
	check_eq "cnitool add exits 0" 0 "$?" "$(cat "$WGT_DIR/cnitool.add.err")"
	add=$(rt_calls "$mark" ADD)
	check_eq "cnitool: one ADD with CNI_CONTAINERID $cid, CNI_NETNS $netns, eth0; exit 0" \
		"ADD|$cid|$netns|eth0|0" "$(echo "$add" | cut -d'|' -f1-5)"
	check_result "cnitool (printed)" "$WGT_DIR/cnitool.add" "$netns"
	check_eq "cnitool: cached result file $cache, mode 600" 600 "$(stat -c %a "$cache" 2>&1)"
	jq .result "$cache" >"$WGT_DIR/cnitool.cached" 2>&1
	check_result "cnitool (cached)" "$WGT_DIR/cnitool.cached" "$netns"
	check_eq "cnitool: the cache names the container and network" "$cid $NET" \
		"$(jq -r '"\(.containerId) \(.networkName)"' "$cache" 2>&1)"
	jq -r .config "$cache" 2>/dev/null | base64 -d >"$WGT_DIR/cnitool.cached-config" 2>/dev/null
	check_eq "cnitool: the cached config names the key file, and the key is nowhere in the cache" \
		"file:yes key:no" "file:$(grep -qF "\"$WGT_DIR/client\"" "$WGT_DIR/cnitool.cached-config" &&
			echo yes || echo no) key:$(grep -qF "$(cat "$WGT_DIR/client")" "$cache" \
			"$WGT_DIR/cnitool.cached-config" && echo yes || echo no)"

	rec=$(rt_record_copy cnitool)
	ip netns exec "$CNI_NS" busybox sh -c "$(rt_probe_script 0)" >"$out" 2>&1
	check_probe cnitool "$out" "$before"
	check_attached cnitool "$rec" "$netns"

	mark=$(rt_mark)
	cnitool_run check >"$WGT_DIR/cnitool.check" 2>&1
	rc=$?
	check=$(rt_calls "$mark" CHECK)
	check_eq "cnitool check on the intact attachment exits 0" 0 "$rc" "$(cat "$WGT_DIR/cnitool.check")"
	check_eq "cnitool: CHECK reached the plugin with the same id and netns; exit 0" \
		"CHECK|$cid|$netns|eth0|0" "$(echo "$check" | cut -d'|' -f1-5)"
	check_eq "cnitool: CHECK's prevResult is the cached result (its addresses)" \
		"$WGT_CLIENT_V4/32 $WGT_CLIENT_V6/128" \
		"$(jq -r '[.prevResult.ips[].address] | join(" ")' "$WGT_DIR/calls/$(echo "$check" | cut -d'|' -f6).in" 2>&1)"

	ip netns exec "$CNI_NS" nft delete table inet wgcni-eth0
	check_eq "tamper: the kill switch table is deleted" no \
		"$(ip netns exec "$CNI_NS" nft list table inet wgcni-eth0 >/dev/null 2>&1 && echo yes || echo no)"
	mark=$(rt_mark)
	cnitool_run check >"$WGT_DIR/cnitool.check2" 2>&1
	rc=$?
	check_eq "cnitool check after the tamper fails" yes "$([ "$rc" != 0 ] && echo yes || echo no)" \
		"exit $rc: $(cat "$WGT_DIR/cnitool.check2")"
	check_eq "cnitool: the plugin's CHECK failed with code 100 naming the kill switch" "100 yes" \
		"$(jq -r .code "$WGT_DIR/calls/$(rt_calls "$mark" CHECK | cut -d'|' -f6).out" 2>&1) $(
			grep -qi 'kill switch' "$WGT_DIR/cnitool.check2" && echo yes || echo no)" \
		"$(cat "$WGT_DIR/cnitool.check2")"

	mark=$(rt_mark)
	cnitool_run del >"$WGT_DIR/cnitool.del" 2>&1
	check_eq "cnitool del (tampered attachment) exits 0" 0 "$?" "$(cat "$WGT_DIR/cnitool.del")"
	del=$(rt_calls "$mark" DEL)
	check_eq "cnitool: one DEL with the same id and netns; exit 0" "DEL|$cid|$netns|eth0|0" \
		"$(echo "$del" | cut -d'|' -f1-5)"
	check_eq "cnitool: DEL's prevResult is the cached result" "$WGT_CLIENT_V4/32" \
		"$(jq -r '.prevResult.ips[0].address' "$WGT_DIR/calls/$(echo "$del" | cut -d'|' -f6).in" 2>&1)"
	check_detached cnitool "$rec"
	check_eq "cnitool: the namespace has only lo and no nft table left" "lo|" \
		"$(ip -n "$CNI_NS" -o link | awk -F': ' '{ print $2 }' | tr '\n' ' ' | sed 's/ $//')|$(
			ip netns exec "$CNI_NS" nft list tables)"
	check_eq "cnitool: cached result removed by del" no "$([ -e "$cache" ] && echo yes || echo no)"
	ip netns del "$CNI_NS"
}

wgt_ns_up() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
}
