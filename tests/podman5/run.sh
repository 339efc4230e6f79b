#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Suite "podman5": podman 5.4 / netavark 1.14 (Debian 13) runs containers on a network
# served by the wgcni netavark plugin. The host stays untouched:
#
#   host (Debian 12)
#   '- unshare --mount --net --pid --uts --ipc   private namespaces: podman's bridge, veths,
#      |                                         nft tables and processes end with the suite
#      '- chroot /var/cache/wgcni/trixie-root    Debian 13: podman 5, netavark, wireguard-go;
#           /src = this source tree (read-only)  wgcni is built here with trixie's libraries
#           suite.sh: WireGuard server, LAN, checks (topology: tests/podman/server.sh)
#
#   meson test -C build --suite podman5        or   bash tests/podman5/run.sh
#
# The root is built once (scripts/podman5-root.sh, about 3 min) and cached; WGCNI_TRIXIE_ROOT
# names another place; WGCNI_PODMAN5_SCRIPT=FILE runs tests/podman5/FILE there instead of
# suite.sh (to explore by hand; bench/podman5.sh runs ../../bench/podman5-inside.sh so).
# Every check prints PASS or FAIL; the last line is "N passed, M failed".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=${WGCNI_SOURCE:-$(cd "$here/../.." && pwd)}

fatal() {
	printf '\nFATAL: %s\n' "$*" >&2
	echo "0 passed, 1 failed (suite podman5 could not run)"
	exit 1
}

# Inside the private namespaces: give the root what podman needs, build, run the checks.
inside() {
	local root=$1 rc
	set -e
	mount --bind "$root" "$root" # containers/storage remounts / and needs a mount point
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount --rbind /sys/fs/cgroup "$root/sys/fs/cgroup"
	# crun refuses hybrid cgroups; the host keeps its own, this is a private mount namespace.
	if mountpoint -q "$root/sys/fs/cgroup/unified"; then umount -l "$root/sys/fs/cgroup/unified"; fi
	mount --rbind /dev "$root/dev"
	mount -t tmpfs tmpfs "$root/run"
	mount -t tmpfs tmpfs "$root/tmp"
	# The root's /etc/containers is shared by runs (the suite, the benchmark): each run
	# writes its own containers.conf into a private copy.
	cp -a "$root/etc/containers" "$root/run/etc-containers"
	mount --bind "$root/run/etc-containers" "$root/etc/containers"
	# Containers, images and networks of a run stay in the run.
	mkdir -p "$root/var/lib/containers" "$root/etc/containers/networks" "$root/src"
	mount -t tmpfs tmpfs "$root/var/lib/containers"
	mount -t tmpfs tmpfs "$root/etc/containers/networks"
	mount --bind "$source_dir" "$root/src"
	mount -o remount,bind,ro "$root/src"
	ip link set lo up
	set +e
	chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
		WGCNI_SOURCE_ID="$(printf %s "$source_dir" | sha256sum | cut -c1-12)" \
		${BENCH_PODMAN_N:+BENCH_PODMAN_N=$BENCH_PODMAN_N} \
		bash "/src/tests/podman5/${WGCNI_PODMAN5_SCRIPT:-suite.sh}"
	rc=$?
	return "$rc"
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
	exit $?
fi

[ "$(id -u)" = 0 ] || fatal "needs root (namespaces, chroot)"
command -v unshare >/dev/null || fatal "unshare (util-linux) is missing"
root=$(timeout 900 bash "$source_dir/scripts/podman5-root.sh" 2>"${TMPDIR:-/tmp}/podman5-root.$$.log" | tail -n 1)
if [ -z "$root" ] || [ ! -x "$root/usr/bin/podman" ]; then
	fatal "cannot build the Debian 13 root: $(tail -5 "${TMPDIR:-/tmp}/podman5-root.$$.log")"
fi
rm -f "${TMPDIR:-/tmp}/podman5-root.$$.log"

# podman with cgroupfs leaves empty libpod_parent (and conmon) directories in the host's
# hierarchies: remove those that appear during the run, deepest first (rmdir refuses busy ones).
podman_cgroups() {
	find /sys/fs/cgroup -maxdepth 5 -type d -path '*/libpod_parent*' 2>/dev/null | sort -r
}
cgroups_before=$(podman_cgroups)
WGCNI_SOURCE=$source_dir unshare --mount --net --pid --uts --ipc --fork --propagation private \
	bash "$here/run.sh" --inside "$root"
rc=$?
for dir in $(podman_cgroups); do
	grep -qxF "$dir" <<<"$cgroups_before" || rmdir "$dir" 2>/dev/null
done
exit "$rc"
