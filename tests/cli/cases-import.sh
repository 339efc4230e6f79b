# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# import: provider-style wg-quick files (written here, keys generated here)
# become the exact conflist expected, with every key in a 0600 file and none
# in the conflist.

# import_sample NAME: DIR/NAME.conf and its keys in DIR/NAME.{priv,pub1,psk1,pub2,psk2}.
import_keys() {
	local n=$1 k
	for k in priv pub1 pub2 psk1 psk2; do
		case $k in
		priv) wg genkey >"$WGT_DIR/$n.$k" ;;
		pub*) wg genkey | wg pubkey >"$WGT_DIR/$n.$k" ;;
		psk*) wg genpsk >"$WGT_DIR/$n.$k" ;;
		esac
	done
}

key() { cat "$WGT_DIR/$1"; }

# A VPN provider's file: one peer for everything, dual stack, its resolver.
sample_provider() {
	import_keys prov
	cat <<-EOF
	[Interface]
	# Device: Quick Otter
	PrivateKey = $(key prov.priv)
	Address = 10.67.31.5/32,fc00:bbbb:bbbb:bb01::4:1f04/128
	DNS = 10.64.0.1

	[Peer]
	PublicKey = $(key prov.pub1)
	AllowedIPs = 0.0.0.0/0,::0/0
	Endpoint = 203.0.113.50:51820
	EOF
}

# The other common shape: comments, spaces, a host name endpoint, a search domain.
sample_hostname() {
	import_keys host
	cat <<-EOF
	# NetShield = 1
	[Interface]
	PrivateKey = $(key host.priv)
	Address = 10.2.0.2/32
	DNS = 10.2.0.1, corp.example

	[Peer]
	# XX-FREE#7
	PublicKey = $(key host.pub1)
	AllowedIPs = 0.0.0.0/0, ::/0
	Endpoint = vpn.example.net:51820
	EOF
}

# A self-hosted server: two peers with preshared keys, port, MTU, fwmark, keepalive.
sample_own() {
	import_keys own
	cat <<-EOF
	[Interface]
	PrivateKey = $(key own.priv)
	Address = 10.99.0.2/24
	ListenPort = 51999
	MTU = 1380
	FwMark = 4660

	[Peer]
	PublicKey = $(key own.pub1)
	PresharedKey = $(key own.psk1)
	AllowedIPs = 10.99.0.0/24
	Endpoint = [2001:db8::1]:51820
	PersistentKeepalive = 25

	[Peer]
	PublicKey = $(key own.pub2)
	PresharedKey = $(key own.psk2)
	AllowedIPs = 192.168.77.0/24
	Endpoint = 198.51.100.9:4500
	EOF
}

expect_provider() {
	cat <<-EOF
	{
	  "cniVersion": "1.0.0",
	  "name": "prov",
	  "plugins": [
	    {
	      "type": "wireguard",
	      "privateKeyFile": "$WGT_DIR/keys/prov/private.key",
	      "address": [
	        "10.67.31.5/32",
	        "fc00:bbbb:bbbb:bb01::4:1f04/128"
	      ],
	      "dns": {
	        "nameservers": [
	          "10.64.0.1"
	        ]
	      },
	      "peers": [
	        {
	          "publicKey": "$(key prov.pub1)",
	          "endpoint": "203.0.113.50:51820",
	          "allowedIPs": [
	            "0.0.0.0/0",
	            "::/0"
	          ]
	        }
	      ]
	    }
	  ]
	}
	EOF
}

expect_hostname_peer() {
	cat <<-EOF
	      "dns": {
	        "nameservers": [
	          "10.2.0.1"
	        ],
	        "search": [
	          "corp.example"
	        ]
	      },
	      "peers": [
	        {
	          "publicKey": "$(key host.pub1)",
	          "endpoint": "vpn.example.net:51820",
	EOF
}

expect_own() {
	cat <<-EOF
	{
	  "cniVersion": "1.0.0",
	  "name": "own",
	  "plugins": [
	    {
	      "type": "wireguard",
	      "privateKeyFile": "$WGT_DIR/keys/own/private.key",
	      "address": [
	        "10.99.0.2/24"
	      ],
	      "listenPort": 51999,
	      "mtu": 1380,
	      "fwmark": 4660,
	      "peers": [
	        {
	          "publicKey": "$(key own.pub1)",
	          "presharedKeyFile": "$WGT_DIR/keys/own/peer0.psk",
	          "endpoint": "[2001:db8::1]:51820",
	          "allowedIPs": [
	            "10.99.0.0/24"
	          ],
	          "persistentKeepalive": 25
	        },
	        {
	          "publicKey": "$(key own.pub2)",
	          "presharedKeyFile": "$WGT_DIR/keys/own/peer1.psk",
	          "endpoint": "198.51.100.9:4500",
	          "allowedIPs": [
	            "192.168.77.0/24"
	          ]
	        }
	      ]
	    }
	  ]
	}
	EOF
}

# The chained form: the LAN leg first, then the same wireguard object with tunnelInterface.
expect_chained_head() {
	cat <<-EOF
	{
	  "cniVersion": "1.0.0",
	  "name": "provc",
	  "plugins": [
	    {
	      "type": "bridge",
	      "bridge": "wgbr-provc",
	      "isGateway": true,
	      "hairpinMode": true,
	      "ipam": {
	        "type": "host-local",
	        "ranges": [
	          [
	            {
	              "subnet": "10.89.250.0/24"
	            }
	          ]
	        ]
	      }
	    },
	    {
	      "type": "portmap",
	      "capabilities": {
	        "portMappings": true
	      }
	    },
	    {
	      "type": "wireguard",
	      "privateKeyFile": "$WGT_DIR/keys/provc/private.key",
	EOF
}

do_import() { # SAMPLE NAME [ARGS...]
	local sample=$1 name=$2
	shift 2
	(umask 077 && "sample_$sample" >"$WGT_DIR/$sample.conf")
	"$WGCNI" import "$WGT_DIR/$sample.conf" --name "$name" --dir "$WGT_DIR/net" \
		--key-dir "$WGT_DIR/keys" "$@" 2>"$WGT_DIR/import.err"
}

no_secret_in() { # NAME FILE KEYFILE...
	local name=$1 file=$2 k leaks=0
	shift 2
	for k in "$@"; do
		grep -qF "$(key "$k")" "$file" && leaks=$((leaks + 1))
	done
	assert_eq "$name" 0 "$leaks"
}

case_import() {
	mkdir -p "$WGT_DIR/net"
	do_import provider prov
	assert_rc "import of a provider file" 0 $?
	assert_eq "provider: the exact conflist" "$(expect_provider)" "$(cat "$WGT_DIR/net/prov.conflist")"
	assert_eq "provider: private key file mode" 600 "$(stat -c %a "$WGT_DIR/keys/prov/private.key")"
	assert_eq "provider: private key file holds the key" "$(key prov.priv)" "$(cat "$WGT_DIR/keys/prov/private.key")"
	assert_eq "provider: key directory mode" 700 "$(stat -c %a "$WGT_DIR/keys/prov")"
	no_secret_in "provider: no key text in the conflist" "$WGT_DIR/net/prov.conflist" prov.priv
	# Positive control for the check above: the key file does contain it.
	grep -qF "$(key prov.priv)" "$WGT_DIR/keys/prov/private.key"
	assert_rc "control: the key text is found where it is" 0 $?
	assert_match "provider: the plugin's parser takes the conflist" "has no peerPool" \
		"$("$WGCNI" peer list prov --dir "$WGT_DIR/net" 2>&1)"

	do_import hostname host
	assert_rc "import of a file with a host name endpoint" 0 $?
	if [[ "$(tr -d '\n' <"$WGT_DIR/net/host.conflist")" == *"$(expect_hostname_peer | tr -d '\n')"* ]]; then
		wgt_pass "hostname: DNS search and host name endpoint"
	else
		wgt_fail "hostname: DNS search and host name endpoint" "$(expect_hostname_peer)" \
			"$(cat "$WGT_DIR/net/host.conflist")"
	fi

	do_import own own
	assert_rc "import of a self-hosted server's file" 0 $?
	assert_eq "own: the exact conflist" "$(expect_own)" "$(cat "$WGT_DIR/net/own.conflist")"
	assert_eq "own: psk files mode" "600 600" \
		"$(stat -c %a "$WGT_DIR/keys/own/peer0.psk" "$WGT_DIR/keys/own/peer1.psk" | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "own: psk files hold the keys" "$(key own.psk1) $(key own.psk2)" \
		"$(cat "$WGT_DIR/keys/own/peer0.psk") $(cat "$WGT_DIR/keys/own/peer1.psk")"
	no_secret_in "own: no private or preshared key in the conflist" "$WGT_DIR/net/own.conflist" \
		own.priv own.psk1 own.psk2
	assert_match "own: the plugin's parser takes the conflist" "has no peerPool" \
		"$("$WGCNI" peer list own --dir "$WGT_DIR/net" 2>&1)"

	do_import provider provc --chained
	assert_rc "chained import" 0 $?
	assert_eq "chained: bridge, portmap, then wireguard" "$(expect_chained_head)" \
		"$(head -n "$(expect_chained_head | wc -l)" "$WGT_DIR/net/provc.conflist")"
	assert_match "chained: tunnelInterface wg0" '"tunnelInterface": "wg0"' \
		"$(cat "$WGT_DIR/net/provc.conflist")"
	assert_match "chained: the plugin's parser takes the conflist" "has no peerPool" \
		"$("$WGCNI" peer list provc --dir "$WGT_DIR/net" 2>&1)"
	assert_eq "conflists are 0644 (no secrets in them)" 644 "$(stat -c %a "$WGT_DIR/net/own.conflist")"
	assert_eq "no temporary files left" "host.conflist own.conflist prov.conflist provc.conflist" \
		"$(cd "$WGT_DIR/net" && echo *)"
}

case_import_refusals() {
	local out
	do_import provider prov
	assert_rc "an existing conflist is not replaced" 2 $?
	assert_match "... and the message names it" "prov.conflist exists" "$(cat "$WGT_DIR/import.err")"
	do_import provider prov --force
	assert_rc "--force replaces it" 0 $?

	(umask 077 && sample_provider | sed '1a PostUp = iptables -F' >"$WGT_DIR/hook.conf")
	out=$("$WGCNI" import "$WGT_DIR/hook.conf" --name hook --dir "$WGT_DIR/net" \
		--key-dir "$WGT_DIR/keys" 2>&1)
	assert_rc "a PostUp hook is refused" 2 $?
	assert_match "... naming file and line" "hook.conf:2:" "$out"
	assert_eq "... and nothing is written" "" "$(ls "$WGT_DIR/net/hook.conflist" "$WGT_DIR/keys/hook" 2>/dev/null)"

	out=$("$WGCNI" import "$WGT_DIR/missing.conf" --name x --dir "$WGT_DIR/net" 2>&1)
	assert_rc "a missing file: not found" 3 $?
	assert_match "... named" "missing.conf" "$out"
	"$WGCNI" import "$WGT_DIR/hook.conf" >/dev/null 2>&1
	assert_rc "--name is required" 1 $?
	"$WGCNI" import "$WGT_DIR/hook.conf" --name ../etc >/dev/null 2>&1
	assert_rc "a network name with a slash is refused" 1 $?
}
