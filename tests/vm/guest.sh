#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The vm suite's guest side (tests/vm/run.sh boots the guest and runs this in /wgcni):
# the smoke test of the kernel facts, the netns suite against the kernel backend, then
# `wgcni show` against a kernel-backend attachment (show.sh).
# Fails unless all ran and passed: a missing netns suite, plugin or CLI is a failure.
set -uo pipefail
cd "${WGCNI_SOURCE:-/wgcni}" || exit 1

passed=0
failed=0
problems=()

# Adds the last "N passed, M failed" line of $2 to the totals; 1 when there is none.
count() {
	local line
	line=$(tr -d '\r' < "$2" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	if [[ -z "$line" ]]; then
		problems+=("$1 printed no 'N passed, M failed' line")
		return 1
	fi
	read -r p _ f _ <<<"$line"
	passed=$((passed + p))
	failed=$((failed + f))
}

echo "=== vm suite: smoke test, kernel $(uname -r) ==="
bash tests/vm/smoke.sh 2>&1 | tee /tmp/smoke.out
smoke_rc=${PIPESTATUS[0]}
count "the smoke test" /tmp/smoke.out
((smoke_rc == 0)) || problems+=("the smoke test exited $smoke_rc")

echo "=== vm suite: netns suite, WGCNI_BACKEND=kernel ==="
if [[ ! -f tests/netns/run.sh ]]; then
	problems+=("THE NETNS SUITE tests/netns/run.sh IS MISSING: only the smoke test ran")
elif [[ -z "${WGCNI_PLUGIN:-}" || ! -x "$WGCNI_PLUGIN" ]]; then
	problems+=("THE PLUGIN WAS NOT BUILT (no /wgcni/build/wireguard): the netns suite did not run")
else
	WGCNI_BACKEND=kernel bash tests/netns/run.sh 2>&1 | tee /tmp/netns.out
	netns_rc=${PIPESTATUS[0]}
	count "the netns suite" /tmp/netns.out
	((netns_rc == 0)) || problems+=("the netns suite exited $netns_rc")
fi

echo "=== vm suite: wgcni show against a kernel-backend attachment ==="
if [[ ! -x "${WGCNI_BUILD:-/wgcni/build}/wgcni" ]]; then
	problems+=("THE CLI WAS NOT BUILT (no /wgcni/build/wgcni): wgcni show was not tested")
else
	bash tests/vm/show.sh 2>&1 | tee /tmp/show.out
	show_rc=${PIPESTATUS[0]}
	count "the show test" /tmp/show.out
	((show_rc == 0)) || problems+=("the show test exited $show_rc")
fi

echo "=== vm suite summary ==="
for problem in ${problems[@]+"${problems[@]}"}; do
	echo "vm suite: FAIL: $problem"
done
echo "$passed passed, $failed failed"
((failed == 0 && ${#problems[@]} == 0))
