#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build (once) a Debian 13 "trixie" root with podman 5.4 / netavark and the
# build dependencies of wgcni, so the podman5 suite can run podman 5 on a
# Debian 12 host without touching the host's packages.
#   scripts/podman5-root.sh [ROOT]    prints the root's path when it is ready
set -euo pipefail

root=${1:-${WGCNI_TRIXIE_ROOT:-/var/cache/wgcni/trixie-root}}
stamp=$root/.wgcni-root-ready
mirror=${WGCNI_DEBIAN_MIRROR:-http://deb.debian.org/debian}

packages=(
	podman netavark aardvark-dns runc crun conmon catatonit busybox-static
	iproute2 nftables wireguard-go wireguard-tools podman-compose jq procps mount
	libmnl-dev libnftnl-dev libjson-c-dev libsodium-dev zlib1g-dev libqrencode-dev
	meson ninja-build gcc pkg-config
)

mkdir -p "$(dirname "$root")"
# Two suites started at once build the root once.
exec 9>"$root.lock"
flock 9
if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "${packages[*]}" ]; then
	echo "$root"
	exit 0
fi

if ! command -v mmdebstrap >/dev/null; then
	# Recommends would pull newer versions of host packages.
	apt-get install -y --no-install-recommends mmdebstrap >&2
fi

rm -rf "$root" "$root.tmp"
packages_csv=$(IFS=,; echo "${packages[*]}")
mmdebstrap --variant=apt --include="$packages_csv" trixie "$root.tmp" \
	"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >&2
mv "$root.tmp" "$root"
echo "${packages[*]}" >"$stamp"
echo "$root"
