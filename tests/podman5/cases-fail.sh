# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # NET, CONFIG, source_dir...: set by suite.sh
# A setup that fails gets no teardown from podman: it must leave nothing by itself.
# Teardown is idempotent: no record, no namespace, twice, all succeed.

# failed_run WHAT EXPECTED-TEXT NETWORK
failed_run() {
	local what=$1 want=$2 net=$3 before rc
	before=$(p5_residue)
	podman_t 60 run --rm --name "wgt$WGT_ID-fail" --network "$net" localhost/bb true \
		>"$WGT_DIR/fail.out" 2>&1
	rc=$?
	check_eq "$what: podman run fails" yes "$([ "$rc" != 0 ] && echo yes || echo no)" "$(cat "$WGT_DIR/fail.out")"
	check_eq "$what: podman shows the cause ($want)" yes \
		"$(grep -qF -- "$want" "$WGT_DIR/fail.out" && echo yes || echo no)" "$(cat "$WGT_DIR/fail.out")"
	check_eq "$what: the cause is in /run/wgcni/log" yes \
		"$(grep -F "setup" /run/wgcni/log 2>/dev/null | grep -qF -- "$want" && echo yes || echo no)"
	podman rm -f -t 0 "wgt$WGT_ID-fail" >/dev/null 2>&1
	check_eq "$what: nothing left (links, helpers, sockets, tables, netns, state)" "$before" "$(p5_residue)"
}

# Early: the key file became readable by others after create.
chmod 0644 "$WGT_DIR/client"
failed_run "key made readable by others after create" "privateKeyFile $WGT_DIR/client: readable" "$NET"
chmod 0600 "$WGT_DIR/client"

# Late: the record is written and the kill switch installed when the helper fails to start.
sed "s|\"backend\": \"userspace\",|\"backend\": \"userspace\", \"userspaceImplementation\": \"/bin/false\",|" \
	"$CONFIG" >/etc/wgcni-test/false.json
if p5_create "${NET}f" -o config=/etc/wgcni-test/false.json; then
	failed_run "wireguard-go replaced by /bin/false" "/bin/false" "${NET}f"
	podman network rm -f "${NET}f" >/dev/null 2>&1
else
	fail "create ${NET}f: $(cat "$WGT_DIR/create.out")"
fi
check_eq "the network works again once the key is private (positive control)" "$WGT_TOKEN" \
	"$(p5_fetch_token "$NET")"

# Teardown as netavark runs it, for a container that was never set up.
network_json=$(podman network inspect "$NET" | jq -c '.[0] | {name, id, driver, options}')
cid=$(printf '%064d' 7)
p5_plugin teardown /run/netns/netns-wgt-none "$cid" "$network_json" >"$WGT_DIR/td.out" 2>&1
check_eq "teardown of an unknown container in a missing netns exits 0" 0 "$?" "$(cat "$WGT_DIR/td.out")"
p5_plugin teardown /run/netns/netns-wgt-none "$cid" "$network_json" >"$WGT_DIR/td.out" 2>&1
check_eq "teardown again exits 0 and prints nothing" "0 " "$? $(cat "$WGT_DIR/td.out")"

# A port mapping the plugin cannot answer (podman itself sends only tcp, udp and sctp):
# setup refuses it naming the field, before anything is made.
before=$(p5_residue)
ip netns add "wgt-$WGT_ID-pm"
printf '{"container_id":"%064d","container_name":"t","port_mappings":[{"container_port":80,"host_ip":"","host_port":8080,"protocol":"icmp","range":1}],"network":%s,"network_options":{"aliases":[],"interface_name":"eth0","options":null}}\n' \
	8 "$network_json" | "$PLUGIN_DIR/wireguard" setup "/run/netns/wgt-$WGT_ID-pm" >"$WGT_DIR/pm.out" 2>/dev/null
check_eq "setup with port_mappings[0].protocol icmp fails naming it" \
	'1 {"error":"port_mappings[0].protocol: \"icmp\" is not tcp, udp or sctp"}' "$? $(cat "$WGT_DIR/pm.out")"
ip netns del "wgt-$WGT_ID-pm"
check_eq "after the refused port mapping: nothing left" "$before" "$(p5_residue)"
