# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Case 9: bad input. Each ADD must fail with the exact CNI code, a message
# naming the culprit, and leave nothing behind (host, container, state).

BAD_N=0

# bad_add LABEL CODE REGEX STDIN-FILE [VAR=VALUE | -VAR]...: an ADD into ctr that must fail.
bad_add() {
	local label=$1 code=$2 regex=$3 input=$4
	shift 4
	BAD_N=$((BAD_N + 1))
	wgt_residue_snapshot "$WGT_NS_CTR" key1
	wgt_cni ADD "wgt$WGT_ID-bad-$BAD_N" "$CTR" eth0 "$input" "$@"
	wgt_cni_error
	assert_rc "bad input, $label: exit" nonzero "$CNI_RC"
	assert_eq "bad input, $label: code" "$code" "$CNI_CODE"
	assert_match "bad input, $label: message names it" "$regex" "$CNI_MSG"
	wgt_assert_no_residue "bad input, $label"
	# An ADD that should have failed but did not: undo it so the next case starts clean.
	[ "$CNI_RC" = 0 ] && wgt_cni DEL "wgt$WGT_ID-bad-$BAD_N" "$CTR" eth0 "$input" "$@"
	return 0
}

bad_conf() { # FILE-NAME FIELD=JSON...: a config file with fields replaced
	local name=$1
	shift
	wgt_conf "$@" | wgt_file "$name"
}

bad_keys() {
	(umask 077
	 wgt_genkey keyopen
	 chmod 0644 "$WGT_DIR/keyopen"
	 printf '%s\n' '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=' >"$WGT_DIR/keybad"
	 head -c 32 /dev/urandom >"$WGT_DIR/keyraw")
}

bad_environment() {
	local c=$WGT_DIR/c1.json
	bad_add "CNI_IFNAME missing" 4 'CNI_IFNAME' "$c" -CNI_IFNAME
	bad_add "CNI_IFNAME of 16 characters" 4 'CNI_IFNAME' "$c" CNI_IFNAME=eth0123456789abc
	bad_add "CNI_IFNAME with '/'" 4 'CNI_IFNAME' "$c" CNI_IFNAME=a/b
	bad_add "CNI_CONTAINERID missing" 4 'CNI_CONTAINERID' "$c" -CNI_CONTAINERID
	bad_add "CNI_NETNS missing" 4 'CNI_NETNS' "$c" -CNI_NETNS
	bad_add "CNI_COMMAND unknown" 4 'CNI_COMMAND' "$c" CNI_COMMAND=BOGUS
	: >"$WGT_DIR/notns"
	bad_add "CNI_NETNS a regular file" 4 'notns' "$c" CNI_NETNS="$WGT_DIR/notns"
	bad_add "CNI_NETNS a missing path" 4 "wgt-$WGT_ID-nonexistent" "$c" \
		CNI_NETNS="/run/netns/wgt-$WGT_ID-nonexistent"
}

bad_json() {
	local f
	f=$(printf '{"cniVersion":"1.0.0", name' | wgt_file bad-invalid.json)
	bad_add "invalid JSON" 6 'decod|json|pars' "$f"
	f=$(head -c 80 "$WGT_DIR/c1.json" | wgt_file bad-truncated.json)
	bad_add "truncated JSON" 6 'decod|json|pars' "$f"
	# Valid JSON, padded with whitespace: only its size is wrong.
	f=$({ wgt_conf | sed 's/}$//'; head -c 1100000 /dev/zero | tr '\0' ' '; echo '}'; } | wgt_file bad-big.json)
	bad_add "stdin over 1 MiB" 6 '1 MiB|large' "$f"
	f=$(bad_conf bad-020.json cniVersion='"0.2.0"')
	bad_add "cniVersion 0.2.0" 1 '0\.2\.0' "$f"
}

bad_fields() {
	local p
	bad_keys
	bad_add "key file missing" 7 'privateKeyFile' "$(bad_conf bad-k1.json privateKeyFile="\"$WGT_DIR/nokey\"")"
	bad_add "key file mode 0644" 7 'privateKeyFile' "$(bad_conf bad-k2.json privateKeyFile="\"$WGT_DIR/keyopen\"")"
	bad_add "key file not base64" 7 'privateKeyFile' "$(bad_conf bad-k3.json privateKeyFile="\"$WGT_DIR/keybad\"")"
	bad_add "key file 32 raw bytes" 7 'privateKeyFile' "$(bad_conf bad-k4.json privateKeyFile="\"$WGT_DIR/keyraw\"")"
	bad_add "address 10.64.0.2/33" 7 'address' "$(bad_conf bad-a.json address='["10.64.0.2/33"]')"
	bad_add "mtu 100" 7 'mtu' "$(bad_conf bad-m1.json mtu=100)"
	bad_add "mtu 1200 with an IPv6 address" 7 'mtu' "$(bad_conf bad-m2.json mtu=1200)"
	bad_add "listenPort 70000" 7 'listenPort' "$(bad_conf bad-p.json listenPort=70000)"
	p='{"endpoint":"192.0.2.2:51820","allowedIPs":["0.0.0.0/0"]}'
	bad_add "peer without publicKey" 7 'peers\[0\]\.publicKey' "$(bad_conf bad-pk.json peers="[$p]")"
	p=$(wgt_peer_json)
	bad_add "duplicate peers" 7 'peers\[1\]|duplicate' "$(bad_conf bad-dup.json peers="[$p,$p]")"
	bad_add "backend foo" 7 'backend' "$(bad_conf bad-b.json backend='"foo"')"
	bad_add "userspaceImplementation /nonexistent" 7 'userspaceImplementation' \
		"$(bad_conf bad-u1.json backend='"userspace"' userspaceImplementation='"/nonexistent"')"
	# Fails only when the helper is started, after the kill switch went in: rollback.
	bad_add "userspaceImplementation /bin/false" 999 '/bin/false|wireguard-go' \
		"$(bad_conf bad-u2.json backend='"userspace"' userspaceImplementation='"/bin/false"')"
}

# The resolver is 127.0.0.1 in a private mount namespace: no query leaves loopback.
bad_endpoint() {
	local resolv peer
	resolv=$(echo 'nameserver 127.0.0.1' | wgt_file resolv.conf)
	WGT_CNI_WRAP=(unshare -m --propagation private sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$resolv")
	# Without the private resolver the query could go elsewhere: then skip the case.
	assert_eq "resolver control: the plugin sees our resolv.conf" "nameserver 127.0.0.1" \
		"$("${WGT_CNI_WRAP[@]}" ip netns exec "$WGT_NS_HOST" cat /etc/resolv.conf 2>&1)" ||
		{ WGT_CNI_WRAP=(); return; }
	peer=$(wgt_peer_json | sed 's/"endpoint":"[^"]*"/"endpoint":"something.invalid:51820"/')
	# EAI_AGAIN from a resolver that refuses: "try again later" (11), not a config error.
	bad_add "endpoint something.invalid" 11 'something\.invalid' "$(bad_conf bad-e.json peers="[$peer]")"
	WGT_CNI_WRAP=()
}

bad_ifname_exists() {
	local before after
	# A dummy if the module is there, else a veth pair with both ends in ctr.
	ip -n "$WGT_NS_CTR" link add eth0 type dummy 2>/dev/null ||
		ip -n "$WGT_NS_CTR" link add eth0 type veth peer name "wgtv$WGT_ID" || {
		wgt_fail "CNI_IFNAME already in ctr: pre-create eth0" "a device" "none"; return; }
	ip -n "$WGT_NS_CTR" link set eth0 mtu 1234 up
	ip -n "$WGT_NS_CTR" addr add 198.51.100.9/32 dev eth0
	before=$(ip -n "$WGT_NS_CTR" -o link show eth0; ip -n "$WGT_NS_CTR" -o addr show eth0; ctr_routes4 "$WGT_NS_CTR")
	bad_add "CNI_IFNAME eth0 already in ctr" 4 'eth0' "$WGT_DIR/c1.json"
	after=$(ip -n "$WGT_NS_CTR" -o link show eth0; ip -n "$WGT_NS_CTR" -o addr show eth0; ctr_routes4 "$WGT_NS_CTR")
	assert_eq "CNI_IFNAME already in ctr: existing eth0 untouched" "$before" "$after"
	ip -n "$WGT_NS_CTR" link del eth0
}

case_bad_input() {
	bad_environment
	bad_json
	bad_fields
	bad_endpoint
	bad_ifname_exists
}

# The log: a failed ADD's message lands in /run/wgcni/log, stamped, 0600; an exactly 1 MiB
# log is moved to log.1 by the next message, which starts a new log; below that nothing moves.
# The machine's own log is put aside for the case and restored after.
case_bad_log() {
	local log=$WGT_STATE/log cid=wgl$WGT_ID conf line stamp f
	conf=$(bad_conf badlog.json mtu=100)
	stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z wgcni\[[0-9]+\] ADD '
	mkdir -p "$WGT_DIR/log-aside"
	for f in "$log" "$log.1"; do
		[ -f "$f" ] && mv "$f" "$WGT_DIR/log-aside/"
	done

	wgt_cni ADD "$cid" "$CTR" eth0 "$conf"
	assert_rc "log: the ADD fails" nonzero "$CNI_RC"
	line=$(tail -n 1 "$log" 2>/dev/null)
	assert_match "log: the failure, stamped, with verb and container" \
		"${stamp}${cid:0:12}: mtu: 100 is out of range" "$line"
	assert_eq "log: one line, mode 0600" "1 600" "$(wc -l <"$log") $(stat -c %a "$log")"

	head -c $((1024 * 1024 - 1)) /dev/zero | tr '\0' x >"$log"
	wgt_cni ADD "$cid" "$CTR" eth0 "$conf"
	assert_eq "log: below 1 MiB nothing moves, the line is appended" "absent 1048575" \
		"$([ -e "$log.1" ] && echo present || echo absent) $(head -n 1 "$log" | tr -cd x | wc -c)"
	assert_match "log: appended after the old text" "${stamp}${cid:0:12}: mtu: 100" \
		"$(tail -n 1 "$log" | sed 's/^x*//')"
	head -c $((1024 * 1024)) /dev/zero | tr '\0' x >"$log"
	wgt_cni ADD "$cid" "$CTR" eth0 "$conf"
	assert_eq "log: at 1 MiB the log becomes log.1, untouched" "1048576 0" \
		"$(stat -c %s "$log.1") $(tr -d x <"$log.1" | wc -c)"
	assert_eq "log: the new log has the one new line" 1 "$(wc -l <"$log")"
	assert_match "log: the new line" "${stamp}${cid:0:12}: mtu: 100 is out of range" "$(cat "$log")"

	rm -f "$log" "$log.1"
	for f in "$WGT_DIR/log-aside"/*; do
		[ -f "$f" ] && mv "$f" "$WGT_STATE/"
	done
	return 0
}
