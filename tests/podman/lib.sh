# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Checks of the podman suite (run.sh). Uses WGT_* from server.sh and NET, PROJECT,
# ATTACHMENTS from run.sh.

passed=0
failed=0

pass() {
	passed=$((passed + 1))
	printf 'PASS: %s\n' "$1"
}

fail() {
	failed=$((failed + 1))
	printf 'FAIL: %s\n' "$1"
}

# check_eq NAME EXPECTED GOT [DETAIL shown on failure]
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1"
	printf '      expected: %s\n' "$(printf '%s' "$2" | sed '2,$s/^/                /')"
	printf '      got:      %s\n' "$(printf '%s' "$3" | sed '2,$s/^/                /')"
	[ -n "${4:-}" ] && printf '      detail:   %s\n' "$4"
	return 1
}

# check_positive NAME NUMBER
check_positive() {
	if [ "${2:-0}" -gt 0 ] 2>/dev/null; then
		pass "$1 ($2)"
	else
		fail "$1 (got '${2:-}', expected > 0)"
	fi
}

summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ] && exit 0
	exit 1
}

# "a b" "c d" -> "c-a d-b"
delta() {
	# shellcheck disable=SC2086
	set -- $1 $2
	echo "$(($3 - $1)) $(($4 - $2))"
}

# The text of section @NAME in a probe output file.
section() {
	awk -v want="@$2" '/^@/ { on = ($0 == want); next } on' "$1"
}

# What a container prints, section by section; addresses arrive in the environment.
probe_commands() {
	cat <<'EOF'
get='GET / HTTP/1.0\r\n\r\n'
# Unicast routes of the main table; the kernel's own multicast route is not the plugin's.
routes() { awk '$1 !~ /^(multicast|local|broadcast|anycast)$/ { d = ""; for (i = 1; i < NF; i++) if ($i == "dev") d = $(i + 1); print $1, "dev", d }' | sort; }
echo @v4; printf "$get" | nc -w 5 "$SRV4" 80 | tail -n 1
echo @v6; printf "$get" | nc -w 5 "$SRV6" 80 | tail -n 1
echo @link; ip -o link | awk -F': ' '{ print $2 }' | sort
echo @addr; ip -o addr | awk '{ print $2, $3, $4 }' | sort
echo @route4; ip route show table main | routes
echo @route6; ip -6 route show table main | routes
echo @dns; grep '^nameserver' /etc/resolv.conf | head -n 1
echo @lan
printf "$get" | nc -w 2 "$LAN4" "$LANPORT" 2>/dev/null | tail -n 1
printf "$get" | nc -w 2 "$LAN6" "$LANPORT" 2>/dev/null | tail -n 1
EOF
}

# podman run arguments that hand probe_commands its addresses.
probe_env() {
	echo "-e SRV4=$WGT_SRV_V4 -e SRV6=$WGT_SRV_V6 -e LAN4=$WGT_LAN_V4 -e LAN6=$WGT_LAN_V6 -e LANPORT=$WGT_LAN_PORT"
}

# shellcheck disable=SC2016,SC2028 # expanded by the container's shell
lan_fetch() {
	echo 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 "$LAN4" "$LANPORT" | tail -n 1'
}

# wait_record DIR PID: copy the first complete record (helper and interface named) that
# appears in DIR while PID runs; print the copy's path. DEL removes the record; the copy
# keeps what to look for afterwards.
wait_record() {
	local dir=$1 pid=$2 f copy=$WGT_DIR/record.$RANDOM
	while ! wgt_pid_gone "$pid"; do
		for f in "$dir"/*; do
			if [ ! -f "$f" ] || ! cp "$f" "$copy" 2>/dev/null; then continue; fi
			[ "$(record_get "$copy" helper_pid)" -gt 0 ] 2>/dev/null && [ -n "$(record_get "$copy" host_ifname)" ] &&
				{ echo "$copy"; return 0; }
		done
		sleep 0.05
	done
	rm -f "$copy"
	echo "$copy"
}

record_get() {
	sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1
}

# True when the record's helper has exited: PID gone, a zombie, or reused by another process
# (its start time, /proc/PID/stat field 22, differs from the recorded one).
helper_gone() {
	local pid start now
	pid=$(record_get "$1" helper_pid)
	start=$(record_get "$1" helper_start_time)
	[ "${pid:-0}" != 0 ] || return 1
	wgt_pid_gone "$pid" && return 0
	now=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $20 }')
	[ -n "$start" ] && [ "$now" != "$start" ]
}

# The record names the helper and its interface; they run and exist while attached.
check_running() {
	local rec=$1 ifname pid
	ifname=$(record_get "$rec" host_ifname)
	pid=$(record_get "$rec" helper_pid)
	check_eq "record names a wgc<12 hex> interface" yes \
		"$(echo "$ifname" | grep -Eqx 'wgc[0-9a-f]{12}' && echo yes || echo no)" "$(cat "$rec" 2>/dev/null)"
	check_eq "its wireguard-go (pid ${pid:-?}) runs" yes \
		"$(! helper_gone "$rec" && grep -q wireguard-go "/proc/$pid/cmdline" && echo yes || echo no)"
	check_eq "its UAPI socket /var/run/wireguard/$ifname.sock exists" yes \
		"$([ -S "/var/run/wireguard/$ifname.sock" ] && echo yes || echo no)"
	check_eq "its TUN is not in the host namespace (moved into the container)" no \
		"$(ip link show "$ifname" >/dev/null 2>&1 && echo yes || echo no)"
}

# check_gone_after WHAT RECORD_COPY
check_gone_after() {
	local what=$1 rec=$2 ifname pid
	if [ ! -s "$rec" ]; then
		fail "after $what: no attachment record was seen while the container ran"
		return
	fi
	ifname=$(record_get "$rec" host_ifname)
	pid=$(record_get "$rec" helper_pid)
	if [ -z "$ifname" ] || [ "${pid:-0}" = 0 ]; then
		fail "after $what: the record names no helper or interface: $(tr '\n' ' ' <"$rec")"
		return
	fi
	check_eq "after $what: no link ${ifname:-wgc?} on the host" no \
		"$(ip -o link 2>/dev/null | grep -qw "$ifname:" && echo yes || echo no)"
	check_eq "after $what: wireguard-go ${pid:-?} has exited" yes \
		"$(helper_gone "$rec" && echo yes || echo no)"
	check_eq "after $what: no /var/run/wireguard/$ifname.sock" no \
		"$([ -e "/var/run/wireguard/$ifname.sock" ] && echo yes || echo no)"
}

# The server saw a handshake from the container's key, and traffic both ways.
check_handshake() {
	local client hs rx tx
	client=$(cat "$WGT_DIR/client.pub")
	hs=$(wg show "$WGT_SRV_IF" latest-handshakes | awk -v k="$client" '$1 == k { print $2 }')
	read -r rx tx < <(wg show "$WGT_SRV_IF" transfer | awk -v k="$client" '$1 == k { print $2, $3 }')
	check_positive "server $WGT_SRV_IF saw a handshake from the container's key (unix time)" "${hs:-0}"
	check_positive "server received bytes from the container" "${rx:-0}"
	check_positive "server sent bytes to the container" "${tx:-0}"
}

# wgc* links in the host namespace, their UAPI sockets and wireguard-go processes. Other
# suites running at the same time in namespaces of their own (benchmarks, netns suites)
# have helpers of their own: a helper outside this shell's network or mount namespace, and
# the socket named after it, are theirs and left out.
host_wg_objects() {
	local pid name net mnt foreign=' ' s sockets
	net=$(readlink /proc/$$/ns/net)
	mnt=$(readlink /proc/$$/ns/mnt)
	# Sockets before processes: a helper exists before its socket does.
	sockets=$(find /var/run/wireguard -maxdepth 1 -name 'wgc*.sock' -printf '%f\n' 2>/dev/null)
	{
		while read -r pid name; do
			if [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$net" ] &&
				[ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$mnt" ]; then
				echo "process $pid $name"
			else
				foreign+="$name "
			fi
		done < <(ps -eo pid=,args= | awk '$2 ~ /wireguard-go$/ && $3 ~ /^wgc/ { print $1, $3 }')
		ip -o link 2>/dev/null | awk -F': ' '$2 ~ /^wgc/ { print "link", $2 }'
		for s in $sockets; do
			[ "${foreign#* "${s%.sock}" }" = "$foreign" ] && echo "socket /var/run/wireguard/$s"
		done
	} | sort
}

# podman-compose brings the example up on $NET, the service fetches the page, down cleans.
check_compose() {
	local file=$1 c rc log=$WGT_DIR/compose.log
	export WGCNI_NETWORK=$NET
	timeout 60 podman-compose -p "$PROJECT" -f "$file" up -d >"$log" 2>&1
	rc=$?
	[ "$rc" = 124 ] && : >"$WGT_DIR/podman-hung"
	check_eq "podman-compose up -d exits 0" 0 "$rc" "$(tail -3 "$log")"
	c=$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" | head -n 1)
	podman_t 30 wait "$c" >/dev/null 2>&1
	check_eq "compose service fetched the page through the tunnel" "$WGT_TOKEN" \
		"$(podman logs "$c" 2>/dev/null | tail -n 1)"
	timeout 60 podman-compose -p "$PROJECT" -f "$file" down >>"$log" 2>&1
	check_eq "podman-compose down exits 0" 0 "$?" "$(tail -3 "$log")"
	check_eq "after down: no container of project $PROJECT" "" \
		"$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT")"
	check_eq "after down: the external network $NET is still there" yes \
		"$([ -f "$CONFLIST" ] && echo yes || echo no)"
	check_eq "after down: no attachment record in $ATTACHMENTS" "" "$(ls -A "$ATTACHMENTS" 2>/dev/null)"
}

# podman with a time limit; a podman that had to be killed is remembered for reap_hung.
podman_t() {
	local limit=$1 rc
	shift
	timeout "$limit" podman "$@"
	rc=$?
	[ "$rc" = 124 ] && : >"$WGT_DIR/podman-hung"
	return "$rc"
}

# podman rm -f; a container whose start was killed half-way can keep its shm mounted.
remove_container() {
	local shm
	podman rm -f -t 0 "$1" >/dev/null 2>&1 && return 0
	for shm in /var/lib/containers/storage/overlay-containers/"$1"*/userdata/shm; do
		umount "$shm" 2>/dev/null
	done
	podman rm -f -t 0 "$1" >/dev/null 2>&1
}

# After a podman run that hung: our copy of the plugin may still be running, and podman
# leaves the netns it made. End those plugin processes by PID; delete netns-* that appeared
# during the suite and that no container uses.
reap_hung() {
	local proc ns used
	[ -n "$WGT_DIR" ] && [ -e "$WGT_DIR/podman-hung" ] || return 0
	for proc in /proc/[0-9]*; do
		[ "$(readlink "$proc/exe" 2>/dev/null)" = "$PLUGIN_DIR/wireguard" ] &&
			wgt_stop_pid "${proc#/proc/}"
	done
	used=$(podman ps -aq | xargs -r podman inspect -f '{{.NetworkSettings.SandboxKey}}' 2>/dev/null)
	for ns in /run/netns/netns-*; do
		[ -e "$ns" ] || continue
		ns=${ns#/run/netns/}
		# shellcheck disable=SC2154 # set by run.sh at start
		grep -qxF "$ns" <<<"$netns_before" && continue
		grep -qxF "/run/netns/$ns" <<<"$used" && continue
		echo "# removing network namespace $ns left by a podman that was killed"
		ip netns del "$ns"
	done
}
