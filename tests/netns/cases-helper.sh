# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# userspace: after ADD, wireguard-go's listener of link and address events no
# longer hears the host (its TUN lives in the container); its route listener
# (sticky sockets, for the UDP socket that stays in the host) still does, and
# the tunnel carries traffic, also after its link went down and up again.

CID_HL=wgt$WGT_ID-ctr-hl

# rtnetlink sockets held by PID: their group masks (hex), one a line.
hl_groups() {
	local pid=$1 inodes
	inodes=" $(ls -l "/proc/$pid/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')"
	awk -v want="$inodes" 'NR > 1 && $2 == 0 && index(want, " " $10 " ") { print $4 }' \
		"/proc/$pid/net/netlink" 2>/dev/null
}

# hl_count PID MASK: how many of PID's rtnetlink sockets are in every group of MASK.
hl_count() {
	local g n=0
	for g in $(hl_groups "$1"); do
		(((0x$g & $2) == $2)) && n=$((n + 1))
	done
	echo "$n"
}

HL_LINK=0x111  # link, IPv4 addresses, IPv6 addresses: the TUN listener
HL_ROUTE=0x40  # IPv4 routes: the sticky-socket listener

case_helper_listen() {
	local ctl conf state pid
	if [ "$WGT_BACKEND" != userspace ]; then
		wgt_pass "helper listeners: userspace only (backend $WGT_BACKEND)"
		return
	fi
	# Positive control: a wireguard-go started directly hears both.
	ip netns exec "$WGT_NS_HOST" env -i WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error \
		wireguard-go "wgq$WGT_ID" >/dev/null 2>&1 &
	ctl=$!
	until_true 5 test -S "$WGT_WG_RUN/wgq$WGT_ID.sock"
	assert_eq "helper control: a plain wireguard-go hears host link events" 1 "$(hl_count "$ctl" "$HL_LINK")"
	assert_eq "helper control: and host route events" 1 "$(hl_count "$ctl" "$HL_ROUTE")"
	wgt_stop_pid "$ctl"
	rm -f "$WGT_WG_RUN/wgq$WGT_ID.sock"

	conf=$(wgt_conf2 | wgt_file hl.json)
	attach_ctr "$conf" "$CID_HL" "$CTR2" hl.result
	assert_rc "helper: ADD" 0 "$CNI_RC"
	state=$(wgt_state_file "$WGT_NET" "$CID_HL" eth0)
	pid=$(wgt_state_get "$state" helper_pid)
	assert_eq "helper: its TUN listener no longer hears host link events" 0 \
		"$(hl_count "${pid:-0}" "$HL_LINK")"
	assert_eq "helper: its route listener still hears host route events" 1 \
		"$(hl_count "${pid:-0}" "$HL_ROUTE")"

	ip netns exec "$WGT_NS_CTR2" timeout 15 "$WGT_BUSYBOX" ping -c 2 -w 8 -q "$WGT_SERVER_V4" >/dev/null 2>&1
	assert_rc "helper: ping through the tunnel" 0 $?

	# Link state: this wireguard-go (0.0.20220316) does not follow its TUN's state once
	# the TUN is in the container, with or without its host listener: its write probe
	# answers "up" for a TUN with packet information, and its listener never heard
	# the container (checked with the build before this change). It stays up, its UDP
	# socket open, and the tunnel works again once the link is back up.
	assert_eq "helper: UDP port 51822 open while up" 2 "$(wgt_udp_port_count "$WGT_NS_HOST" 51822)"
	ip -n "$WGT_NS_CTR2" link set eth0 down
	sleep 1.5
	assert_eq "helper: UDP port 51822 still open while the link is down" 2 \
		"$(wgt_udp_port_count "$WGT_NS_HOST" 51822)"
	ip -n "$WGT_NS_CTR2" link set eth0 up
	assert_eq "helper: the same wireguard-go serves the tunnel" "$pid" \
		"$(wgt_wggo_pids "$WGT_NS_HOST" | grep -x "$pid")"
	# The kernel dropped the routes through the device while it was down.
	ip -n "$WGT_NS_CTR2" route replace default dev eth0
	ip netns exec "$WGT_NS_CTR2" timeout 15 "$WGT_BUSYBOX" ping -c 2 -w 8 -q "$WGT_SERVER_V4" >/dev/null 2>&1
	assert_rc "helper: ping through the tunnel after down and up" 0 $?

	wgt_cni DEL "$CID_HL" "$CTR2" eth0 "$conf"
	assert_rc "helper: DEL" 0 "$CNI_RC"
	assert_eq "helper: ctr2 back to lo only" lo "$(wgt_links "$WGT_NS_CTR2")"
	until_true 3 wgt_pid_gone "${pid:-0}"
	assert_rc "helper: wireguard-go gone after DEL" 0 $?
}
