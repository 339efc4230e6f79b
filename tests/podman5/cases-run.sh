# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # NET, CONFIG, source_dir...: set by suite.sh
# Containers on the network: the tunnel and only the tunnel, then nothing left behind by
# podman run --rm, podman rm and podman-compose.

probe_script="$(probe_commands)"
out=$WGT_DIR/probe.out
lan_before=$(wgt_lan_packets)
# shellcheck disable=SC2046
podman_t 60 run --rm --name "wgt$WGT_ID-probe" --network "$NET" $(probe_env) localhost/bb \
	sh -c "$probe_script" >"$out" 2>"$WGT_DIR/probe.err" &
probe_pid=$!
record=$(wait_record "$ATTACHMENTS" "$probe_pid")
wait "$probe_pid"
probe_rc=$?
lan_after=$(wgt_lan_packets)
check_eq "podman run --network $NET exits 0" 0 "$probe_rc" "$(tail -3 "$WGT_DIR/probe.err")"
check_eq "page through the tunnel over IPv4 is the server's token" "$WGT_TOKEN" "$(section "$out" v4)"
check_eq "page through the tunnel over IPv6 is the server's token" "$WGT_TOKEN" "$(section "$out" v6)"
check_handshake
check_eq "container links are exactly lo and eth0" "$(printf 'eth0\nlo')" "$(section "$out" link)"
check_eq "container addresses" "$(printf '%s\n' \
	"eth0 inet $WGT_CLIENT_V4/32" "eth0 inet6 $WGT_CLIENT_V6/128" \
	"lo inet 127.0.0.1/8" "lo inet6 ::1/128")" "$(section "$out" addr)"
# The default routes are in table 5752 (attach/beside.c), so that a bridge beside the tunnel
# cannot win with its own, whenever netavark sets it up.
check_eq "container IPv4 routes of table main: none" "" "$(section "$out" route4)"
check_eq "container IPv6 routes of table main: the tunnel address only" "$WGT_CLIENT_V6 dev eth0" \
	"$(section "$out" route6)"
check_eq "resolv.conf's first nameserver is the network's (StatusBlock dns_server_ips)" \
	"nameserver $WGT_SRV_V4" "$(section "$out" dns)"
check_eq "tunnelled container gets nothing from the LAN (IPv4, IPv6)" "" "$(section "$out" lan)"
check_eq "LAN namespace counted zero packets from it (IPv4 IPv6 delta)" "0 0" \
	"$(delta "$lan_before" "$lan_after")"
check_gone_after "podman run --rm" "$record"
check_eq "after podman run --rm: no attachment record" "" "$(ls -A "$ATTACHMENTS" 2>/dev/null)"

# Positive control: the LAN answers the host, and its counters count.
lan_before=$(wgt_lan_packets)
got=$(printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 3 "$WGT_LAN_V4" "$WGT_LAN_PORT" | tail -n 1)
lan_after=$(wgt_lan_packets)
check_eq "control: the host fetches the LAN page" "lan-$WGT_ID" "$got"
check_positive "control: the LAN counted those packets" "$(delta "$lan_before" "$lan_after" | cut -d' ' -f1)"

# podman inspect shows the tunnel's address, from the StatusBlock.
id=$(podman_t 30 run -d --name "wgt$WGT_ID-detached" --network "$NET" localhost/bb sleep 300 \
	2>"$WGT_DIR/detached.err")
check_eq "podman run -d --network $NET starts" 0 "$?" "$(tail -2 "$WGT_DIR/detached.err")"
check_eq "podman inspect: the container's address on $NET" "$WGT_CLIENT_V4" \
	"$(podman inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$id" 2>&1)"
record=$ATTACHMENTS/$id.eth0
check_eq "attachment record $NET/<id>.eth0 exists while it runs" yes \
	"$([ -n "$id" ] && [ -f "$record" ] && echo yes || echo no)"
record_copy=$WGT_DIR/detached.record
cp "$record" "$record_copy" 2>/dev/null
check_running "$record_copy"
sandbox=$(podman inspect -f '{{.NetworkSettings.SandboxKey}}' "$id" 2>/dev/null)
check_eq "kill switch: table inet wgcni-eth0 is loaded in the container" yes \
	"$(nsenter --net="$sandbox" nft list table inet wgcni-eth0 >/dev/null 2>&1 && echo yes || echo no)"
for family in 4 6; do
	check_eq "IPv$family policy rules: marked replies to main, main without defaults, then 5752" \
		"$(printf '%s\n' "5750: from all fwmark 0x57474e49 lookup main" \
			"5751: from all lookup main suppress_prefixlength 0" "5752: from all lookup 5752")" \
		"$(nsenter --net="$sandbox" ip -$family rule | grep -E '^575[0-2]:' | sed 's/[[:space:]]\+/ /g; s/ $//')"
	check_eq "IPv$family table 5752: the tunnel's default route" "default dev eth0" \
		"$(nsenter --net="$sandbox" ip -$family route show table 5752 | awk '{ print $1, $2, $3 }')"
done
podman_t 30 stop -t 0 "$id" >/dev/null 2>&1
podman_t 30 rm "$id" >/dev/null 2>&1
check_eq "podman stop + podman rm remove the container" "" "$(podman ps -aq --filter id="$id")"
check_gone_after "podman stop + rm" "$record_copy"
check_eq "after podman rm: no attachment record" "" "$(ls -A "$ATTACHMENTS" 2>/dev/null)"
check_eq "after podman rm: its namespace $sandbox is gone" no "$([ -e "$sandbox" ] && echo yes || echo no)"

# A container restarted on the network gets the tunnel again (teardown released the key).
check_eq "a second container on $NET reaches the server after the first is gone" "$WGT_TOKEN" \
	"$(p5_fetch_token "$NET")"

# podman-compose 1.3, with the example of examples/compose/vpn-app.
# shellcheck disable=SC2034 # read by check_compose: the network's configuration stays
CONFLIST=$CONFIG
check_compose "$source_dir/examples/compose/vpn-app/compose.yaml"
check_eq "after compose down: network $NET still exists" yes \
	"$(podman network exists "$NET" && echo yes || echo no)"

# -d --rm: conmon's `podman container cleanup` runs the teardown, where nobody sees stderr.
id=$(podman_t 30 run -d --rm --network "$NET" localhost/bb sleep 300 2>"$WGT_DIR/drm.err")
record_copy=$WGT_DIR/drm.record
cp "$ATTACHMENTS/$id.eth0" "$record_copy" 2>/dev/null
check_eq "podman run -d --rm: attachment recorded" yes "$([ -s "$record_copy" ] && echo yes || echo no)" \
	"$(cat "$WGT_DIR/drm.err")"
podman_t 30 stop -t 0 "$id" >/dev/null 2>&1
for _ in $(seq 100); do
	[ -z "$(podman ps -aq --filter id="$id")" ] && [ ! -e "$ATTACHMENTS/$id.eth0" ] && break
	sleep 0.1
done
check_eq "podman run -d --rm, stopped: the container is removed" "" "$(podman ps -aq --filter id="$id")"
check_gone_after "the cleanup process's teardown" "$record_copy"
check_eq "after the cleanup process's teardown: no attachment record" "" "$(ls -A "$ATTACHMENTS" 2>/dev/null)"
check_eq "the cleanup process's teardown logged no problem in /run/wgcni/log" "" \
	"$(grep -F "teardown ${id:0:12}" /run/wgcni/log 2>/dev/null)"
