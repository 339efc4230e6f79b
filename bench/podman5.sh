#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/podman5.sh N RAW: the podman 5 part (bench/podman5-inside.sh), run inside the
# Debian 13 root the podman5 suite uses (scripts/podman5-root.sh builds it once, about
# 3 min); appends "podman5 NETWORK us 0 0" lines to RAW.
set -uo pipefail
n=$1 raw=$2
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log=$(mktemp "${TMPDIR:-/tmp}/cnb-podman5.XXXXXX")
trap 'rm -f "$log"' EXIT

BENCH_PODMAN_N=$n WGCNI_PODMAN5_SCRIPT=../../bench/podman5-inside.sh \
	bash "$src/tests/podman5/run.sh" >"$log" 2>&1
rc=$?
sed -n 's/^BENCH-RAW: //p' "$log" >>"$raw"
if [ "$rc" != 0 ] || ! grep -q '^BENCH-RAW: podman5 wgcni ' "$log"; then
	echo "bench/podman5: failed (exit $rc):" >&2
	tail -20 "$log" >&2
	exit 1
fi
