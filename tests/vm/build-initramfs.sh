#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# build-initramfs.sh OUT: a gzip'd newc initramfs for the test guest, written to OUT.
#
# Contents: busybox (applet links where no real binary of that name is copied), bash,
# iproute2, wg, nft, wireguard-go, the project's binaries and tests/ tree under /wgcni,
# every library ldd lists at the same path, and the kernel modules (WireGuard, veth, tun,
# nf_tables...) decompressed with a load order. OUT is rebuilt only when the hash of every
# input (files, kernel version, this script) differs from the one stored in OUT.hash.
#
# Environment: WGCNI_SOURCE, WGCNI_BUILD, WGCNI_PLUGIN (defaults in lib.sh),
# WGCNI_VM_KERNEL_VERSION, WGCNI_VM_MODULES and WGCNI_VM_BINS (extra, space separated).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=${1:?usage: build-initramfs.sh OUT}
kver=$(vm_kernel_version)

required_bins=(busybox bash ip wg nft)
optional_bins=(wireguard-go ss jq nsenter unshare ${WGCNI_VM_BINS:-})
# WireGuard first: its order is the one the notes verified.
module_roots=(wireguard veth dummy tun
              nf_tables nft_ct nft_reject_inet nft_reject_ipv4 nft_reject_ipv6
              nft_chain_nat nft_nat nft_masq nft_fib_inet nft_limit nft_log
              ${WGCNI_VM_MODULES:-})

declare -A bin_dest=()       # host file -> path in the guest
declare -A lib_seen=()
declare -A module_seen=()
module_order=()              # names, dependencies first
declare -A module_file=()

add_binary() {
	local host
	host=$(type -P "$1") || return 1
	bin_dest[$(readlink -f "$host")]=$1
}

add_libraries() {
	local lib
	# "libx.so.1 => /path (0x..)" and "/lib64/ld-linux-x86-64.so.2 (0x..)"; static
	# binaries make ldd fail, which is fine.
	while read -r lib; do
		[[ -n "$lib" && -z "${lib_seen[$lib]:-}" ]] || continue
		[[ -e "$lib" ]] || vm_die "library $lib of $1 does not exist"
		lib_seen[$lib]=1
	done < <(ldd "$1" 2>/dev/null | awk '
		/not found/ { print "MISSING:" $1; next }
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }')
}

add_module() {
	local name=$1 info file dep deps
	[[ -z "${module_seen[$name]:-}" ]] || return 0
	module_seen[$name]=1
	info=$(modinfo -k "$kver" "$name" 2>/dev/null) ||
		vm_die "kernel $kver has no module $name"
	file=$(sed -n 's/^filename: *//p' <<<"$info")
	# Built into the kernel: nothing to load.
	[[ "$file" == /* ]] || return 0
	# The same list "modinfo -F depends" prints.
	deps=$(sed -n 's/^depends: *//p' <<<"$info")
	for dep in ${deps//,/ }; do
		add_module "$dep"
	done
	name=$(basename "$file")
	name=${name%%.ko*}
	module_file[$name]=$file
	module_order+=("$name")
}

collect_inputs() {
	local name
	for name in "${required_bins[@]}"; do
		add_binary "$name" || vm_die "$name not found on the host; run tests/vm/setup.sh"
	done
	for name in "${optional_bins[@]}"; do
		add_binary "$name" || echo "tests/vm: optional $name not on the host, left out" >&2
	done
	for name in "${!bin_dest[@]}"; do
		add_libraries "$name"
	done
	for name in "${module_roots[@]}"; do
		add_module "$name"
	done
	project_files=()
	if [[ -n "$WGCNI_PLUGIN" && -x "$WGCNI_PLUGIN" ]]; then
		project_files+=("$WGCNI_PLUGIN")
		add_libraries "$WGCNI_PLUGIN"
	else
		echo "tests/vm: WARNING: plugin ${WGCNI_PLUGIN:-(WGCNI_PLUGIN unset)} not built;" \
		     "the guest will have no /wgcni/build/wireguard" >&2
	fi
	if [[ -n "${WGCNI_BUILD:-}" && -x "$WGCNI_BUILD/cli/wgcni" ]]; then
		project_files+=("$WGCNI_BUILD/cli/wgcni")
		add_libraries "$WGCNI_BUILD/cli/wgcni"
	fi
	for name in "${!lib_seen[@]}"; do
		[[ "$name" != MISSING:* ]] || vm_die "a binary needs ${name#MISSING:}, which ldd cannot find"
	done
	mapfile -d '' test_files < <(cd "$WGCNI_SOURCE" &&
		find tests -type f ! -name '*.c' ! -name '*.h' -print0 | sort -z)
}

inputs_hash() {
	{
		echo "kernel $kver"
		echo "plugin-path ${WGCNI_PLUGIN:-}"
		printf '%s\n' "${module_order[@]}"
		sha256sum "${BASH_SOURCE[0]}" "$vm_dir/guest-init.sh" /boot/vmlinuz-"$kver" \
			"${!bin_dest[@]}" "${!lib_seen[@]}" "${module_file[@]}" \
			${project_files[@]+"${project_files[@]}"}
		(cd "$WGCNI_SOURCE" && sha256sum ${test_files[@]+"${test_files[@]}"})
	} | sha256sum | cut -d' ' -f1
}

install_file() {
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
}

populate() {
	local file applet name dir
	mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,proc,sys,dev,run,tmp,root,etc/wgcni-vm,var,wgcni/build}
	# merged /usr, as on the host, so ldd's /lib/... and /lib64/... paths land in /usr.
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	ln -s /run "$root/var/run"
	for file in "${!bin_dest[@]}"; do
		install_file "$file" "$file"
		# Every name the host has for it (iproute2: /usr/sbin/ip -> /bin/ip).
		name=${bin_dest[$file]}
		for dir in /usr/bin /usr/sbin; do
			if [[ -e "$dir/$name" && ! -e "$root$dir/$name" ]]; then
				ln -s "$file" "$root$dir/$name"
			fi
		done
	done
	for file in "${!lib_seen[@]}"; do
		install_file "$file" "$file"
	done
	# Applets only where no real binary sits: busybox ip cannot make a wireguard link.
	for applet in $(busybox --list-full); do
		name=${applet##*/}
		[[ -e "$root/usr/bin/$name" || -e "$root/usr/sbin/$name" ]] && continue
		ln -s /usr/bin/busybox "$root/usr/${applet#usr/}"
	done
	ln -sf bash "$root/usr/bin/sh"
	populate_modules
	populate_project
	printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
		> "$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
	printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"
	install -m 0755 "$vm_dir/guest-init.sh" "$root/init"
}

populate_modules() {
	local dir=$root/lib/modules/$kver name file
	mkdir -p "$dir"
	for name in "${module_order[@]}"; do
		file=${module_file[$name]}
		case "$file" in
		*.ko) cp "$file" "$dir/$name.ko" ;;
		*.ko.xz) xz -dc "$file" > "$dir/$name.ko" ;;
		*.ko.zst) zstd -qdc "$file" > "$dir/$name.ko" ;;
		*.ko.gz) gzip -dc "$file" > "$dir/$name.ko" ;;
		*) vm_die "unknown module format $file" ;;
		esac
	done
	printf '%s\n' "${module_order[@]}" > "$root/etc/wgcni-vm/modules.order"
}

populate_project() {
	(cd "$WGCNI_SOURCE" && cp --parents ${test_files[@]+"${test_files[@]}"} "$root/wgcni/")
	if [[ -n "$WGCNI_PLUGIN" && -x "$WGCNI_PLUGIN" ]]; then
		cp -L "$WGCNI_PLUGIN" "$root/wgcni/build/wireguard"
		mkdir -p "$root/opt/cni/bin"
		ln -s /wgcni/build/wireguard "$root/opt/cni/bin/wireguard"
	fi
	if [[ -n "${WGCNI_BUILD:-}" && -x "$WGCNI_BUILD/cli/wgcni" ]]; then
		mkdir -p "$root/wgcni/build/cli"
		cp -L "$WGCNI_BUILD/cli/wgcni" "$root/wgcni/build/cli/wgcni"
		ln -s /wgcni/build/cli/wgcni "$root/usr/bin/wgcni"
	fi
}

collect_inputs
hash=$(inputs_hash)
if [[ -f "$out" && "$(cat "$out.hash" 2>/dev/null)" == "$hash" ]]; then
	echo "tests/vm: initramfs $out is up to date"
	exit 0
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/wgcni-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
populate
mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "$hash" > "$out.hash"
echo "tests/vm: built $out ($(du -h "$out" | cut -f1), kernel $kver," \
     "modules: ${module_order[*]})"
