# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared helpers for the shell suites: assertions, running the plugin as a
# runtime would, a namespace topology with a WireGuard server peer, residue
# checks and cleanup. Source it; it starts nothing by itself. Works with
# bash + iproute2 + wg + nft + busybox (the VM has no jq/tcpdump/python).
#
#   wgt-ID-host (the plugin runs here)       wgt-ID-srv
#   +-------------------------------+        +-----------------------------------+
#   | wgthID 192.0.2.1/24           | veth   | wgtsID 192.0.2.2/24  fd00:2::2/64  |
#   |        fd00:2::1/64  ---------+--------+ wgsID  10.64.0.1/24 fc00:bbbb::1/64|
#   | plugin's wireguard-go / UDP   |        |   UDP 51820, TCP sink :8000       |
#   +---------------+---------------+        +-----------------------------------+
#                   | (the tunnel device is created/moved into the container)
#   wgt-ID-ctr, wgt-ID-ctr2: empty namespaces (lo up); the plugin ADDs eth0 there.
#
# Everything is named after WGT_ID (default: the PID of the sourcing shell).
# Functions and variables start with wgt_/WGT_; WGT_NS_*, WGT_SERVER_* are this file's.

WGT_ID=${WGT_ID:-$$}
WGT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WGT_NS_HOST=wgt-$WGT_ID-host
WGT_NS_SRV=wgt-$WGT_ID-srv
WGT_NS_CTR=wgt-$WGT_ID-ctr
WGT_NS_CTR2=wgt-$WGT_ID-ctr2
WGT_VETH_HOST=wgth$WGT_ID
WGT_VETH_SRV=wgts$WGT_ID
WGT_SERVER_IF=wgs$WGT_ID
WGT_SERVER_PORT=51820
WGT_SERVER_V4=10.64.0.1
WGT_SERVER_V6=fc00:bbbb::1
WGT_SINK_PORT=8000
WGT_NET=wgt$WGT_ID
WGT_BACKEND=${WGCNI_BACKEND:-userspace}
WGT_PLUGIN=${WGCNI_PLUGIN:-${WGCNI_BUILD:-build}/wireguard}
WGT_BUSYBOX=${WGT_BUSYBOX:-busybox}
WGT_STATE=/run/wgcni
WGT_WG_RUN=/var/run/wireguard
WGT_DIR=${WGT_DIR:-}
WGT_PASSED=0
WGT_FAILED=0
WGT_SERVER_PID=
WGT_SINK_PID=
WGT_CNI_N=0
WGT_VERBOSE=${WGT_VERBOSE:-0}
WGT_CNI_TIMEOUT=${WGT_CNI_TIMEOUT:-10}

# ---------------------------------------------------------------- assertions

wgt_pass() {
	WGT_PASSED=$((WGT_PASSED + 1))
	printf 'PASS %s\n' "$1"
}

# wgt_fail NAME EXPECTED ACTUAL; assertions return 1 when they fail.
wgt_fail() {
	WGT_FAILED=$((WGT_FAILED + 1))
	printf 'FAIL %s\n     expected: %s\n     actual:   %s\n' "$1" "$2" "$3"
	return 1
}

# assert_eq NAME EXPECTED ACTUAL (exact string comparison, multi-line allowed)
assert_eq() {
	if [ "$2" = "$3" ]; then wgt_pass "$1"; else wgt_fail "$1" "$(printf '%q' "$2")" "$(printf '%q' "$3")"; fi
}

# assert_match NAME EXTENDED-REGEX TEXT (case-insensitive)
assert_match() {
	if printf '%s\n' "$3" | grep -Eqi -- "$2"; then wgt_pass "$1"
	else wgt_fail "$1" "text matching /$2/" "$(printf '%q' "$3")"; fi
}

assert_no_match() {
	if printf '%s\n' "$3" | grep -Eqi -- "$2"; then wgt_fail "$1" "no text matching /$2/" "$(printf '%q' "$3")"
	else wgt_pass "$1"; fi
}

# assert_rc NAME EXPECTED-RC ACTUAL-RC ; "nonzero" accepts any failure
assert_rc() {
	if [ "$2" = nonzero ]; then
		if [ "$3" != 0 ]; then wgt_pass "$1"; else wgt_fail "$1" "non-zero exit" "exit 0"; fi
	else
		assert_eq "$1" "exit $2" "exit $3"
	fi
}

# wgt_require NAME WHAT CMD...: when CMD fails, one FAIL for NAME and return 1, so a
# case whose set-up failed reports that once instead of a cascade of failures.
wgt_require() {
	local name=$1 what=$2
	shift 2
	"$@" && return 0
	wgt_fail "$name: precondition (rest of the case skipped)" "$what" "not met"
	return 1
}

wgt_summary() {
	printf '%d passed, %d failed\n' "$WGT_PASSED" "$WGT_FAILED"
	[ "$WGT_FAILED" = 0 ]
}

# ---------------------------------------------------------------- JSON (no jq)

# wgt_json_flat FILE: "path<TAB>value" lines; exit 2 if FILE is not one JSON document.
wgt_json_flat() {
	awk -f "$WGT_LIB/json.awk" <"$1" 2>/dev/null
}

# wgt_json_get FILE PATH: the JSON literal at PATH (strings keep their quotes), "" if absent.
wgt_json_get() {
	wgt_json_flat "$1" | awk -F '\t' -v p="$2" '$1 == p { print $2; exit }'
}

# wgt_json_str FILE PATH: a string value without quotes.
wgt_json_str() {
	local v
	v=$(wgt_json_get "$1" "$2")
	v=${v#\"}
	printf '%s' "${v%\"}"
}

# ---------------------------------------------------------------- processes

# True when PID no longer runs: no /proc entry, or a zombie (PID 1 may never reap it).
wgt_pid_gone() {
	local state
	state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ]
}

# Stop a process we started: SIGTERM, up to 3 s, then SIGKILL; reap it if it is our child.
wgt_stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 30); do
		wgt_pid_gone "$pid" && break
		sleep 0.1
	done
	wgt_pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

wgt_ns_inode() {
	stat -L -c %i "/run/netns/$1" 2>/dev/null
}

# Live wireguard-go processes whose network namespace is NS (others' tests are not ours).
wgt_wggo_pids() {
	local ino pid comm
	ino=$(wgt_ns_inode "$1") || return 0
	for pid in /proc/[0-9]*; do
		pid=${pid#/proc/}
		read -r comm 2>/dev/null <"/proc/$pid/comm" || continue
		[ "$comm" = wireguard-go ] || continue
		[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "net:[$ino]" ] || continue
		wgt_pid_gone "$pid" || echo "$pid"
	done
}

# ---------------------------------------------------------------- keys and files

wgt_workdir() {
	[ -n "$WGT_DIR" ] || WGT_DIR=$(mktemp -d /tmp/wgt-"$WGT_ID".XXXXXX)
	mkdir -p "$WGT_DIR/out"
}

# wgt_genkey NAME: DIR/NAME (0600), DIR/NAME.pub, DIR/NAME.hex (public key in hex).
wgt_genkey() {
	(umask 077 && wg genkey >"$WGT_DIR/$1")
	wg pubkey <"$WGT_DIR/$1" >"$WGT_DIR/$1.pub"
	base64 -d <"$WGT_DIR/$1.pub" | od -An -v -tx1 | tr -d ' \n' >"$WGT_DIR/$1.hex"
}

wgt_state_file() { # NETWORK CONTAINERID IFNAME
	printf '%s/attachments/%s/%s.%s' "$WGT_STATE" "$1" "$2" "$3"
}

# wgt_state_get FILE KEY: a value of a key=value record ("" if none).
wgt_state_get() {
	sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1
}

# shellcheck source=tests/lib/cni.sh
. "$WGT_LIB/cni.sh"
# shellcheck source=tests/lib/topology.sh
. "$WGT_LIB/topology.sh"
