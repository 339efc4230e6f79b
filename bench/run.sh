#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh [--quick] [--no-host] [--no-vm] [--no-podman] [--no-scaling] [--vm-500] [--vm-wallclock]
#
# wgcni against the reference plugins, in one run (absolute times are noisy on shared
# machines: read the ratios). As root, after building (WGCNI_BUILD, default build-bench):
#   host: wgcni userspace, ptp+host-local, bridge+host-local, interleaved, N=50 each,
#         plus the kernel's floors; scaling with 0/100/500 userspace tunnels attached;
#         syscalls and netlink requests per ADD; podman run with none/bridge/wgcni, with
#         podman 4.3 here and podman 5.4 in the Debian 13 root of the podman5 suite.
#   VM (tests/vm/run-in-vm.sh): wgcni kernel backend beside ptp, its floors and scaling.
# Prints the table and writes bench/results/latest.json (and the raw samples beside it).
# BENCH_BASELINE=PLUGIN adds an older build (e.g. the last commit's) as subject "wghead"
# (userspace on the host, kernel backend in the VM).
# --quick: N=10, scaling to 100 only, 3 podman runs. The VM scales to 100 unless --vm-500:
# under TCG each plugin call there takes about a second.
# The VM's clock counts instructions (qemu -icount shift=3,sleep=off: 8 ns each; an idle
# wait is not sat out but still advances the guest's clock by its length), so its figures
# weigh what the guest executes, not what emulating it costs, and do not depend on the
# host's load. Under TCG's real-time clock (--vm-wallclock) most of a short process's time
# is qemu translating its code afresh: every exec maps it at new random addresses and the
# translation cache is keyed by them (with ASLR off in the guest, wgcni's ADD took 35
# instead of 122 ms, ptp's 120 instead of 212; under -icount ASLR changes nothing).
set -uo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=50 m=20 counts="0 100 500" vm_counts="0 100" podman_n=10 host=1 vm=1 podman=1 scaling=1
vm_qemu="-icount shift=3,sleep=off" vm_timeout=9000
for arg; do
	case $arg in
	--quick) n=10 m=5 counts="0 100" podman_n=3 ;;
	--vm-500) vm_counts="0 100 500" ;;
	--vm-icount) ;; # the default now
	--vm-wallclock) vm_qemu="" vm_timeout=3000 ;;
	--no-host) host=0 ;;
	--no-vm) vm=0 ;;
	--no-podman) podman=0 ;;
	--no-scaling) scaling=0 ;;
	*) echo "usage: bench/run.sh [--quick] [--no-host] [--no-vm] [--no-podman] [--no-scaling] [--vm-500] [--vm-wallclock]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces)" >&2; exit 1; }
build=${WGCNI_BUILD:-$src/build-bench}
export WGCNI_PLUGIN=${WGCNI_PLUGIN:-$build/wireguard}
[ -x "$WGCNI_PLUGIN" ] || { echo "bench: build the plugin first ($WGCNI_PLUGIN)" >&2; exit 1; }
for f in /usr/lib/cni/ptp /usr/lib/cni/bridge /usr/lib/cni/host-local; do
	[ -x "$f" ] || { echo "bench: $f missing (containernetworking-plugins)" >&2; exit 1; }
done

mkdir -p "$build/bench" "$src/bench/results"
tool=$build/bench/cnibench
cc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$tool" "$src/bench/cnibench.c" -lmnl || exit 1

export BENCH_ID=$$ BENCH_TOOL=$tool BENCH_PLUGIN=$WGCNI_PLUGIN
BENCH_DIR=$(mktemp -d /tmp/cnb-$$.XXXXXX)
BENCH_RAW=$BENCH_DIR/raw
export BENCH_DIR BENCH_RAW
# shellcheck source=lib.sh
source "$src/bench/lib.sh"
# Every wireguard-go holds an inotify instance (it watches its UAPI socket): past
# fs.inotify.max_user_instances (128 by default) the next one exits at start with EMFILE.
inotify_max=/proc/sys/fs/inotify/max_user_instances
inotify_before=$(cat "$inotify_max")
cleanup() {
	bench_detach_all wgus 2>/dev/null
	bench_cleanup
	rm -rf "$BENCH_DIR"
	echo "$inotify_before" >"$inotify_max"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
bench_setup

machine="$(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "bench: $machine; N=$n" >&2

if [ "$host" = 1 ]; then
	echo "bench: host, interleaved: wgcni userspace, ptp, bridge, floors" >&2
	# BENCH_BASELINE=PLUGIN: an older build measured beside, as "wghead" (userspace here).
	BENCH_WGGO=$(command -v wireguard-go) bench_interleaved "$n" veth wgus ptp bridge \
		${BENCH_BASELINE:+wghead}
fi

# Counted on one more ADD each (not timed: strace slows everything down).
count_add() {
	local subject=$1 follow=$2 conf=$BENCH_DIR/count.json trace=$BENCH_DIR/trace
	ip netns add "$BENCH_CTR"
	bench_conf "$subject" >"$conf"
	ip netns exec "$BENCH_HOST" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND=ADD \
		CNI_CONTAINERID=cnbcount CNI_NETNS="/run/netns/$BENCH_CTR" CNI_IFNAME=eth0 \
		CNI_PATH=/usr/lib/cni strace $follow -qq -o "$trace" "$(bench_plugin "$subject")" \
		<"$conf" >/dev/null
	echo "count $subject-syscalls $(grep -vc -e '^+++' -e '^---' -e 'resumed>' "$trace") 0 0" >>"$BENCH_RAW"
	echo "count $subject-netlink $(grep -E '^([0-9]+ +)?(sendto|sendmsg)\(' "$trace" | grep -c 'nlmsg_len') 0 0" >>"$BENCH_RAW"
	ip netns exec "$BENCH_HOST" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND=DEL \
		CNI_CONTAINERID=cnbcount CNI_NETNS="/run/netns/$BENCH_CTR" CNI_IFNAME=eth0 \
		CNI_PATH=/usr/lib/cni "$(bench_plugin "$subject")" <"$conf" >/dev/null
	ip netns del "$BENCH_CTR"
}
if [ "$host" = 1 ] && command -v strace >/dev/null; then
	echo "bench: syscalls and netlink requests per ADD" >&2
	count_add wgus ""   # wireguard-go runs on after ADD: -f would wait for it
	count_add ptp -f
	count_add bridge -f
fi

if [ "$host" = 1 ] && [ "$scaling" = 1 ]; then
	echo "bench: scaling, userspace, with $counts tunnels attached" >&2
	[ "$inotify_before" -lt 1024 ] && echo 1024 >"$inotify_max"
	# shellcheck disable=SC2086
	BENCH_WGGO=$(command -v wireguard-go) bench_scaling wgus "$m" $counts
fi

if [ "$vm" = 1 ]; then
	echo "bench: VM (kernel backend beside ptp; TCG, so slow)" >&2
	cmd="BENCH_ID=vm BENCH_TOOL=$tool BENCH_PLUGIN=/wgcni/build/wireguard BENCH_N=$n BENCH_M=$m"
	vm_bins="ptp host-local cnibench"
	# The baseline travels into the guest like cnibench: by its name on PATH, at its host path.
	if [ -n "${BENCH_BASELINE:-}" ] && cp "$BENCH_BASELINE" "$build/bench/wghead"; then
		cmd+=" BENCH_BASELINE=$build/bench/wghead"
		vm_bins+=" wghead"
	fi
	cmd+=" BENCH_COUNTS='$vm_counts'"$'\n'"$(cat "$src/bench/lib.sh" "$src/bench/guest.sh")"
	PATH=$PATH:/usr/lib/cni:$build/bench WGCNI_BUILD=$build WGCNI_VM_BINS=$vm_bins \
		WGCNI_VM_LOG=$BENCH_DIR/vm.log WGCNI_VM_QEMU_ARGS=$vm_qemu \
		"$src/tests/vm/run-in-vm.sh" --mem 1024 --timeout "$vm_timeout" \
		"$cmd" >/dev/null || echo "bench: the VM part failed, see its log below" >&2
	tr -d '\r' <"$BENCH_DIR/vm.log" | sed -n 's/^BENCH-RAW: //p' >>"$BENCH_RAW"
	grep -q '^vm:' "$BENCH_RAW" || tail -20 "$BENCH_DIR/vm.log" >&2
fi

if [ "$podman" = 1 ]; then
	echo "bench: podman run, interleaved none/bridge/wgcni, $podman_n each" >&2
	WGT_ID=b$$ bash "$src/bench/podman.sh" "$podman_n" "$BENCH_RAW" || echo "bench: podman part failed" >&2
	echo "bench: podman 5 (Debian 13 root), interleaved none/bridge/wgcni, $podman_n each" >&2
	bash "$src/bench/podman5.sh" "$podman_n" "$BENCH_RAW" || echo "bench: podman 5 part failed" >&2
fi

cp "$BENCH_RAW" "$src/bench/results/latest.raw"
awk -v json="$src/bench/results/latest.json" -v machine="$machine" -f "$src/bench/report.awk" \
	"$BENCH_RAW" | tee "$src/bench/results/latest.txt"
