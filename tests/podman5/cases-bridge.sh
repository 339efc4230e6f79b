# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # NET, CONFIG, source_dir...: set by suite.sh
# --network podman,NET: a bridge leg next to the tunnel. netavark sets networks up in hash
# order and the interface names vary too (eth0 or eth1), so a few runs see both orders. The tunnel's default route (no metric) wins over the
# bridge's (metric 100) and the kill switch keeps everything else off the bridge leg.
# Published ports on the bridge leg are not answered yet (the kill switch drops them).

# Positive control: a container on the bridge alone reaches the LAN, and the LAN counts it.
lan_before=$(wgt_lan_packets)
# shellcheck disable=SC2046
got=$(podman_t 30 run --rm --network podman $(probe_env) localhost/bb sh -c "$(lan_fetch)" 2>&1)
lan_after=$(wgt_lan_packets)
check_eq "control: a container on the podman bridge fetches the LAN page" "lan-$WGT_ID" "$got"
check_positive "control: the LAN counted its IPv4 packets" "$(delta "$lan_before" "$lan_after" | cut -d' ' -f1)"

for run in 1 2 3; do
	lan_before=$(wgt_lan_packets)
	# shellcheck disable=SC2046,SC2016
	podman_t 60 run --rm --network "podman,$NET" $(probe_env) -e CLIENT4="$WGT_CLIENT_V4" localhost/bb sh -c '
		echo @token; printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 "$SRV4" 80 | tail -n 1
		echo @lan; printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 "$LAN4" "$LANPORT" 2>/dev/null | tail -n 1
		echo @default; tun=$(ip -o -4 addr | awk -v a="$CLIENT4/32" '\''$4 == a { print $2 }'\'')
		ip route show default | head -n 1 | sed "s/dev $tun /dev TUNNEL /"' >"$WGT_DIR/chain.out" 2>&1
	lan_after=$(wgt_lan_packets)
	check_eq "podman,$NET run $run: the server's page through the tunnel" "$WGT_TOKEN" \
		"$(section "$WGT_DIR/chain.out" token)" "$(cat "$WGT_DIR/chain.out")"
	check_eq "podman,$NET run $run: the first default route is the tunnel's" "default dev TUNNEL scope link " \
		"$(section "$WGT_DIR/chain.out" default)"
	check_eq "podman,$NET run $run: nothing from the LAN, zero packets counted there" " 0 0" \
		"$(section "$WGT_DIR/chain.out" lan) $(delta "$lan_before" "$lan_after")"
done
check_eq "after the podman,$NET runs: no attachment record" "" "$(ls -A "$ATTACHMENTS" 2>/dev/null)"

# Not asserted yet: a port published on the bridge leg (the kill switch drops it today).
cid=$(podman_t 30 run -d --network "podman,$NET" -p 18080:80 localhost/bb \
	sh -c 'mkdir -p /tmp/www && echo published >/tmp/www/index.html && httpd -f -p 80 -h /tmp/www' 2>/dev/null)
sleep 1
got=$(printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 3 198.18.0.1 18080 2>/dev/null | tail -n 1)
echo "# known gap: -p 18080:80 on podman,$NET answered from the host: ${got:-nothing}"
podman_t 30 rm -f -t 0 "$cid" >/dev/null 2>&1
