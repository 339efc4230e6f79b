# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Helpers of the runtimes suite (run.sh): the plugin as the clients find it (behind a
# wrapper that logs each call), the busybox root filesystem, the probe a container runs,
# and the checks every client shares. Uses pass/fail/check_* from tests/podman/lib.sh,
# WGT_* from tests/podman/server.sh, and NET, PLUGIN, ATTACHMENTS from run.sh.

# The files every client reads, under WGT_DIR:
#   net.d/10-NET.conflist   the only network configuration (ctr takes the first one)
#   bin/wireguard           the wrapper: logs "CMD|CID|NETNS|IFNAME|RC|N" to calls.log, keeps
#                           the call's stdin (calls/N.in) and stdout (calls/N.out), and passes
#                           both through to the real plugin unchanged.
rt_layout() {
	mkdir -p "$WGT_DIR/net.d" "$WGT_DIR/bin" "$WGT_DIR/calls" "$WGT_DIR/shared" || return 1
	wgt_conflist "$NET" "$WGT_DIR/client" >"$WGT_DIR/net.d/10-$NET.conflist" || return 1
	: >"$WGT_DIR/calls.log"
	cat >"$WGT_DIR/bin/wireguard" <<EOF
#!/bin/bash
set -o pipefail
d=$WGT_DIR
n=\$((\$(ls "\$d/calls" | grep -c '\.in\$') + 1))
tee "\$d/calls/\$n.in" | "$PLUGIN" "\$@" | tee "\$d/calls/\$n.out"
rc=\$?
printf '%s|%s|%s|%s|%s|%s\n' "\${CNI_COMMAND-}" "\${CNI_CONTAINERID-}" "\${CNI_NETNS-<unset>}" \\
	"\${CNI_IFNAME-}" "\$rc" "\$n" >>"\$d/calls.log"
exit \$rc
EOF
	chmod 0755 "$WGT_DIR/bin/wireguard"
	rt_rootfs
}

# calls.log lines of verb CMD ("ADD", "DEL", ...) logged after line MARK.
rt_calls() {
	tail -n +$(($1 + 1)) "$WGT_DIR/calls.log" | awk -F'|' -v c="$2" '$1 == c'
}

rt_mark() {
	wc -l <"$WGT_DIR/calls.log"
}

# The busybox-static root filesystem of every container (scripts/busybox-root.sh), with /x.
rt_rootfs() {
	bash "$source_dir/scripts/busybox-root.sh" "$WGT_DIR/rootfs" && mkdir -p "$WGT_DIR/rootfs/x"
}

# What a container prints, section by section: the page over both tunnel addresses, its
# links, addresses and unicast routes. With WAIT=1 it then touches /x/ready and waits (up
# to 60 s) for /x/stop, so that the host can look at the live attachment.
rt_probe_script() {
	local wait=$1
	cat <<EOF
get='GET / HTTP/1.0\r\n\r\n'
routes() { awk '\$1 !~ /^(multicast|local|broadcast|anycast)\$/ { d = ""; for (i = 1; i < NF; i++) if (\$i == "dev") d = \$(i + 1); print \$1, "dev", d }' | sort; }
echo @v4; printf "\$get" | nc -w 5 $WGT_SRV_V4 80 | tail -n 1
echo @v6; printf "\$get" | nc -w 5 $WGT_SRV_V6 80 | tail -n 1
echo @link; ip -o link | awk -F': ' '{ print \$2 }' | sort
echo @addr; ip -o addr | awk '{ print \$2, \$3, \$4 }' | grep -v ' inet6 fe80:' | sort
echo @route4; ip route show table main | routes
echo @route6; ip -6 route show table main | routes | grep -v '^fe80::/64 '
echo @end
EOF
	# shellcheck disable=SC2016 # expanded by the container's shell
	[ "$wait" = 1 ] && echo 'touch /x/ready; i=0; while [ ! -e /x/stop ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done'
	return 0
}

# rt_wait_file FILE PID: until FILE exists (true) or PID has ended (false).
rt_wait_file() {
	while [ ! -e "$1" ]; do
		wgt_pid_gone "$2" && return 1
		sleep 0.1
	done
}

# The record of our network's only attachment, copied to DIR/record.WHO; prints the copy.
rt_record_copy() {
	local f copy=$WGT_DIR/record.$1
	: >"$copy"
	for f in "$ATTACHMENTS"/*; do
		[ -f "$f" ] && cp "$f" "$copy"
	done
	echo "$copy"
}

# check_probe WHO OUTPUT-FILE RX-TX-BEFORE: what the container saw, and the server's bytes.
check_probe() {
	local who=$1 out=$2 before=$3 after
	check_eq "$who: page through the tunnel over IPv4 is the server's token" "$WGT_TOKEN" "$(section "$out" v4)"
	check_eq "$who: page through the tunnel over IPv6 is the server's token" "$WGT_TOKEN" "$(section "$out" v6)"
	check_eq "$who: container links are exactly eth0 and lo" "$(printf 'eth0\nlo')" "$(section "$out" link)"
	check_eq "$who: container addresses (but IPv6 link-local)" "$(printf '%s\n' \
		"eth0 inet $WGT_CLIENT_V4/32" "eth0 inet6 $WGT_CLIENT_V6/128" \
		"lo inet 127.0.0.1/8" "lo inet6 ::1/128")" "$(section "$out" addr)"
	check_eq "$who: container IPv4 routes" "default dev eth0" "$(section "$out" route4)"
	check_eq "$who: container IPv6 routes" "$(printf '%s\n' "default dev eth0" "$WGT_CLIENT_V6 dev eth0")" \
		"$(section "$out" route6)"
	after=$(server_bytes)
	check_positive "$who: server received bytes from the container's key (delta)" \
		"$(delta "$before" "$after" | cut -d' ' -f1)"
	check_positive "$who: server sent bytes to the container's key (delta)" \
		"$(delta "$before" "$after" | cut -d' ' -f2)"
}

# "rx tx" of the server's peer (the client key): what went through the tunnel.
server_bytes() {
	local r
	r=$(wg show "$WGT_SRV_IF" transfer | awk -v k="$(cat "$WGT_DIR/client.pub")" '$1 == k { print $2, $3 }')
	echo "${r:-0 0}"
}

# check_result WHO FILE NETNS: a CNI result names eth0 in NETNS with the tunnel addresses.
check_result() {
	local who=$1 file=$2 netns=$3
	check_eq "$who: result: interfaces[0] is eth0 in the sandbox $netns" "eth0 $netns" \
		"$(jq -r '.interfaces[0] | "\(.name) \(.sandbox)"' "$file" 2>&1)" "$(cat "$file")"
	check_eq "$who: result: ips on interface 0" "$WGT_CLIENT_V4/32@0 $WGT_CLIENT_V6/128@0" \
		"$(jq -r '[.ips[] | "\(.address)@\(.interface)"] | join(" ")' "$file" 2>&1)"
	check_eq "$who: result: dns nameserver" "$WGT_SRV_V4" "$(jq -r '.dns.nameservers[0]' "$file" 2>&1)"
}

# check_attached WHO RECORD-COPY NETNS: the live attachment, seen from the host.
check_attached() {
	local who=$1 rec=$2 netns=$3
	check_eq "$who: record names the netns the client sent" "$netns" "$(record_get "$rec" netns)"
	check_running "$rec"
	check_eq "$who: kill switch: table inet wgcni-eth0 is loaded in the container" yes \
		"$(nsenter --net="$netns" nft list table inet wgcni-eth0 >/dev/null 2>&1 && echo yes || echo no)"
	check_eq "$who: the key's claim exists while attached" yes \
		"$([ -e "$(key_claim)" ] && echo yes || echo no)"
}

# check_detached WHO RECORD-COPY: after the client's DEL, nothing of the attachment is left.
check_detached() {
	local who=$1 rec=$2
	check_gone_after "$who" "$rec"
	check_eq "$who: no attachment record left in $ATTACHMENTS" "" "$(ls -A "$ATTACHMENTS" 2>/dev/null)"
	check_eq "$who: the key's claim is released" no "$([ -e "$(key_claim)" ] && echo yes || echo no)"
	check_eq "$who: no wireguard-go of ours runs" "" "$(our_helpers)"
}

# The claim file of the client key (named by the public key in hex).
key_claim() {
	echo "/run/wgcni/keys/$(base64 -d <"$WGT_DIR/client.pub" | od -An -v -tx1 | tr -d ' \n')"
}

# wireguard-go processes started for this suite's attachments: the helper of a record we
# saw (any mount namespace: ctr runs the plugin in its own), by the interface in argv.
our_helpers() {
	local f ifn
	for f in "$WGT_DIR"/record.*; do
		ifn=$(record_get "$f" host_ifname)
		[ -n "$ifn" ] || continue
		ps -eo pid=,stat=,args= | awk -v i="$ifn" '$2 !~ /^Z/ && $3 ~ /wireguard-go$/ && $4 == i { print $1 }'
	done
}

# Run the plugin's DEL for every record our network still has (a client that hung or was
# killed never sent it), then stop any helper of ours and remove the records and key claim.
rt_force_cleanup() {
	local f base pid
	for f in "$ATTACHMENTS"/*; do
		[ -f "$f" ] || continue
		base=${f##*/}
		echo "# cleanup: DEL ${base%.*} (the client did not)"
		CNI_COMMAND=DEL CNI_CONTAINERID=${base%.*} CNI_NETNS=$(record_get "$f" netns) \
			CNI_IFNAME=${base##*.} CNI_PATH=$WGT_DIR/bin timeout 20 "$PLUGIN" \
			< <(jq -c '.plugins[0] + {cniVersion: .cniVersion, name: .name}' \
				"$WGT_DIR/net.d/10-$NET.conflist") >/dev/null 2>&1
	done
	for pid in $(our_helpers); do
		wgt_stop_pid "$pid"
	done
	rm -rf "$ATTACHMENTS"
	[ -f "$WGT_DIR/client.pub" ] && rm -f "$(key_claim)"
	return 0
}
