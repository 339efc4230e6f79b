#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install everything wgcni needs to build, run and test on Debian 12 (root).
set -euo pipefail

build=(meson ninja-build pkg-config gcc clang libmnl-dev libnftnl-dev libjson-c-dev
       libsodium-dev libcmocka-dev libqrencode-dev zlib1g-dev)
run=(wireguard-go wireguard-tools nftables iproute2)
test=(busybox-static tcpdump jq valgrind podman runc containernetworking-plugins
      podman-compose qemu-system-x86 linux-image-amd64 kmod xz-utils cpio procps zbar-tools
      containerd buildah golang-go golang-github-appc-cni-dev file)

want=("${build[@]}" "${run[@]}")
[ "${1:-}" = "--tests" ] && want+=("${test[@]}")
[ "${1:-}" = "--demo" ] && want+=(busybox-static podman runc containernetworking-plugins)

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
