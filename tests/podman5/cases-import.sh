# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # NET, WGT_*, build_dir...: set by suite.sh
# wgcni import --podman5: a wg-quick file becomes a podman 5 network in one step. podman is
# run through a wrapper that logs its arguments: only paths and the name may be in them.

IMP=${NET}i
IMP_DIR=$WGT_DIR/imp
WGCNI=$build_dir/wgcni
mkdir -p "$IMP_DIR/bin"
cat >"$IMP_DIR/bin/podman" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$IMP_DIR/podman-argv"
exec /usr/bin/podman "\$@"
EOF
chmod 0755 "$IMP_DIR/bin/podman"
imp_source=$IMP_DIR/wg0.conf
(umask 077 && cat >"$imp_source" <<EOF
[Interface]
PrivateKey = $(cat "$WGT_DIR/client")
Address = $WGT_CLIENT_V4/32, $WGT_CLIENT_V6/128
DNS = $WGT_SRV_V4

[Peer]
PublicKey = $WGT_SRV_PUBKEY
Endpoint = 127.0.0.1:$WGT_SRV_PORT
AllowedIPs = 0.0.0.0/0, ::/0
EOF
)
imp_run() { # NAME [SOURCE]: output in $IMP_DIR/out
	PATH=$IMP_DIR/bin:$PATH "$WGCNI" import "${2:-$imp_source}" --name "$1" --podman5 \
		--dir "$IMP_DIR/etc" --key-dir "$IMP_DIR/keys" >"$IMP_DIR/out" 2>&1
}
private_key=$(cat "$WGT_DIR/client")

imp_run "$IMP"
check_eq "wgcni import --podman5 $imp_source --name $IMP exits 0" 0 "$?" "$(cat "$IMP_DIR/out")"
check_eq "the podman network $IMP exists, driver wireguard" wireguard \
	"$(podman network inspect -f '{{.Driver}}' "$IMP" 2>&1)"
check_eq "podman was run with paths and the name only" \
	"network create -d wireguard -o config=$IMP_DIR/etc/$IMP.json $IMP" "$(cat "$IMP_DIR/podman-argv" 2>&1)"
check_eq "the private key is in $IMP_DIR/keys/$IMP/private.key, mode 600" "600 $private_key" \
	"$(stat -c %a "$IMP_DIR/keys/$IMP/private.key" 2>&1) $(cat "$IMP_DIR/keys/$IMP/private.key" 2>&1)"
check_eq "no private key in the configuration, podman's network file or wgcni's output" "" \
	"$(cat "$IMP_DIR/etc/$IMP.json" "/etc/containers/networks/$IMP.json" "$IMP_DIR/out" 2>/dev/null |
		grep -F -- "$private_key")"
check_eq "a container on the imported network reaches the server through the tunnel" \
	"$WGT_TOKEN" "$(p5_fetch_token "$IMP")"
podman network rm -f "$IMP" >/dev/null 2>&1

# A bad file: refused naming file and line, nothing written, no network.
sed 's/^PublicKey = .*/PublicKey = not-a-key/' "$imp_source" >"$IMP_DIR/bad.conf"
chmod 0600 "$IMP_DIR/bad.conf"
imp_run "${IMP}b" "$IMP_DIR/bad.conf"
check_eq "import --podman5 of a bad file fails (exit 2)" 2 "$?" "$(cat "$IMP_DIR/out")"
check_eq "its message names the file and line" yes \
	"$(grep -qE "$IMP_DIR/bad.conf(:| line )[0-9]+" "$IMP_DIR/out" && echo yes || echo no)" "$(cat "$IMP_DIR/out")"
check_eq "after the bad file: no configuration, no key, no network" "no no no" \
	"$([ -e "$IMP_DIR/etc/${IMP}b.json" ] && echo yes || echo no) $([ -e "$IMP_DIR/keys/${IMP}b" ] && echo yes || echo no) $(podman network exists "${IMP}b" && echo yes || echo no)"

# podman refuses (the name is taken by its default network): the files go again.
imp_run podman
check_eq "import --podman5 --name podman (taken) fails (exit 4)" 4 "$?" "$(cat "$IMP_DIR/out")"
check_eq "its message names podman network create" yes \
	"$(grep -qF "podman network create -d wireguard -o config=$IMP_DIR/etc/podman.json podman failed" "$IMP_DIR/out" && echo yes || echo no)" "$(cat "$IMP_DIR/out")"
check_eq "after podman refused: no configuration, no key left" "no no" \
	"$([ -e "$IMP_DIR/etc/podman.json" ] && echo yes || echo no) $([ -e "$IMP_DIR/keys/podman" ] && echo yes || echo no)"
rm -rf "$IMP_DIR"
