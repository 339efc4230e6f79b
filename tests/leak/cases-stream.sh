# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # variables shared with cases*.sh
# L13: one UDP probe to each of an IPv4 and an IPv6 internet address every 5 ms while the
# container is attached, detached and attached again. Every probe is tagged with the phase
# it was sent in: pre; [badd: bridge ADD, bwin: the bridge done, this plugin not started;]
# wgstart: this plugin's ADD started, its kill switch table not there yet; add: the table
# is there, ADD goes on; up; del: this plugin's DEL; [bdel: bridge DEL]; down. 1 and 2 number
# the cycles. The bridge phases and wgstart are the chain before this plugin could act.

# Distinct probes seen outside the tunnel, per phase: "PHASE:COUNT ..." ("" when none).
stream_outside_by_phase() {
	leak_outside "$1." | sed -n 's/.*\.p\([0-9a-z]*\)\.[0-9]*$/\1/p' | sort | uniq -c |
		awk '{ printf "%s%s:%s", sep, $2, $1; sep = " " }'
}

L13() {
	local mode=$1 phase=$WGT_DIR/phase.$1 pid out cycle up1 up2 outside bridge_only
	T=$(LEAK_MODE=$mode LEAK_KS=on leak_newtag L13)
	echo pre >"$phase"
	out=$WGT_DIR/stream.$mode
	ip netns exec "$WGT_NS_CTR" timeout 60 "$LEAK_PY" "$LEAK_HERE/probe.py" stream "$LEAK_TAG$T" \
		"$phase" 40 198.51.100.1 2001:db8:100::1 >"$out" 2>&1 &
	pid=$!
	sleep 0.3
	LEAK_PHASE_FILE=$phase
	for cycle in 1 2; do
		LEAK_CYCLE=$cycle
		if ! leak_require "L13 cycle $cycle" "$mode" on; then
			LEAK_PHASE_FILE=''
			echo stop >"$phase"
			wait "$pid"
			return 0
		fi
		leak_phase up
		sleep 1.5
		leak_detach
		leak_phase down
		sleep 0.3
	done
	LEAK_PHASE_FILE='' LEAK_CYCLE=''
	echo stop >"$phase"
	wait "$pid"
	leak_settle
	assert_match "$mode L13: the stream ran" '^stream sent [1-9]' "$(cat "$out")"
	up1=$(leak_tunnel "$T." | grep -c '\.p1up\.')
	up2=$(leak_tunnel "$T." | grep -c '\.p2up\.')
	assert_eq "$mode L13 control: stream probes reached the server through the tunnel (cycle 1, 2)" \
		"yes yes" "$([ "$up1" -gt 0 ] && echo yes || echo no) $([ "$up2" -gt 0 ] && echo yes || echo no)"
	outside=$(stream_outside_by_phase "$T" | tr ' ' '\n')
	[ "$mode" = standalone ] || outside=$(echo "$outside" | grep -v -E '^[12](badd|bwin|wgstart|bdel):')
	outside=$(echo "$outside" | tr '\n' ' ')
	assert_eq "$mode L13: plaintext stream probes outside the tunnel, from the plugin's ADD to its DEL" \
		"" "${outside% }"
	bridge_only=$(stream_outside_by_phase "$T" | tr ' ' '\n' | grep -E '^[12](badd|bwin|wgstart|bdel):' | tr '\n' ' ')
	[ "$mode" = standalone ] || echo "# NOTE $mode L13: probes outside the tunnel while only the bridge" \
		"plugin had run (before this plugin's kill switch existed, after its DEL): ${bridge_only:-none}"
}
