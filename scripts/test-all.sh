#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what is needed, build, and run every suite: unit, netns, podman, runtimes (ctr,
# cnitool, buildah; cnitool is built once by scripts/cnitool.sh), vm,
# then the unit and netns suites again under ASan+UBSan and ADD/CHECK/DEL
# under valgrind. Run as root on Debian 12. Exit status: 0 only if all passed.
set -uo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "test-all: must run as root (namespaces, podman, nftables)" >&2; exit 1; }
bash scripts/deps.sh --tests || { echo "test-all: installing dependencies failed" >&2; exit 1; }

failed=()
run() {
	local name=$1; shift
	echo "=== $name: $*"
	if "$@"; then echo "=== $name: ok"; else echo "=== $name: FAILED"; failed+=("$name"); fi
}

rm -rf build build-asan
run build meson setup build
run compile ninja -C build
run main meson test -C build --print-errorlogs --no-rebuild

run asan-build meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
run asan-compile ninja -C build-asan
run asan-tests meson test -C build-asan --print-errorlogs --no-rebuild --suite unit --suite netns

run valgrind bash tests/valgrind/run.sh build/wireguard

if [ ${#failed[@]} -gt 0 ]; then
	echo "test-all: FAILED: ${failed[*]}"
	exit 1
fi
echo "test-all: every suite passed"
