# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# A peer change applied to running attachments (attach/reconfigure.c) racing a DEL of
# one of them. Both hold the state lock ($WGT_STATE/lock, flock) over their whole work:
# reconfigure from listing the records to the last device updated, DEL from reading the
# record again to removing it. So reconfigure either updates the attachment before DEL
# starts tearing it down, or never sees it; it never configures a device, helper or
# namespace that is going away. The case makes the race deterministic with the lock
# itself: the test holds it, starts `peer add` and a DEL, shows that each one waits for
# the lock (a "->" entry of /proc/locks) with nothing changed yet, then lets both go and
# checks the end state. Without the lock in either, its "waits" check fails.
# Uses the server network and container srvctr of cases-peer.sh (attached by
# case_peer_at_add).

# PIDs of processes running EXE that wait for the state lock.
lock_waiters() { # EXE
	local ino pid
	ino=$(stat -c %i "$WGT_STATE/lock" 2>/dev/null) || return 0
	awk -v ino="$ino" '$2 == "->" { n = split($7, f, ":"); if (f[n] == ino) print $6 }' /proc/locks |
		while read -r pid; do
			[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$1")" ] && echo "$pid"
		done
}

# Until a process running EXE waits for the lock, or PID (the job that starts it) ended.
wait_lock_waiter() { # EXE PID
	local _
	for _ in $(seq 300); do
		[ -n "$(lock_waiters "$1")" ] && return 0
		wgt_pid_gone "$2" && return 1
		sleep 0.1
	done
	return 1
}

case_race_reconfigure_del() {
	local rec peer_pid del_pid pub n
	rec=$(wgt_state_file "$SRV_NET" srvctr eth0)
	wgt_require "race" "srvctr attached on $SRV_NET" [ -f "$rec" ] || return
	cp "$rec" "$WGT_DIR/race.record"
	mkfifo "$WGT_DIR/race.release"
	# The test's hold on the lock: a subshell keeps the locked descriptor until released.
	(
		exec 9<>"$WGT_STATE/lock" && flock -x 9 && echo held >"$WGT_DIR/race.held" &&
			read -r _ <"$WGT_DIR/race.release"
	) &
	RACE_HOLDER=$!
	for _ in $(seq 100); do [ -s "$WGT_DIR/race.held" ] && break; sleep 0.1; done
	wgt_require "race" "the test holds the state lock" [ -s "$WGT_DIR/race.held" ] ||
		{ wgt_stop_pid "$RACE_HOLDER"; return; }

	wgcni peer add "$SRV_NET" racer --no-qr --dir "$WGT_DIR/net" \
		>"$WGT_DIR/racer.out" 2>"$WGT_DIR/racer.err" &
	peer_pid=$!
	wait_lock_waiter "$WGCNI" "$peer_pid"
	assert_rc "peer add: its reconfigure waits for the state lock" 0 $?
	pub=$(sed -n 's/^public_key=//p' "$WGT_PEERS_DIR/racer.peer" 2>/dev/null)
	show_json "$SRV_NET"
	assert_eq "... the peer is stored, the running device not yet changed" "yes 0" \
		"$([ -n "$pub" ] && echo yes || echo no) $(wgt_json_flat "$WGT_DIR/show.out" | grep -c '\.peers\[[0-9]*\]\.publicKey')"

	# Its own file numbers and a time limit longer than the test's hold on the lock.
	# shellcheck disable=SC2034 # read by wgt_cni
	( WGT_CNI_N=1000 WGT_CNI_TIMEOUT=120
	  wgt_cni DEL srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/srvnet.json"
	  echo "$CNI_RC" >"$WGT_DIR/race.delrc" ) &
	del_pid=$!
	wait_lock_waiter "$WGT_PLUGIN" "$del_pid"
	assert_rc "DEL waits for the state lock too" 0 $?
	assert_eq "... with the attachment untouched meanwhile" "yes yes" \
		"$([ -f "$rec" ] && echo yes || echo no) $(helper_alive "$WGT_DIR/race.record" && echo yes || echo no)"

	echo go >"$WGT_DIR/race.release"
	wait "$RACE_HOLDER" 2>/dev/null
	RACE_HOLDER=
	wait "$peer_pid"
	assert_rc "peer add completes without error" 0 $?
	n=$(sed -n "s/^\([0-9]*\) live attachments\{0,1\} of $SRV_NET updated$/\1/p" "$WGT_DIR/racer.err")
	assert_match "... having updated the attachment before DEL, or none after it" '^[01]$' "$n"
	wait "$del_pid"
	assert_eq "DEL completes without error" 0 "$(cat "$WGT_DIR/race.delrc" 2>/dev/null)"
	assert_eq "after both: no record, helper, link, kill switch or key claim" \
		"record=no helper=no links=lo nft= claim=no" "$(race_residue "$WGT_DIR/race.record")"
	show_json "$SRV_NET"
	assert_rc "show: no attachment of $SRV_NET left" 3 "$SHOW_RC"
	assert_eq "the peer stays stored for the next ADD" "racer" \
		"$(wgcni peer list "$SRV_NET" --dir "$WGT_DIR/net" | awk '{ print $1 }')"

	# Positive control of the residue check above: an attachment made now shows in each.
	wgt_cni ADD srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/srvnet.json"
	cp "$rec" "$WGT_DIR/race.record2" 2>/dev/null
	assert_eq "control: a new ADD has record, helper, link, kill switch and key claim" \
		"record=yes helper=yes links=eth0,lo nft=table inet wgcni-eth0 claim=yes" \
		"$(race_residue "$WGT_DIR/race.record2")"
	show_json "$SRV_NET"
	assert_eq "control: ... with the stored peer merged at ADD" "\"$pub\"" "$(sj .attachments[0].peers[0].publicKey)"
	wgcni peer remove "$SRV_NET" racer --dir "$WGT_DIR/net" 2>/dev/null
	wgt_cni DEL srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/srvnet.json"
	rm -f "$WGT_DIR/race.release"
}

# What an attachment of srvctr consists of, as one line.
race_residue() { # RECORD-COPY
	local yes=yes no=no
	printf 'record=%s helper=%s links=%s nft=%s claim=%s' \
		"$([ -e "$(wgt_state_file "$SRV_NET" srvctr eth0)" ] && echo $yes || echo $no)" \
		"$(helper_alive "$1" && echo $yes || echo $no)" \
		"$(wgt_links "$WGT_NS_CTR2" | paste -sd, -)" \
		"$(wgt_nft_tables "$WGT_NS_CTR2" | paste -sd, -)" \
		"$([ -e "$WGT_STATE/keys/$(cat "$WGT_DIR/srvnetkey.hex")" ] && echo $yes || echo $no)"
}

# The record's wireguard-go still runs (same PID and start time).
helper_alive() { # RECORD-COPY
	local pid start
	pid=$(wgt_state_get "$1" helper_pid)
	start=$(wgt_state_get "$1" helper_start_time)
	[ "${pid:-0}" != 0 ] && ! wgt_pid_gone "$pid" &&
		[ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $20 }')" = "$start" ]
}

# An ADD that merged the stored peers before a `peer remove` and records after that
# remove's reconfigure listed the records (so the reconfigure never saw it). The case
# forces that order: the test holds the lock, the ADD (peers merged) waits for it, the
# test stops the ADD (a stopped process does not wait in flock), lets `peer remove` run
# to its end, then resumes the ADD. The revoked peer must not be on the new device nor
# get a handshake; the remaining one must. Without ADD's catch-up under the lock
# (attach_reconfigure_added), the revoked peer is on the device and handshakes.
case_race_add_revoke() {
	local rec add_pid plugin keep_pub gone_pub n
	rec=$(wgt_state_file "$SRV_NET" srvctr eth0)
	wgt_require "race-add" "srvctr not attached, client namespace up" \
		test ! -e "$rec" -a -n "${WGT_CLI_PID:-}" || return
	wgcni peer add "$SRV_NET" keep --endpoint "198.18.0.1:$SRV_PORT" --no-qr --dir "$WGT_DIR/net" \
		>"$WGT_DIR/keep.out" 2>/dev/null &&
		wgcni peer add "$SRV_NET" gone --endpoint "198.18.0.1:$SRV_PORT" --no-qr \
			--dir "$WGT_DIR/net" >"$WGT_DIR/gone.out" 2>/dev/null
	wgt_require "race-add" "two stored peers" [ $? = 0 ] || return
	keep_pub=$(sed -n 's/^public_key=//p' "$WGT_PEERS_DIR/keep.peer")
	gone_pub=$(sed -n 's/^public_key=//p' "$WGT_PEERS_DIR/gone.peer")

	rm -f "$WGT_DIR/race.held" "$WGT_DIR/race.release"
	mkfifo "$WGT_DIR/race.release"
	(
		exec 9<>"$WGT_STATE/lock" && flock -x 9 && echo held >"$WGT_DIR/race.held" &&
			read -r _ <"$WGT_DIR/race.release"
	) &
	RACE_HOLDER=$!
	for _ in $(seq 100); do [ -s "$WGT_DIR/race.held" ] && break; sleep 0.1; done
	wgt_require "race-add" "the test holds the state lock" [ -s "$WGT_DIR/race.held" ] ||
		{ wgt_stop_pid "$RACE_HOLDER"; RACE_HOLDER=; return; }

	# shellcheck disable=SC2034 # read by wgt_cni
	( WGT_CNI_N=1100 WGT_CNI_TIMEOUT=120
	  wgt_cni ADD srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/srvnet.json"
	  echo "$CNI_RC" >"$WGT_DIR/raceadd.rc" ) &
	add_pid=$!
	wait_lock_waiter "$WGT_PLUGIN" "$add_pid"
	assert_rc "ADD (peers merged) waits for the state lock" 0 $?
	plugin=$(lock_waiters "$WGT_PLUGIN" | head -n 1)
	assert_eq "... with no record written yet" no "$([ -e "$rec" ] && echo yes || echo no)"
	# shellcheck disable=SC2034 # resumed by cleanup in run.sh
	RACE_STOPPED=$plugin
	[ -n "$plugin" ] && kill -STOP "$plugin"
	for _ in $(seq 50); do
		[ "$(awk '/^State:/ { print $2 }' "/proc/$plugin/status" 2>/dev/null)" = T ] && break
		sleep 0.1
	done
	assert_eq "the stopped ADD no longer waits for the lock" "" "$(lock_waiters "$WGT_PLUGIN")"
	echo go >"$WGT_DIR/race.release"
	wait "$RACE_HOLDER" 2>/dev/null
	RACE_HOLDER=

	wgcni peer remove "$SRV_NET" gone --dir "$WGT_DIR/net" 2>"$WGT_DIR/gone.err"
	assert_rc "peer remove while the ADD is stopped" 0 $?
	n=$(sed -n "s/^\([0-9]*\) live attachments\{0,1\} of $SRV_NET updated$/\1/p" "$WGT_DIR/gone.err")
	assert_eq "... its reconfigure saw no record of the ADD" 0 "$n"
	[ -n "$plugin" ] && kill -CONT "$plugin"
	# shellcheck disable=SC2034
	RACE_STOPPED=
	wait "$add_pid"
	assert_eq "the resumed ADD succeeds" 0 "$(cat "$WGT_DIR/raceadd.rc" 2>/dev/null)"

	show_json "$SRV_NET"
	assert_eq "the new device has the remaining peer only" "\"$keep_pub\" " \
		"$(sj .attachments[0].peers[0].publicKey) $(sj .attachments[0].peers[1].publicKey)"
	assert_eq "... so not the revoked one" 0 \
		"$(wgt_json_flat "$WGT_DIR/show.out" | grep -cF "$gone_pub")"
	printed_config "$WGT_DIR/gone.out" >"$WGT_DIR/gone.conf"
	printed_config "$WGT_DIR/keep.out" >"$WGT_DIR/keep.conf"
	client_configure "$WGT_DIR/gone.conf"
	client_try
	assert_eq "the revoked peer gets no handshake" 0 "${CLIENT_HS:-0}"
	# Positive control: the same client with the remaining peer's keys gets through.
	client_configure "$WGT_DIR/keep.conf"
	client_try
	assert_rc "the container reaches the remaining peer" 0 "$CLIENT_PING"
	if [ "${CLIENT_HS:-0}" -gt 0 ]; then wgt_pass "the remaining peer's handshake"
	else wgt_fail "the remaining peer's handshake" "> 0" "$CLIENT_HS"; fi

	wgcni peer remove "$SRV_NET" keep --dir "$WGT_DIR/net" 2>/dev/null
	wgt_cni DEL srvctr "/run/netns/$WGT_NS_CTR2" eth0 "$WGT_DIR/srvnet.json"
	rm -f "$WGT_DIR/race.release"
}
