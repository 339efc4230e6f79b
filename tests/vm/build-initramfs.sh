#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# build-initramfs.sh OUT: a newc initramfs for the test guest, written to OUT. Not
# compressed: under TCG the guest unpacks 19 MB of plain cpio faster than it gunzips 8 MB.
#
# OUT is two archives back to back (the kernel unpacks concatenated archives in order):
#  - base: busybox (applet links where no real binary of that name is copied), bash,
#    iproute2, wg, nft, wireguard-go..., every library ldd lists, at the same path,
#    the kernel modules (WireGuard, veth, tun, nf_tables...) decompressed with their load
#    order, and /init (guest-init.sh). Rebuilt when its key changes: this script, /init,
#    the kernel, the binaries, or the dpkg database (any package upgrade).
#  - project: the built plugin and CLI (and their libraries) under /wgcni/build and the
#    source's tests/ tree under /wgcni/tests. Rebuilt when the hash of those files changes.
# Each part is cached beside OUT (OUT.base, OUT.project, with .hash files).
#
# Environment: WGCNI_SOURCE, WGCNI_BUILD, WGCNI_PLUGIN (defaults in lib.sh),
# WGCNI_VM_KERNEL_VERSION, WGCNI_VM_MODULES and WGCNI_VM_BINS (extra, space separated).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=${1:?usage: build-initramfs.sh OUT}
kver=$(vm_kernel_version)
self=$vm_dir/build-initramfs.sh

required_bins=(busybox bash ip wg nft)
optional_bins=(wireguard-go ss jq nsenter unshare)
# WireGuard first: its order is the one the notes verified.
module_roots=(wireguard veth dummy tun
              nf_tables nft_ct nft_reject_inet nft_reject_ipv4 nft_reject_ipv6
              nft_chain_nat nft_nat nft_masq nft_fib_inet nft_limit nft_log)
read -ra extra <<<"${WGCNI_VM_BINS:-}"
optional_bins+=(${extra[@]+"${extra[@]}"})
read -ra extra <<<"${WGCNI_VM_MODULES:-}"
module_roots+=(${extra[@]+"${extra[@]}"})

declare -A bin_name=()       # real host file -> the name it was asked for
declare -A lib_seen=()
declare -A module_seen=()
declare -A module_file=()
module_order=()              # names, dependencies first

add_binary() {
	local host
	host=$(type -P "$1") || return 1
	bin_name[$(readlink -f "$host")]=$1
}

add_libraries() {
	local lib
	# "libx.so.1 => /path (0x..)" and "/lib64/ld-linux-x86-64.so.2 (0x..)"; static
	# binaries make ldd fail, which is fine.
	while read -r lib; do
		[[ "$lib" != MISSING:* ]] || vm_die "$1 needs ${lib#MISSING:}, which ldd cannot find"
		lib_seen[$lib]=1
	done < <(ldd "$1" 2>/dev/null | awk '
		/not found/ { print "MISSING:" $1; next }
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }')
}

add_module() {
	local name=$1 info line file='' deps='' softdep='' dep provider
	# The kernel treats - and _ in module names alike.
	[[ -z "${module_seen[${name//-/_}]:-}" ]] || return 0
	module_seen[${name//-/_}]=1
	info=$(modinfo -k "$kver" "$name" 2>/dev/null) ||
		vm_die "kernel $kver has no module $name"
	while IFS= read -r line; do
		case "$line" in
		filename:*) [[ -n "$file" ]] || file=${line#filename:} ;;
		depends:*) deps=${line#depends:} ;;   # what "modinfo -F depends" prints
		softdep:*) softdep=${line#softdep:} ;;
		esac
	done <<<"$info"
	file=${file//[[:space:]]/}
	# Built into the kernel: nothing to load.
	[[ "$file" == /* ]] || return 0
	# "softdep: pre: crc32c" names an alias several modules provide: take them all.
	softdep=${softdep%%post:*}
	for dep in ${softdep#*pre:}; do
		for provider in $(modinfo -k "$kver" -F filename "$dep" 2>/dev/null); do
			if [[ "$provider" == /* ]]; then
				add_module "$(basename "${provider%%.ko*}")"
			fi
		done
	done
	for dep in ${deps//,/ }; do
		add_module "$dep"
	done
	name=$(basename "$file")
	name=${name%%.ko*}
	module_file[$name]=$file
	module_order+=("$name")
}

# Cheap to compute (no ldd, no modinfo): libraries and modules only change with packages.
base_key() {
	local name
	{
		echo "kernel $kver; bins ${required_bins[*]} ${optional_bins[*]}; modules ${module_roots[*]}"
		for name in "${required_bins[@]}" "${optional_bins[@]}"; do
			echo "$name $(type -P "$name" || true)"
		done
		stat -L -c '%n %s %Y' /boot/vmlinuz-"$kver" /lib/modules/"$kver"/modules.dep \
			/var/lib/dpkg/status 2>/dev/null || true
		sha256sum "$self" "$vm_dir/guest-init.sh"
	} | sha256sum | cut -d' ' -f1
}

install_file() {
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
}

# Merged /usr as on the host, so ldd's /lib/... and /lib64/... paths land in /usr. Both
# archives carry it: the kernel replaces a symlink by a directory of the same name.
make_skeleton() {
	mkdir -p "$root"/usr/{bin,sbin,lib,lib64}
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
}

pack() {
	(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) > "$1.tmp.$$"
	mv "$1.tmp.$$" "$1"
}

build_base() {
	local name file
	for name in "${required_bins[@]}"; do
		add_binary "$name" || vm_die "$name not found on the host; run tests/vm/setup.sh"
	done
	for name in "${optional_bins[@]}"; do
		add_binary "$name" || echo "tests/vm: optional $name not on the host, left out" >&2
	done
	for file in "${!bin_name[@]}"; do
		add_libraries "$file"
	done
	for name in "${module_roots[@]}"; do
		add_module "$name"
	done
	root=$(mktemp -d "${TMPDIR:-/tmp}/wgcni-initramfs.XXXXXX")
	populate_base
	populate_modules
	pack "$out.base"
	printf '%s\n' "${!lib_seen[@]}" > "$out.base.libs"
	rm -rf "$root"
	echo "tests/vm: built the base initramfs (kernel $kver, modules: ${module_order[*]})"
}

populate_base() {
	local file applet name dir
	make_skeleton
	mkdir -p "$root"/{proc,sys,dev,run,tmp,root,etc/wgcni-vm,var}
	ln -s /run "$root/var/run"
	for file in "${!bin_name[@]}"; do
		install_file "$file" "$file"
		# Every name the host has for it (iproute2: /usr/sbin/ip -> /bin/ip).
		name=${bin_name[$file]}
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
		[[ "$applet" == */* ]] || continue
		name=${applet##*/}
		[[ -e "$root/usr/bin/$name" || -e "$root/usr/sbin/$name" ]] && continue
		ln -s /usr/bin/busybox "$root/usr/${applet#usr/}"
	done
	# Not busybox: in busybox sh its applets shadow real binaries (ip), a trap for scripts.
	ln -sf bash "$root/usr/bin/sh"
	printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
		> "$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
	printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"
	printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
	# No nameserver: the guest has no network. Tests bind-mount their own over it.
	printf '# the test guest has no network\n' > "$root/etc/resolv.conf"
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

# The plugin, the CLI and the libraries they link, as "host-path guest-path" lines.
project_binaries() {
	if [[ -n "$WGCNI_PLUGIN" && -x "$WGCNI_PLUGIN" ]]; then
		echo "$WGCNI_PLUGIN /wgcni/build/wireguard"
	else
		echo "tests/vm: WARNING: plugin ${WGCNI_PLUGIN:-(WGCNI_PLUGIN unset)} is not built:" \
		     "the guest has no /wgcni/build/wireguard" >&2
	fi
	# podman 5's plugin (netavark's API), for the netns suite's beside cases.
	if [[ -n "${WGCNI_BUILD:-}" && -x "$WGCNI_BUILD/netavark/wireguard" ]]; then
		echo "$WGCNI_BUILD/netavark/wireguard /wgcni/build/netavark/wireguard"
	else
		echo "tests/vm: WARNING: ${WGCNI_BUILD:-(WGCNI_BUILD unset)}/netavark/wireguard is not built:" \
		     "the guest has no /wgcni/build/netavark/wireguard" >&2
	fi
	# meson puts the CLI at the top of the build directory.
	if [[ -n "${WGCNI_BUILD:-}" && -x "$WGCNI_BUILD/wgcni" ]]; then
		echo "$WGCNI_BUILD/wgcni /wgcni/build/wgcni"
	else
		echo "tests/vm: WARNING: ${WGCNI_BUILD:-(WGCNI_BUILD unset)}/wgcni is not built:" \
		     "the guest has no /wgcni/build/wgcni" >&2
	fi
}

build_project() {
	local host guest file
	root=$(mktemp -d "${TMPDIR:-/tmp}/wgcni-initramfs.XXXXXX")
	make_skeleton
	mkdir -p "$root/wgcni/build/netavark" "$root/opt/cni/bin"
	(cd "$WGCNI_SOURCE" && cp --parents ${test_files[@]+"${test_files[@]}"} "$root/wgcni/")
	while read -r host guest; do
		[[ -z "$host" ]] || install_file "$host" "$guest"
	done <<<"$binaries"
	for file in "${!lib_seen[@]}"; do
		install_file "$file" "$file"
	done
	[[ -e "$root/wgcni/build/wireguard" ]] && ln -s /wgcni/build/wireguard "$root/opt/cni/bin/wireguard"
	[[ -e "$root/wgcni/build/wgcni" ]] && ln -s /wgcni/build/wgcni "$root/usr/bin/wgcni"
	pack "$out.project"
	rm -rf "$root"
	echo "tests/vm: built the project part of the initramfs"
}

trap 'rm -rf "${root:-}"' EXIT
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

key=$(base_key)
if [[ ! -f "$out.base" || ! -f "$out.base.libs" ||
      "$(cat "$out.base.hash" 2>/dev/null)" != "$key" ]]; then
	build_base
	echo "$key" > "$out.base.hash"
fi

binaries=$(project_binaries)
lib_seen=()
while read -r host _; do
	[[ -n "$host" ]] && add_libraries "$host"
done <<<"$binaries"
# The base has libc and friends already.
while read -r file; do
	unset "lib_seen[$file]"
done < "$out.base.libs"
mapfile -d '' test_files < <(cd "$WGCNI_SOURCE" &&
	find tests -type f ! -name '*.c' ! -name '*.h' -print0 | sort -z)
project_hash=$({
	echo "$binaries"
	sha256sum "$self" ${binaries:+$(cut -d' ' -f1 <<<"$binaries")} "${!lib_seen[@]}"
	(cd "$WGCNI_SOURCE" && sha256sum ${test_files[@]+"${test_files[@]}"})
} | sha256sum | cut -d' ' -f1)
if [[ ! -f "$out.project" || "$(cat "$out.project.hash" 2>/dev/null)" != "$project_hash" ]]; then
	build_project
	echo "$project_hash" > "$out.project.hash"
fi

if [[ ! -f "$out" || "$(cat "$out.hash" 2>/dev/null)" != "$key $project_hash" ]]; then
	cat "$out.base" "$out.project" > "$out.tmp.$$"
	mv "$out.tmp.$$" "$out"
	echo "$key $project_hash" > "$out.hash"
fi
echo "tests/vm: initramfs $out ($(du -h "$out" | cut -f1)) is up to date"
