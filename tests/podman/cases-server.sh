# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# examples/compose/wg-server: a server-style network (peerPool, inboundPorts) and the
# compose file, run with podman-compose. Two stand-in clients, each a wireguard-go whose
# TUN sits in a namespace of its own, are set up from the configurations `wgcni peer add`
# prints; both reach the container's page through the tunnel; one is removed and can no
# longer handshake while the other still can. Uses run.sh's PROJECT, WGT_DIR, check_*.
#
#   host namespace                                    wgt-PID-pa / wgt-PID-pb
#   +-------------------------------------------+    +-----------------------------+
#   | wireguard-go wgpaPID, wgpbPID (clients) --+--->| wgpaPID 10.99.0.2/32 (phone)|
#   |   UDP to 127.0.0.1:SV_PORT                |    | wgpbPID 10.99.0.3/32 (laptop)|
#   | plugin's wireguard-go wgc<hex> :SV_PORT --+-.  +-----------------------------+
#   +-------------------------------------------+ |  container (compose service web)
#                                                 '->| eth0 10.99.0.1/24, httpd :80 |
#                                                    +------------------------------+
# shellcheck disable=SC2154 # source_dir, build_dir, snapshot_before: set by run.sh

SV_NET=wgt${WGT_ID}sv
SV_CONFLIST=/etc/cni/net.d/$SV_NET.conflist
SV_PEERS=/etc/wgcni/peers/$SV_NET
SV_ATTACHMENTS=/run/wgcni/attachments/$SV_NET
SV_EXAMPLE=$source_dir/examples/compose/wg-server
SV_CLIENT_PIDS=()

# shellcheck disable=SC2317 # called by run.sh's cleanup
server_cleanup() {
	local pid c
	for c in pa pb; do
		ip netns del "wgt-$WGT_ID-$c" 2>/dev/null
	done
	for pid in ${SV_CLIENT_PIDS[@]+"${SV_CLIENT_PIDS[@]}"}; do
		wgt_stop_pid "$pid"
	done
	rm -f "/var/run/wireguard/wgpa$WGT_ID.sock" "/var/run/wireguard/wgpb$WGT_ID.sock"
	rm -f "$SV_CONFLIST"
	rm -rf "$SV_PEERS"
	rmdir "$SV_ATTACHMENTS" /etc/wgcni/peers /etc/wgcni 2>/dev/null
	return 0
}

wgcni_cli() {
	"$build_dir/wgcni" "$@"
}

# A UDP port nobody on the host listens on.
free_udp_port() {
	local port
	for port in $(seq $((40000 + WGT_ID % 20000)) 65000); do
		ss -Hulnp "sport = :$port" | grep -q . || { echo "$port"; return; }
	done
}

# client_start NAME: wireguard-go in the host, its TUN moved into wgt-PID-NAME.
client_start() {
	local c=$1 ifname=wg$1$WGT_ID
	ip netns add "wgt-$WGT_ID-$c" || return 1
	ip -n "wgt-$WGT_ID-$c" link set lo up
	WG_PROCESS_FOREGROUND=1 wireguard-go "$ifname" </dev/null >"$WGT_DIR/client-$c.log" 2>&1 &
	SV_CLIENT_PIDS+=($!)
	for _ in $(seq 50); do
		[ -S "/var/run/wireguard/$ifname.sock" ] && break
		sleep 0.1
	done
	[ -S "/var/run/wireguard/$ifname.sock" ] && ip link set "$ifname" netns "wgt-$WGT_ID-$c"
}

conf_value() { # FILE KEY: "Key = value" of a wg-quick file
	awk -v k="$2" -F ' = ' '$1 == k { print $2; exit }' "$1"
}

# client_configure NAME CONFIG: as wg-quick would, by hand; any earlier session is dropped
# (the peer is removed and set again), so the next packet needs a fresh handshake.
client_configure() {
	local c=$1 f=$2 ifname=wg$1$WGT_ID old
	(umask 077 && conf_value "$f" PrivateKey >"$WGT_DIR/$c.key" &&
		conf_value "$f" PresharedKey >"$WGT_DIR/$c.psk")
	for old in $(wg show "$ifname" peers); do
		wg set "$ifname" peer "$old" remove
	done
	wg set "$ifname" private-key "$WGT_DIR/$c.key" peer "$(conf_value "$f" PublicKey)" \
		preshared-key "$WGT_DIR/$c.psk" endpoint "$(conf_value "$f" Endpoint)" \
		allowed-ips "$(conf_value "$f" AllowedIPs)" \
		persistent-keepalive "$(conf_value "$f" PersistentKeepalive)" || return 1
	ip -n "wgt-$WGT_ID-$c" addr flush dev "$ifname"
	ip -n "wgt-$WGT_ID-$c" addr add "$(conf_value "$f" Address)" dev "$ifname" || return 1
	ip -n "wgt-$WGT_ID-$c" link set "$ifname" up
	ip -n "wgt-$WGT_ID-$c" route replace "$(conf_value "$f" AllowedIPs)" dev "$ifname"
}

# client_fetch NAME PORT: the page at 10.99.0.1:PORT from the client's namespace, a few
# tries (wireguard-go notices its TUN is up by polling, about once a second).
client_fetch() {
	local got=''
	for _ in 1 2 3 4 5; do
		got=$(printf 'GET / HTTP/1.0\r\n\r\n' |
			ip netns exec "wgt-$WGT_ID-$1" timeout 10 busybox nc -w 3 10.99.0.1 "$2" 2>/dev/null | tail -n 1)
		[ -n "$got" ] && break
	done
	echo "$got"
}

client_handshake() { wg show "wg$1$WGT_ID" latest-handshakes | awk '{ print $2; exit }'; }
client_transfer() { wg show "wg$1$WGT_ID" transfer | awk '{ print $2, $3; exit }'; }

# The network's show --json: "KEY HANDSHAKE RX TX" for each peer on the device.
show_peers() {
	wgcni_cli show "$SV_NET" --json 2>/dev/null |
		jq -r '.attachments[0].peers[] | "\(.publicKey) \(.latestHandshake) \(.rxBytes) \(.txBytes)"'
}

check_peer_counted() { # WHAT PUBLIC-KEY
	local hs rx tx
	read -r _ hs rx tx < <(show_peers | awk -v k="$2" '$1 == k')
	check_positive "wgcni show: $1's latest handshake" "${hs:-0}"
	check_positive "wgcni show: bytes from $1" "${rx:-0}"
	check_positive "wgcni show: bytes to $1" "${tx:-0}"
}

check_server_example() {
	local port token c rc log=$WGT_DIR/server-compose.log pub_a pub_b rx tx record tun
	port=$(free_udp_port)
	token=wg-server-$WGT_ID-$RANDOM
	wgt_keypair "$WGT_DIR" svkey
	# The example's network as it is, with this suite's name, key and port.
	jq --arg n "$SV_NET" --arg k "$WGT_DIR/svkey" --argjson p "$port" \
		'.name = $n | .plugins[0].privateKeyFile = $k | .plugins[0].listenPort = $p' \
		"$SV_EXAMPLE/wghome.conflist" >"$SV_CONFLIST"
	check_eq "the example's network, renamed, is valid JSON" 0 "$?"

	for c in pa pb; do
		client_start "$c" || { fail "client $c: wireguard-go and namespace"; return; }
	done
	wgcni_cli peer add "$SV_NET" phone --endpoint "127.0.0.1:$port" --no-qr \
		>"$WGT_DIR/phone.conf" 2>"$WGT_DIR/phone.err"
	check_eq "wgcni peer add phone" 0 "$?" "$(cat "$WGT_DIR/phone.err")"
	wgcni_cli peer add "$SV_NET" laptop --endpoint "127.0.0.1:$port" --no-qr \
		>"$WGT_DIR/laptop.conf" 2>"$WGT_DIR/laptop.err"
	check_eq "wgcni peer add laptop" 0 "$?" "$(cat "$WGT_DIR/laptop.err")"
	check_eq "addresses from the pool, in order" "10.99.0.2/32 10.99.0.3/32" \
		"$(conf_value "$WGT_DIR/phone.conf" Address) $(conf_value "$WGT_DIR/laptop.conf" Address)"
	check_eq "no container yet: no live attachment updated" \
		"0 live attachments of $SV_NET updated" "$(grep 'live attachment' "$WGT_DIR/phone.err")"
	client_configure pa "$WGT_DIR/phone.conf" && client_configure pb "$WGT_DIR/laptop.conf"
	check_eq "clients configured from the printed configurations" 0 "$?"
	pub_a=$(conf_value "$WGT_DIR/phone.conf" PrivateKey | wg pubkey)
	pub_b=$(conf_value "$WGT_DIR/laptop.conf" PrivateKey | wg pubkey)

	WGCNI_NETWORK=$SV_NET WEB_TOKEN=$token timeout 60 podman-compose -p "$PROJECT" \
		-f "$SV_EXAMPLE/compose.yaml" up -d >"$log" 2>&1
	rc=$?
	[ "$rc" = 124 ] && : >"$WGT_DIR/podman-hung"
	check_eq "podman-compose up -d (wg-server) exits 0" 0 "$rc" "$(tail -3 "$log")"
	c=$(podman ps -q --filter "label=io.podman.compose.project=$PROJECT" | head -n 1)
	record=$(find "$SV_ATTACHMENTS" -type f 2>/dev/null | head -n 1)
	check_eq "the service is attached to $SV_NET" yes "$([ -n "$record" ] && echo yes || echo no)"
	cp "$record" "$WGT_DIR/server.record" 2>/dev/null
	# Positive control of run.sh's last leak check: a running tunnel is seen as new there.
	tun=$(record_get "$WGT_DIR/server.record" host_ifname)
	check_eq "control: its wireguard-go and UAPI socket count as new host objects" 2 \
		"$(comm -13 <(echo "$snapshot_before") <(host_wg_objects) | grep -cF -- "${tun:-no-tunnel}")"

	check_eq "phone fetches the service's page through the tunnel" "$token" "$(client_fetch pa 80)"
	check_eq "laptop fetches the service's page through the tunnel" "$token" "$(client_fetch pb 80)"
	for c in pa pb; do
		read -r rx tx < <(client_transfer "$c")
		check_positive "client $c: handshake (unix time)" "$(client_handshake "$c")"
		check_positive "client $c: bytes received" "${rx:-0}"
		check_positive "client $c: bytes sent" "${tx:-0}"
	done
	check_peer_counted phone "$pub_a"
	check_peer_counted laptop "$pub_b"

	# inboundPorts: a port left out is closed to the clients; the same server on it
	# answers inside the container (the control), and port 80 answered above.
	c=$(podman ps -q --filter "label=io.podman.compose.project=$PROJECT" | head -n 1)
	podman_t 30 exec "$c" httpd -p 8081 -h /www >/dev/null 2>&1
	check_eq "control: port 8081 serves the page inside the container" "$token" \
		"$(podman_t 30 exec "$c" sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 127.0.0.1 8081 | tail -n 1')"
	check_eq "port 8081 (not in inboundPorts) is closed to the phone" "" \
		"$(printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "wgt-$WGT_ID-pa" timeout 10 busybox nc -w 3 10.99.0.1 8081 2>/dev/null)"

	wgcni_cli peer remove "$SV_NET" phone >/dev/null 2>"$WGT_DIR/remove.err"
	check_eq "wgcni peer remove phone" 0 "$?" "$(cat "$WGT_DIR/remove.err")"
	check_eq "... applied to the running container" "1 live attachment of $SV_NET updated" \
		"$(grep 'live attachment' "$WGT_DIR/remove.err")"
	check_eq "wgcni show: only the laptop left on the device" "$pub_b" "$(show_peers | awk '{ print $1 }')"
	# Fresh sessions for both: the removed one cannot complete a handshake, the other can.
	client_configure pa "$WGT_DIR/phone.conf" && client_configure pb "$WGT_DIR/laptop.conf"
	check_eq "laptop still fetches the page (new session)" "$token" "$(client_fetch pb 80)"
	check_positive "laptop: new handshake" "$(client_handshake pb)"
	check_eq "removed phone gets no page" "" "$(client_fetch pa 80)"
	check_eq "removed phone: no handshake, nothing received" "0 0" \
		"$(client_handshake pa) $(client_transfer pa | cut -d' ' -f1)"
	read -r _ tx < <(client_transfer pa)
	check_positive "... although it sent (handshake initiations)" "${tx:-0}"
	check_eq "container not restarted by the peer changes" "$c" \
		"$(podman ps -q --filter "label=io.podman.compose.project=$PROJECT" | head -n 1)"

	timeout 60 podman-compose -p "$PROJECT" -f "$SV_EXAMPLE/compose.yaml" down >>"$log" 2>&1
	check_eq "podman-compose down (wg-server) exits 0" 0 "$?" "$(tail -3 "$log")"
	check_eq "after down: no container of project $PROJECT" "" \
		"$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT")"
	check_eq "after down: no attachment record in $SV_ATTACHMENTS" "" "$(ls -A "$SV_ATTACHMENTS" 2>/dev/null)"
	check_gone_after "podman-compose down (wg-server)" "$WGT_DIR/server.record"
	check_eq "after down: the network and the laptop stay for the next up" "yes laptop" \
		"$([ -f "$SV_CONFLIST" ] && echo yes || echo no) $(wgcni_cli peer list "$SV_NET" | awk '{ print $1 }')"
	wgcni_cli peer remove "$SV_NET" laptop >/dev/null 2>&1
}
