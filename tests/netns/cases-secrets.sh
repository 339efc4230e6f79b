# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Case 10: private keys appear nowhere: not in any output of the cases
# above, not in the plugin's state or log, not in wireguard-go's argv/env.

# The forms a leaked key could take: base64 as in the file, and hex.
key_forms() { # KEY-NAME
	{
		cat "$WGT_DIR/$1"
		echo
		base64 -d <"$WGT_DIR/$1" | od -An -v -tx1 | tr -d ' \n'
		echo
	} | grep .
}

# grep_keys LABEL FILE...: assert no private key (key1, key2, key3) in any FILE.
grep_keys() {
	local label=$1 k hits=''
	shift
	for k in key1 key2 key3; do
		if key_forms "$k" | grep -Fqr -f - "$@" 2>/dev/null; then
			hits+="$k in: $(key_forms "$k" | grep -Flr -f - "$@" 2>/dev/null | tr '\n' ' ') "
		fi
	done
	assert_eq "secrets: $label" "" "$hits"
}

case_secrets() {
	local state pid
	# Positive control: the search finds a key where one is.
	if key_forms key1 | grep -Fqr -f - "$WGT_DIR/key1"; then wgt_pass "secrets: control finds key1 in its file"
	else wgt_fail "secrets: control finds key1 in its file" "found" "not found"; fi

	attach_ctr "$WGT_DIR/c1.json" "$CID1" "$CTR" add1.result
	assert_rc "secrets: ADD: exit" 0 "$CNI_RC"
	state=$(wgt_state_file "$WGT_NET" "$CID1" eth0)
	if [ "$WGT_BACKEND" = userspace ]; then
		pid=$(wgt_state_get "$state" helper_pid)
		wgt_require "secrets" "a helper_pid in the record" [ -n "$pid" ] || pid=no-such-pid
		tr '\0' '\n' <"/proc/$pid/cmdline" >"$WGT_DIR/helper.cmdline" 2>/dev/null
		tr '\0' '\n' <"/proc/$pid/environ" >"$WGT_DIR/helper.environ" 2>/dev/null
		assert_match "secrets: read wireguard-go's cmdline" 'wireguard-go|wgc' "$(cat "$WGT_DIR/helper.cmdline")"
		grep_keys "wireguard-go's cmdline and environment" "$WGT_DIR/helper.cmdline" "$WGT_DIR/helper.environ"
	fi
	grep_keys "/run/wgcni (records, claims, log) while attached" "$WGT_STATE"
	wgt_cni DEL "$CID1" "$CTR" eth0 "$WGT_DIR/c1.json"
	assert_rc "secrets: DEL: exit" 0 "$CNI_RC"
	grep_keys "/run/wgcni after every case" "$WGT_STATE"
	grep_keys "stdout and stderr of all $WGT_CNI_N plugin runs" "$WGT_DIR/out"
}
