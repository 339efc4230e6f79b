# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# A WireGuard server and a "LAN" the tunnel must not reach, for the podman suite and the demo.
# Source this file; it defines functions and starts nothing by itself.
#
#   host namespace                                  wgt-PID-srv
#   +----------------------------------------+     +-------------------------------+
#   | wireguard-go wgsPID  (UDP 127.0.0.1:P) |     | wgsPID 10.64.0.1/24           |
#   |   its TUN was moved into wgt-PID-srv --+---->|        fc00:bbbb::1/64        |
#   | plugin's wireguard-go wgc<hex> --------+--.  | busybox httpd :80 (v4 and v6)|
#   |   its TUN is the container's eth0      |  |  +-------------------------------+
#   |                                        |  |  container (podman --network NET)
#   | wgtPIDh 198.18.0.1/24, 2001:db8:18::1  |  '->| eth0 10.64.0.2/32 fc00:bbbb::2  |
#   +---------|------------------------------+     +-------------------------------+
#             | veth                                wgt-PID-lan
#             '-------------------------------->  wgtPIDl 198.18.0.2/24, 2001:db8:18::2/64
#                                                 busybox httpd :8080, nft counters
#
# Both wireguard-go processes live in the host namespace, so the container's endpoint is
# 127.0.0.1:P; no host veth is needed for the tunnel. The LAN is reachable from the host
# and from a plain bridge network, never from the tunnel.
#
# Functions set and use WGT_* variables. WGT_ID names everything (default: the PID of the
# shell that sourced this file). Only documentation/benchmark ranges are used on the LAN.

WGT_ID=${WGT_ID:-$$}
WGT_SRV_NS=wgt-$WGT_ID-srv
WGT_SRV_IF=wgs$WGT_ID
WGT_LAN_NS=wgt-$WGT_ID-lan
WGT_LAN_HOST_IF=wgt${WGT_ID}h
WGT_LAN_IF=wgt${WGT_ID}l
WGT_LAN_V4=198.18.0.2
WGT_LAN_V6=2001:db8:18::2
WGT_LAN_PORT=8080
WGT_SRV_V4=10.64.0.1
WGT_SRV_V6=fc00:bbbb::1
WGT_CLIENT_V4=10.64.0.2
WGT_CLIENT_V6=fc00:bbbb::2
WGT_SRV_PID=
WGT_HTTPD_PID=
WGT_LAN_HTTPD_PID=
WGT_DIR=

# True when PID no longer runs: no /proc entry, or a zombie (PID 1 may never reap it).
wgt_pid_gone() {
	local state
	state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ]
}

# Stop a process we started: SIGTERM, up to 3 s, then SIGKILL; reap it if it is our child.
wgt_stop_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 30); do
		wgt_pid_gone "$pid" && break
		sleep 0.1
	done
	wgt_pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

wgt_workdir() {
	[ -n "$WGT_DIR" ] || WGT_DIR=$(mktemp -d /tmp/wgt-"$WGT_ID".XXXXXX)
}

# A fresh key pair in DIR/NAME (mode 0600) and DIR/NAME.pub.
wgt_keypair() {
	local dir=$1 name=$2
	(umask 077 && wg genkey >"$dir/$name")
	wg pubkey <"$dir/$name" >"$dir/$name.pub"
}

# wgt_server_start CLIENT_PUBLIC_KEY
# Sets WGT_SRV_PORT (UDP on the host), WGT_SRV_PUBKEY and WGT_TOKEN (the page body).
wgt_server_start() {
	local client_pub=$1
	wgt_workdir
	wgt_keypair "$WGT_DIR" server
	WGT_SRV_PUBKEY=$(cat "$WGT_DIR/server.pub")
	WGT_TOKEN=wgcni-token-$WGT_ID-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

	ip netns add "$WGT_SRV_NS" || return 1
	ip -n "$WGT_SRV_NS" link set lo up
	# Foreground mode: the only value that does not make wireguard-go re-exec itself.
	WG_PROCESS_FOREGROUND=1 wireguard-go "$WGT_SRV_IF" </dev/null >"$WGT_DIR/wg-server.log" 2>&1 &
	WGT_SRV_PID=$!
	for _ in $(seq 50); do
		[ -S "/var/run/wireguard/$WGT_SRV_IF.sock" ] && break
		sleep 0.1
	done
	[ -S "/var/run/wireguard/$WGT_SRV_IF.sock" ] || { echo "wireguard-go $WGT_SRV_IF did not start" >&2; return 1; }
	# Listen port 0: wireguard-go binds a free one when the device comes up; read it back then.
	wg set "$WGT_SRV_IF" private-key "$WGT_DIR/server" listen-port 0 \
		peer "$client_pub" allowed-ips "$WGT_CLIENT_V4/32,$WGT_CLIENT_V6/128" || return 1
	ip link set "$WGT_SRV_IF" netns "$WGT_SRV_NS" || return 1
	ip -n "$WGT_SRV_NS" addr add "$WGT_SRV_V4/24" dev "$WGT_SRV_IF"
	ip -n "$WGT_SRV_NS" addr add "$WGT_SRV_V6/64" dev "$WGT_SRV_IF" nodad
	ip -n "$WGT_SRV_NS" link set "$WGT_SRV_IF" up
	# wireguard-go notices "up" across namespaces by polling its TUN (about once a second).
	WGT_SRV_PORT=0
	for _ in $(seq 50); do
		WGT_SRV_PORT=$(wg show "$WGT_SRV_IF" listen-port 2>/dev/null || echo 0)
		[ "${WGT_SRV_PORT:-0}" != 0 ] && break
		sleep 0.1
	done
	[ "${WGT_SRV_PORT:-0}" != 0 ] || { echo "wireguard-go $WGT_SRV_IF never bound a port" >&2; return 1; }

	mkdir -p "$WGT_DIR/www"
	echo "$WGT_TOKEN" >"$WGT_DIR/www/index.html"
	ip netns exec "$WGT_SRV_NS" busybox httpd -f -p 80 -h "$WGT_DIR/www" \
		</dev/null >"$WGT_DIR/httpd-srv.log" 2>&1 &
	WGT_HTTPD_PID=$!
	wgt_wait_listen "$WGT_SRV_NS" ":80" || { echo "httpd in $WGT_SRV_NS did not start" >&2; return 1; }
}

wgt_server_stop() {
	wgt_stop_pid "$WGT_HTTPD_PID"
	WGT_HTTPD_PID=
	# Closing wireguard-go's TUN deletes the interface wherever it is.
	wgt_stop_pid "$WGT_SRV_PID"
	WGT_SRV_PID=
	rm -f "/var/run/wireguard/$WGT_SRV_IF.sock"
	ip netns del "$WGT_SRV_NS" 2>/dev/null
	return 0
}

# wgt_wait_listen NS :PORT -- until a TCP listener on that port exists in NS (up to 5 s).
wgt_wait_listen() {
	local ns=$1 port=$2
	for _ in $(seq 50); do
		ip netns exec "$ns" ss -Htln 2>/dev/null | awk '{print $4}' | grep -q "$port\$" && return 0
		sleep 0.1
	done
	return 1
}

# The LAN: a namespace on a veth from the host, a web server on :8080, and nft counters of
# every packet addressed to it (prerouting, before anything could drop it).
wgt_lan_start() {
	wgt_workdir
	ip netns add "$WGT_LAN_NS" || return 1
	ip -n "$WGT_LAN_NS" link set lo up
	ip link add "$WGT_LAN_HOST_IF" type veth peer name "$WGT_LAN_IF" netns "$WGT_LAN_NS" || return 1
	ip addr add 198.18.0.1/24 dev "$WGT_LAN_HOST_IF"
	ip addr add 2001:db8:18::1/64 dev "$WGT_LAN_HOST_IF" nodad
	ip link set "$WGT_LAN_HOST_IF" up
	ip -n "$WGT_LAN_NS" addr add "$WGT_LAN_V4/24" dev "$WGT_LAN_IF"
	ip -n "$WGT_LAN_NS" addr add "$WGT_LAN_V6/64" dev "$WGT_LAN_IF" nodad
	ip -n "$WGT_LAN_NS" link set "$WGT_LAN_IF" up
	ip -n "$WGT_LAN_NS" route add default via 198.18.0.1
	ip netns exec "$WGT_LAN_NS" nft -f - <<-EOF || return 1
	table inet wgtlan {
		chain pre {
			type filter hook prerouting priority -300;
			ip daddr $WGT_LAN_V4 counter
			ip6 daddr $WGT_LAN_V6 counter
		}
	}
	EOF
	mkdir -p "$WGT_DIR/lan"
	echo "lan-$WGT_ID" >"$WGT_DIR/lan/index.html"
	ip netns exec "$WGT_LAN_NS" busybox httpd -f -p "$WGT_LAN_PORT" -h "$WGT_DIR/lan" \
		</dev/null >"$WGT_DIR/httpd-lan.log" 2>&1 &
	WGT_LAN_HTTPD_PID=$!
	wgt_wait_listen "$WGT_LAN_NS" ":$WGT_LAN_PORT" || { echo "httpd in $WGT_LAN_NS did not start" >&2; return 1; }
}

# Packets that reached the LAN so far: "IPv4 IPv6".
wgt_lan_packets() {
	ip netns exec "$WGT_LAN_NS" nft list chain inet wgtlan pre |
		awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") n[$1] = $(i + 1) }
		     END { printf "%d %d\n", n["ip"], n["ip6"] }'
}

wgt_lan_stop() {
	wgt_stop_pid "$WGT_LAN_HTTPD_PID"
	WGT_LAN_HTTPD_PID=
	ip link del "$WGT_LAN_HOST_IF" 2>/dev/null
	ip netns del "$WGT_LAN_NS" 2>/dev/null
	return 0
}

# wgt_conflist NETWORK PRIVATE_KEY_FILE: the network for the plugin, on stdout.
wgt_conflist() {
	cat <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$1",
  "plugins": [
    {
      "type": "wireguard",
      "backend": "userspace",
      "privateKeyFile": "$2",
      "address": ["$WGT_CLIENT_V4/32", "$WGT_CLIENT_V6/128"],
      "dns": {"nameservers": ["$WGT_SRV_V4"]},
      "peers": [
        {
          "publicKey": "$WGT_SRV_PUBKEY",
          "endpoint": "127.0.0.1:$WGT_SRV_PORT",
          "allowedIPs": ["0.0.0.0/0", "::/0"],
          "persistentKeepalive": 25
        }
      ]
    }
  ]
}
EOF
}

# Everything this file started; safe to call more than once and after a partial start.
wgt_topology_stop() {
	wgt_server_stop
	wgt_lan_stop
	[ -n "$WGT_DIR" ] && rm -rf "$WGT_DIR"
	WGT_DIR=
	return 0
}
