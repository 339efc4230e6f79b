#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the test guest (tests/vm/run.sh boots it): the kernel facts the plugin relies
# on, checked against the real WireGuard module before the netns suite uses them.
#
#   host namespace                        ctr namespace (wgt-PID-ctr)
#   UDP :51820  <--- socket of ---------  wgt0  created from the host straight into ctr
#   UDP :51822  <--- socket of ---------  wgt2  created in the host, then moved into ctr
#                                         wgt1  created inside ctr: control, socket :51821 in ctr
#                                         nft table inet wgt-smoke (policy drop)
set -uo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

ns=wgt-$$-ctr
tmp=$(mktemp -d)
passed=0
failed=0

cleanup() {
	ip netns del "$ns" 2>/dev/null
	ip link del wgt-probe 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

result() {
	local name=$1
	shift
	if "$@"; then
		echo "PASS: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name"
		failed=$((failed + 1))
	fi
}

# Whether a UDP socket is bound to local port $1 (hex, as /proc/net/udp writes it) in the
# namespace the rest of the arguments run cat in. awk reads to the end: an early exit
# (grep -q) would SIGPIPE the writer and fail the pipeline under pipefail.
udp_port_bound() {
	local port=$1
	shift
	"$@" cat /proc/net/udp /proc/net/udp6 |
		awk -v port="$port" '$2 ~ (":" port "$") { found = 1 } END { exit !found }'
}
host_has_port() { udp_port_bound "$1"; }
ctr_has_port() { udp_port_bound "$1" ip netns exec "$ns"; }
# "Not there" means something only while device $2 is up in ctr (it has a socket somewhere).
link_up_in_ctr() {
	local flags
	flags=$(ip -n "$ns" -o link show "$1" 2>/dev/null) && [[ "$flags" == *"<"*UP*">"* ]]
}
host_lacks_port() { link_up_in_ctr "$2" && ! host_has_port "$1"; }
ctr_lacks_port() { link_up_in_ctr "$2" && ! ctr_has_port "$1"; }

real_iproute2() {
	local version
	version=$(ip -V) && [[ "$(readlink -f "$(type -P ip)")" != */busybox && "$version" == *iproute2* ]]
}

all_modules_loaded() {
	local module missing=0
	[[ -s /etc/wgcni-vm/modules.order ]] || { echo "  no /etc/wgcni-vm/modules.order"; return 1; }
	while read -r module; do
		if ! grep -q "^${module//-/_} " /proc/modules; then
			echo "  module $module is not loaded"
			missing=1
		fi
	done < /etc/wgcni-vm/modules.order
	return "$missing"
}

wireguard_link_type() {
	local details
	ip link add wgt-probe type wireguard && details=$(ip -d link show wgt-probe) &&
		ip link del wgt-probe && [[ "$details" == *wireguard* ]]
}

created_inside_ctr() {
	ip link add wgt0 netns "$ns" type wireguard || return 1
	ip -n "$ns" link show wgt0 >/dev/null && ! ip link show wgt0 >/dev/null 2>&1
}

# wg reads the key from a file it is given: never in argv or the environment.
configure() {
	local dev=$1 port=$2
	ip netns exec "$ns" wg set "$dev" listen-port "$port" private-key "$tmp/key" &&
		ip -n "$ns" link set "$dev" up &&
		[[ "$(ip netns exec "$ns" wg show "$dev" listen-port)" == "$port" ]]
}

nft_in_ctr() {
	ip netns exec "$ns" nft -f - <<-'RULES' || return 1
		table inet wgt-smoke {
			chain output {
				type filter hook output priority 0; policy drop;
				oifname "lo" accept
				ct state established,related accept
				meta l4proto udp reject
			}
		}
	RULES
	local listing
	listing=$(ip netns exec "$ns" nft list table inet wgt-smoke) && [[ "$listing" == *"policy drop"* ]]
}

ip netns add "$ns" || { echo "FAIL: ip netns add $ns"; echo "0 passed, 1 failed"; exit 1; }
(umask 077 && wg genkey > "$tmp/key")

result "ip is iproute2, not the busybox applet" real_iproute2
result "every module in /etc/wgcni-vm/modules.order is loaded" all_modules_loaded
result "ip link add type wireguard works (kernel WireGuard present)" wireguard_link_type
result "ip link add wgt0 netns ctr type wireguard, run in the host, puts wgt0 in ctr only" \
	created_inside_ctr
result "wg set wgt0 listen-port 51820 + link up in ctr" configure wgt0 51820
result "wgt0's UDP socket :51820 (0xCA6C) is in the host namespace" host_has_port CA6C
result "wgt0's UDP socket :51820 is not in ctr" ctr_lacks_port CA6C wgt0

# Control: a device created from inside ctr has its socket there, which shows the two
# checks above read each namespace's own table.
ip netns exec "$ns" ip link add wgt1 type wireguard
result "control: wgt1 created inside ctr, listen-port 51821 + up" configure wgt1 51821
result "control: wgt1's socket :51821 (0xCA6D) is in ctr" ctr_has_port CA6D
result "control: wgt1's socket :51821 is not in the host" host_lacks_port CA6D wgt1

ip link add wgt2 type wireguard && ip link set wgt2 netns "$ns"
result "wgt2 created in the host, moved to ctr, listen-port 51822 + up" configure wgt2 51822
result "wgt2's socket :51822 (0xCA6E) stays in the host namespace" host_has_port CA6E
result "wgt2's socket :51822 is not in ctr" ctr_lacks_port CA6E wgt2

result "nft: inet table with a policy-drop output chain loads in ctr" nft_in_ctr

echo "$passed passed, $failed failed"
((failed == 0))
