#!/usr/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the test guest (busybox sh). Sets up the mounts a container host has, loads
# WireGuard and the netfilter modules, runs /test.sh (or the base64 command given as
# wgcni.cmd= on the kernel command line) with bash, reports its exit status on the console
# as "VM-RESULT: rc=N" for the host to parse, and powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C
export WGCNI_SOURCE=/wgcni WGCNI_BUILD=/wgcni/build WGCNI_IN_VM=1
[ -x /wgcni/build/wireguard ] && export WGCNI_PLUGIN=/wgcni/build/wireguard

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
# What udev would add: bash's process substitution needs /dev/fd.
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
# "ip netns add" refuses to work without it.
mkdir -p /run/netns

# Loaded explicitly, dependencies first: there is no udev to autoload them.
modules=/lib/modules/$(uname -r)
while read -r module; do
	insmod "$modules/$module.ko" || echo "init: insmod $module failed"
done < /etc/wgcni-vm/modules.order

/usr/sbin/ip link set lo up
hostname wgcni-vm

if [ ! -f /test.sh ]; then
	for word in $(cat /proc/cmdline); do
		case "$word" in
		wgcni.cmd=*) echo "${word#wgcni.cmd=}" | base64 -d > /test.sh ;;
		esac
	done
fi

read -r uptime _ < /proc/uptime
echo "VM-BOOTED: ${uptime}s after kernel start"
if [ -f /test.sh ]; then
	cd /wgcni || cd /
	/bin/bash /test.sh < /dev/null
	rc=$?
else
	echo "init: no /test.sh and no wgcni.cmd= on the kernel command line"
	rc=127
fi
read -r uptime _ < /proc/uptime
echo "VM-FINISHED: ${uptime}s after kernel start"
echo "VM-RESULT: rc=$rc"
sync
poweroff -f
