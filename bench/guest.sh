# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Runs inside the VM (tests/vm/run-in-vm.sh) after bench/lib.sh, with BENCH_N, BENCH_M and
# BENCH_COUNTS set by bench/run.sh: the kernel backend beside ptp, the floors, the scaling.
# Prints every sample as "BENCH-RAW: vm:..." on the console for the host to collect.
# Every wgcni subject here is the kernel backend: wgk, and wghead (BENCH_BASELINE) if given.
export BENCH_DIR=/tmp/cnb BENCH_RAW=/tmp/cnb/raw BENCH_WG_BACKEND=kernel
mkdir -p "$BENCH_DIR"
trap 'bench_detach_all wgk; bench_cleanup' EXIT
bench_setup
bench_interleaved "$BENCH_N" wireguard wgk ptp ${BENCH_BASELINE:+wghead}
# shellcheck disable=SC2086
bench_scaling wgk "$BENCH_M" $BENCH_COUNTS
sed 's/^/BENCH-RAW: vm:/' "$BENCH_RAW"
