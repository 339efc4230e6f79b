#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-in-vm.sh [--timeout S] [--mem MB] [--log FILE] CMD...
#
# Boots Debian's kernel under qemu (TCG: KVM fails on these machines) with the cached test
# initramfs, runs CMD in the guest with bash from /wgcni (a copy of the source's tests/ and
# the built binaries), streams the serial console to stdout and FILE, and exits with CMD's
# exit status, read from the guest's "VM-RESULT: rc=N" line. One argument is a bash command
# line ("A=1 bash x.sh | tee y"); several are one argv, quoted as given. The guest has no
# network device: nothing in it reaches anything but its own namespaces.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

timeout_s=${WGCNI_VM_TIMEOUT:-600}
mem_mb=${WGCNI_VM_MEM:-512}
log=${WGCNI_VM_LOG:-}
while (($#)); do
	case "$1" in
	--timeout) timeout_s=$2; shift 2 ;;
	--mem) mem_mb=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
(($#)) || vm_die "usage: run-in-vm.sh [--timeout S] [--mem MB] [--log FILE] CMD..."

# The ELF inside the bzImage, which qemu boots through its PVH entry: under TCG that
# skips the kernel decompressing itself, about half the boot time. The bzImage otherwise.
kernel_image() {
	local image=/boot/vmlinuz-$kver elf=$cache/vmlinux-$kver offset unpack magic
	if [[ -s "$elf" && "$elf" -nt "$image" ]]; then
		echo "$elf"
		return
	fi
	for unpack in "xz -dc --single-stream:\xfd7zXZ\x00" "zstd -dc:\x28\xb5\x2f\xfd" \
		      "gzip -dc:\x1f\x8b\x08"; do
		magic=${unpack#*:}
		for offset in $(LC_ALL=C grep -obUaP "$magic" "$image" | cut -d: -f1); do
			tail -c +$((offset + 1)) "$image" | ${unpack%%:*} > "$elf.tmp.$$" 2>/dev/null
			if [[ "$(head -c 4 "$elf.tmp.$$")" == $'\x7fELF' ]]; then
				mv "$elf.tmp.$$" "$elf"
				echo "$elf"
				return
			fi
		done
	done
	rm -f "$elf.tmp.$$"
	echo "$image"
}

kver=$(vm_kernel_version)
cache=$(vm_cache_dir)
base=$cache/initrd-$kver.cpio
kernel=$(kernel_image)
: "${log:=$cache/console.log}"
"$vm_dir/build-initramfs.sh" "$base" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/wgcni-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The command travels as /test.sh in a second cpio archive appended to the cached one:
# the kernel unpacks concatenated archives in order, so the big one is never rebuilt.
mkdir "$work/overlay"
{
	echo '#!/bin/bash'
	if (($# == 1)); then
		printf '%s\n' "$1"
	else
		printf '%q ' "$@"
		echo
	fi
} > "$work/overlay/test.sh"
(cd "$work/overlay" && echo test.sh | cpio -o -H newc -R 0:0 --quiet) > "$work/overlay.cpio"
cat "$base" "$work/overlay.cpio" > "$work/initrd.cpio"

mkdir -p "$(dirname "$log")"
# qboot starts the kernel sooner than SeaBIOS and writes no terminal resets to the console.
firmware=()
for dir in /usr/share/qemu /usr/share/seabios; do
	if [[ -f "$dir/qboot.rom" ]]; then
		firmware=(-bios "$dir/qboot.rom")
		break
	fi
done
echo "tests/vm: booting $kernel (TCG, ${mem_mb} MiB, timeout ${timeout_s}s), console log $log" >&2
start=$EPOCHREALTIME
set +e
# stdin from /dev/null: qemu's stdio backend would otherwise put a terminal in raw mode.
# WGCNI_VM_QEMU_ARGS: extra qemu options (bench/run.sh --vm-icount passes -icount).
# shellcheck disable=SC2086
timeout -k 10 "$timeout_s" qemu-system-x86_64 ${WGCNI_VM_QEMU_ARGS:-} -accel tcg -cpu max -smp 1 -m "$mem_mb" \
	-nographic -no-reboot -nic none ${firmware[@]+"${firmware[@]}"} \
	-kernel "$kernel" -initrd "$work/initrd.cpio" \
	-append "console=ttyS0 quiet panic=-1" < /dev/null 2>&1 | tee "$log"
status=("${PIPESTATUS[@]}")
set -e
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

if ((status[0] == 124 || status[0] == 137)); then
	echo "tests/vm: FAIL: the guest did not finish within ${timeout_s}s (killed)" >&2
fi
rc=$(tr -d '\r' < "$log" | sed -n 's/^VM-RESULT: rc=\([0-9]\{1,\}\)$/\1/p' | tail -n 1)
if [[ -z "$rc" ]]; then
	echo "tests/vm: FAIL: NO 'VM-RESULT: rc=N' LINE FROM THE GUEST (qemu exit ${status[0]}," \
	     "${elapsed}s); the test did not run to its end, see $log" >&2
	exit 1
fi
echo "tests/vm: guest command exited $rc; qemu wall time ${elapsed}s" >&2
exit $((rc > 255 ? 255 : rc))
