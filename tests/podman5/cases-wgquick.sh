# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # NET, CONFIG, source_dir...: set by suite.sh
# The same network from a wg-quick file: podman network create -d wireguard -o wgquick=FILE.

WGQUICK=/etc/wgcni-test/$NET-wg0.conf
(umask 077 && cat >"$WGQUICK" <<EOF2
[Interface]
PrivateKey = $(cat "$WGT_DIR/client")
Address = $WGT_CLIENT_V4/32, $WGT_CLIENT_V6/128
DNS = $WGT_SRV_V4

[Peer]
PublicKey = $WGT_SRV_PUBKEY
Endpoint = 127.0.0.1:$WGT_SRV_PORT
AllowedIPs = 0.0.0.0/0, ::/0
EOF2
)
if p5_create "${NET}q" -o wgquick="$WGQUICK"; then
	pass "podman network create -d wireguard -o wgquick=$WGQUICK ${NET}q"
	check_eq "a container on ${NET}q reaches the server through the tunnel" "$WGT_TOKEN" \
		"$(p5_fetch_token "${NET}q")"
	podman network rm -f "${NET}q" >/dev/null 2>&1
else
	fail "create ${NET}q from a wg-quick file: $(cat "$WGT_DIR/create.out")"
fi
chmod 0644 "$WGQUICK"
p5_create "${NET}q" -o wgquick="$WGQUICK"
check_eq "create from a wg-quick file others can read fails, naming it" yes \
	"$(grep -qF "wgquick=$WGQUICK" "$WGT_DIR/create.out" && echo yes || echo no)" "$(cat "$WGT_DIR/create.out")"
podman network rm -f "${NET}q" >/dev/null 2>&1
rm -f "$WGQUICK"
