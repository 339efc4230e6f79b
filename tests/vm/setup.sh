#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what the vm suite needs on a Debian host. Idempotent: when every tool is
# already there it touches no network and returns at once.
set -euo pipefail

packages=(qemu-system-x86 linux-image-amd64 busybox-static kmod xz-utils cpio
          iproute2 wireguard-tools nftables)
# wireguard-go is handy in the guest but not needed by the kernel tests.
optional=(wireguard-go)

installed() {
	[[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
# linux-image-amd64 may be installed while /boot was emptied (a trimmed image).
compgen -G '/boot/vmlinuz-*' >/dev/null || missing+=(linux-image-amd64)

if ((${#missing[@]} == 0)); then
	exit 0
fi
if ((EUID != 0)); then
	echo "tests/vm/setup.sh: missing packages ${missing[*]} and not root to install them" >&2
	exit 1
fi
echo "tests/vm/setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for p in "${optional[@]}"; do
	installed "$p" || apt-get install -y -qq --no-install-recommends "$p" >/dev/null ||
		echo "tests/vm/setup.sh: optional $p not installed" >&2
done
compgen -G '/boot/vmlinuz-*' >/dev/null || {
	echo "tests/vm/setup.sh: still no /boot/vmlinuz-* after installing linux-image-amd64" >&2
	exit 1
}
