# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # NET, CONFIG, source_dir...: set by suite.sh
# podman network create -d wireguard: each bad option is refused at create time by a message
# that names it, and no network is stored; then the good network is created.

# bad_create WHAT EXPECTED-TEXT CREATE-ARGS...
bad_create() {
	local what=$1 want=$2 name=${NET}bad rc
	shift 2
	p5_create "$name" "$@"
	rc=$?
	check_eq "create with $what fails" 1 "$([ "$rc" != 0 ] && echo 1 || echo 0)" "$(cat "$WGT_DIR/create.out")"
	check_eq "create with $what: the message names it ($want)" yes \
		"$(grep -qF -- "$want" "$WGT_DIR/create.out" && echo yes || echo no)" "$(cat "$WGT_DIR/create.out")"
	check_eq "create with $what: no network stored" no \
		"$(podman network exists "$name" 2>/dev/null && echo yes || echo no)"
	podman network rm -f "$name" >/dev/null 2>&1
}

# variant NAME SED-EXPRESSION: a copy of the good configuration, changed.
variant() {
	sed "$2" "$CONFIG" >"/etc/wgcni-test/$1.json"
	echo "/etc/wgcni-test/$1.json"
}

key644=$WGT_DIR/client644
cp "$WGT_DIR/client" "$key644"
chmod 0644 "$key644"
printf '{"cniVersion": "1.0.0", "name": ' >/etc/wgcni-test/broken.json

bad_create "an unknown option" "option color" -o color=blue
bad_create "no option" "-o config=FILE"
bad_create "a relative config path" "option config=rel.json: must be an absolute path" -o config=rel.json
bad_create "a missing config file" "option config=/etc/wgcni-test/none.json: No such file or directory" \
	-o config=/etc/wgcni-test/none.json
bad_create "a config that is not JSON" "option config=/etc/wgcni-test/broken.json: not a JSON object" \
	-o config=/etc/wgcni-test/broken.json
bad_create "a key file others can read" "privateKeyFile $key644: readable by group or others" \
	-o config="$(variant key644 "s|\"$WGT_DIR/client\"|\"$key644\"|")"
bad_create "a missing key file" "privateKeyFile $WGT_DIR/nokey" \
	-o config="$(variant nokey "s|\"$WGT_DIR/client\"|\"$WGT_DIR/nokey\"|")"
bad_create "a bad peer public key" "peers[0].publicKey" \
	-o config="$(variant badpeer "s|\"publicKey\": \"[^\"]*\"|\"publicKey\": \"abc\"|")"
bad_create "a bad peer endpoint" "peers[0].endpoint" \
	-o config="$(variant badendpoint "s|\"endpoint\": \"[^\"]*\"|\"endpoint\": \"127.0.0.1\"|")"
bad_create "config and wgquick together" "config and wgquick exclude each other" \
	-o config="$CONFIG" -o wgquick=/etc/wireguard/wg0.conf
bad_create "a --subnet" "subnets: the tunnel's addresses come from the configuration" \
	-o config="$CONFIG" --subnet 10.99.0.0/24

if p5_create "$NET" -o config="$CONFIG"; then
	pass "podman network create -d wireguard -o config=$CONFIG $NET"
else
	fail "podman network create $NET: $(cat "$WGT_DIR/create.out")"
	summary
fi
check_eq "stored network: driver wireguard, IPAM none, no subnet, DNS off" "wireguard none [] false" \
	"$(podman network inspect -f '{{.Driver}} {{index .IPAMOptions "driver"}} {{.Subnets}} {{.DNSEnabled}}' "$NET" 2>&1)"
