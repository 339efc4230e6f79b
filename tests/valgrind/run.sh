#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ADD, CHECK, DEL (and a failing ADD) of the real plugin under valgrind, in the
# netns suite's topology: no leak, no invalid access, no uninitialised read.
#
# Usage (root): bash tests/valgrind/run.sh [PLUGIN]
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
real=$(readlink -f "${1:-${WGCNI_PLUGIN:-build/wireguard}}")

cannot_run() {
	echo "!!! valgrind suite CANNOT RUN: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}
[ "$(id -u)" = 0 ] || cannot_run "needs root"
[ -x "$real" ] || cannot_run "no plugin at $real"
command -v valgrind >/dev/null || cannot_run "valgrind is not installed"

# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
cleanup() {
	local rc=$?
	trap - EXIT
	wgt_topology_down
	[ -n "$WGT_DIR" ] && rm -rf "$WGT_DIR"
	exit "$rc"
}
trap cleanup EXIT

wgt_topology_up || cannot_run "building the topology"
wgt_genkey key1
wgt_server_peer "$WGT_DIR/key1.pub" 10.64.0.2/32,fc00:bbbb::2/128 || cannot_run "server peer"

# The wrapper the suite runs as the plugin; wireguard-go, spawned by it, is not traced.
WGT_PLUGIN=$WGT_DIR/vg-plugin
cat >"$WGT_PLUGIN" <<WRAP
#!/bin/sh
exec valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=42 \
	--track-fds=no --log-file=$WGT_DIR/vg.%p.log $real "\$@"
WRAP
chmod +x "$WGT_PLUGIN"
WGT_CNI_TIMEOUT=60

vg_clean() { # NAME: valgrind logs must be empty (-q prints only problems)
	local logs
	# Valgrind 3.19 knows neither NS_GET_NSTYPE (ioctl 0xb703, no argument) nor
	# pidfd_open (434, answered ENOSYS: the plugin falls back): notices, not errors.
	logs=$(cat "$WGT_DIR"/vg.*.log 2>/dev/null | grep -v -e 'unhandled ioctl 0xb703' \
		-e 'could cause spurious value errors' -e 'README_MISSING_SYSCALL_OR_IOCTL' \
		-e 'unhandled amd64-linux syscall: 434' -e 'You may be able to write your own handler' \
		-e 'Nevertheless we consider this a bug' -e 'valgrind.org/support/bug_reports')
	if [ -z "$logs" ]; then
		wgt_pass "$1: valgrind reports nothing"
	else
		wgt_fail "$1: valgrind reports nothing" "(empty)" "$logs"
	fi
	rm -f "$WGT_DIR"/vg.*.log
}

wgt_conf >"$WGT_DIR/conf.json"
wgt_cni ADD vg1 "/run/netns/$WGT_NS_CTR" eth0 "$WGT_DIR/conf.json"
assert_eq "ADD exit" 0 "$CNI_RC"
cp "$CNI_OUT" "$WGT_DIR/add.json"
vg_clean ADD
wgt_with_prev "$WGT_DIR/conf.json" "$WGT_DIR/add.json" >"$WGT_DIR/check.json"
wgt_cni CHECK vg1 "/run/netns/$WGT_NS_CTR" eth0 "$WGT_DIR/check.json"
assert_eq "CHECK exit" 0 "$CNI_RC"
vg_clean CHECK
wgt_cni DEL vg1 "/run/netns/$WGT_NS_CTR" eth0 "$WGT_DIR/check.json"
assert_eq "DEL exit" 0 "$CNI_RC"
vg_clean DEL

# A failure after the first change: the rollback path under valgrind too.
wgt_conf userspaceImplementation='"/bin/false"' >"$WGT_DIR/bad.json"
wgt_cni ADD vg2 "/run/netns/$WGT_NS_CTR" eth0 "$WGT_DIR/bad.json"
assert_eq "failing ADD exit" 1 "$CNI_RC"
vg_clean "failing ADD"
wgt_cni DEL vg2 "" eth0 "$WGT_DIR/bad.json"
vg_clean "DEL without netns"

wgt_summary
