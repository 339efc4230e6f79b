#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/busybox-root.sh DIR: a minimal container root file system in DIR, made of the
# host's busybox-static (every applet linked), root in /etc/passwd and /etc/group. Used for
# the podman image (scripts/podman-setup.sh) and the runtimes suite's containers.
set -euo pipefail
root=${1:?usage: busybox-root.sh DIR}
file /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
	ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
	{ echo "busybox-root: /bin/busybox is not static: install busybox-static" >&2; exit 1; }
mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,run,root}
cp /bin/busybox "$root/bin/"
for applet in $("$root/bin/busybox" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
