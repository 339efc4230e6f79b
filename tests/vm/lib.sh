# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the host-side vm scripts: where things are, which kernel to boot.

vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${WGCNI_SOURCE:=$(cd "$vm_dir/../.." && pwd)}"
if [[ -z "${WGCNI_BUILD:-}" && -d "$WGCNI_SOURCE/build" ]]; then
	WGCNI_BUILD=$WGCNI_SOURCE/build
fi
: "${WGCNI_PLUGIN:=${WGCNI_BUILD:+$WGCNI_BUILD/wireguard}}"
export WGCNI_SOURCE WGCNI_BUILD WGCNI_PLUGIN

vm_die() {
	echo "tests/vm: $*" >&2
	exit 1
}

# The newest /boot/vmlinuz-* that has modules (a version string, or dies).
vm_kernel_version() {
	local image version
	if [[ -n "${WGCNI_VM_KERNEL_VERSION:-}" ]]; then
		echo "$WGCNI_VM_KERNEL_VERSION"
		return
	fi
	for image in $(printf '%s\n' /boot/vmlinuz-* | sort -V -r); do
		version=${image#/boot/vmlinuz-}
		if [[ -f "$image" && -d /lib/modules/$version ]]; then
			echo "$version"
			return
		fi
	done
	vm_die "no /boot/vmlinuz-<ver> with /lib/modules/<ver>; run tests/vm/setup.sh"
}

# The build tree when there is one (keeps caches with the build), else a system cache.
vm_cache_dir() {
	local dir=/var/cache/wgcni-vm
	if [[ -n "${WGCNI_BUILD:-}" && -d "$WGCNI_BUILD" ]]; then
		dir=$WGCNI_BUILD/vm
	fi
	mkdir -p "$dir" || vm_die "cannot create cache directory $dir"
	echo "$dir"
}
