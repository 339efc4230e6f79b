#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The vm suite: boots Debian's kernel under qemu with WireGuard loaded and runs
# tests/vm/guest.sh in it (smoke test of the kernel facts, then the netns suite with
# WGCNI_BACKEND=kernel). Works from `meson test --suite vm` (WGCNI_* set by meson) and
# stand-alone; exits with the guest's status.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$vm_dir/setup.sh"
start=$EPOCHREALTIME
# The reference bridge and host-local plugins (by path: iproute2 has a `bridge` too) and the
# bridge module: the netns suite's routing-mode cases chain the plugin after bridge, here
# with the kernel backend.
export WGCNI_VM_BINS="${WGCNI_VM_BINS:+$WGCNI_VM_BINS }/usr/lib/cni/bridge /usr/lib/cni/host-local"
export WGCNI_VM_MODULES="${WGCNI_VM_MODULES:+$WGCNI_VM_MODULES }bridge"
set +e
"$vm_dir/run-in-vm.sh" --timeout "${WGCNI_VM_TIMEOUT:-1100}" \
	--log "$(vm_cache_dir)/vm-suite.log" 'bash tests/vm/guest.sh'
rc=$?
set -e
echo "tests/vm: vm suite finished in" \
     "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s, exit $rc"
exit "$rc"
