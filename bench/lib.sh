# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The measuring loop, shared by the host (bench/run.sh) and the VM guest (bench/guest.sh,
# which gets this file prepended). Every sample is one line in $BENCH_RAW:
#   SUBJECT VERB MICROSECONDS MAXRSS_KIB EXIT_STATUS [CPU_MICROSECONDS]
# (the plugin calls carry their CPU time; floors and counts do not).
# Names: namespaces cnb-$BENCH_ID-*, bridge cnbbr$BENCH_ID; files under $BENCH_DIR.
#
#   cnb-ID-h ("the host": plugins run here, wireguard-go and its UDP socket live here)
#   cnb-ID-c (a fresh container namespace for every ADD/DEL pair)

BENCH_HOST=cnb-$BENCH_ID-h
BENCH_CTR=cnb-$BENCH_ID-c
: "${BENCH_CNI_PATH:=/usr/lib/cni}"

bench_setup() {
	mkdir -p "$BENCH_DIR/ipam" "$BENCH_DIR/keys"
	: >"$BENCH_RAW"
	ip netns add "$BENCH_HOST"
	ip -n "$BENCH_HOST" link set lo up
	bench_key peer
	bench_key k0
}

bench_cleanup() {
	local ns
	for ns in $(ip netns list 2>/dev/null | awk -v p="cnb-$BENCH_ID-" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$ns" 2>/dev/null
	done
}

# bench_key NAME: DIR/keys/NAME (0600) and NAME.pub
bench_key() {
	(umask 077 && wg genkey >"$BENCH_DIR/keys/$1")
	wg pubkey <"$BENCH_DIR/keys/$1" >"$BENCH_DIR/keys/$1.pub"
}

# bench_conf SUBJECT [KEY]: the network configuration a runtime would pass.
bench_conf() {
	local ipam="{\"type\":\"host-local\",\"subnet\":\"10.99.0.0/16\",\"dataDir\":\"$BENCH_DIR/ipam\"}"
	case $1 in
	ptp) printf '{"cniVersion":"1.0.0","name":"cnb%s","type":"ptp","ipam":%s}\n' "$BENCH_ID" "$ipam" ;;
	bridge) printf '{"cniVersion":"1.0.0","name":"cnb%s","type":"bridge","bridge":"cnbbr%s","isGateway":true,"ipam":%s}\n' \
		"$BENCH_ID" "$BENCH_ID" "$ipam" ;;
	wg*)
		local backend=${BENCH_WG_BACKEND:-userspace}
		[ "$1" = wgk ] && backend=kernel
		printf '{"cniVersion":"1.0.0","name":"cnb%s","type":"wireguard","backend":"%s","privateKeyFile":"%s","address":["10.64.0.2/32","fc00:bbbb::2/128"],"peers":[{"publicKey":"%s","endpoint":"192.0.2.2:51820","allowedIPs":["0.0.0.0/0","::/0"]}]}\n' \
			"$BENCH_ID" "$backend" "$BENCH_DIR/keys/${2:-k0}" "$(cat "$BENCH_DIR/keys/peer.pub")" ;;
	esac
}

bench_plugin() {
	case $1 in
	wghead) echo "$BENCH_BASELINE" ;;
	wg*) echo "$BENCH_PLUGIN" ;;
	*) echo "$BENCH_CNI_PATH/$1" ;;
	esac
}

# bench_call SUBJECT TAG VERB NETNS CONTAINERID CONF-FILE RESULT-FILE: one timed call,
# recorded under TAG.
bench_call() {
	local subject=$1 tag=$2 verb=$3 ns=$4 cid=$5 conf=$6 out=$7 line
	line=$(ip netns exec "$BENCH_HOST" "$BENCH_TOOL" exec "$(bench_plugin "$subject")" "$conf" "$out" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$verb" CNI_CONTAINERID="$cid" \
		CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH="$BENCH_CNI_PATH" CNI_ARGS=IgnoreUnknown=1)
	set -- $line
	if [ "${3:-1}" != 0 ]; then
		echo "bench: $tag $verb failed (exit ${3:-?}): $(head -c 400 "$out")" >&2
		return 1
	fi
	echo "$tag $verb $1 $2 $3 $4" >>"$BENCH_RAW"
}

# bench_pair SUBJECT [TAG [KEY [NS]]]: ADD then DEL (with prevResult) on a fresh namespace.
bench_pair() {
	local subject=$1 tag=${2:-$1} key=${3:-k0} ns=${4:-$BENCH_CTR} cid conf=$BENCH_DIR/conf.json
	cid=$(printf 'cnb%s%s%032d' "$BENCH_ID" "$subject" "$RANDOM")
	ip netns add "$ns"
	bench_conf "$subject" "$key" >"$conf"
	if bench_call "$subject" "$tag" ADD "$ns" "$cid" "$conf" "$BENCH_DIR/add.out"; then
		printf '%s,"prevResult":%s}\n' "$(sed 's/}$//' "$conf")" "$(cat "$BENCH_DIR/add.out")" \
			>"$BENCH_DIR/del.json"
		bench_call "$subject" "$tag" DEL "$ns" "$cid" "$BENCH_DIR/del.json" "$BENCH_DIR/del.out"
	fi
	ip netns del "$ns"
}

# bench_floors KIND [TAG]: the kernel operations a plugin cannot avoid, timed from the host
# namespace, recorded under TAG (default "floor").
bench_floors() {
	local kind=$1 tag=${2:-floor} line
	ip netns add "$BENCH_CTR"
	line=$(ip netns exec "$BENCH_HOST" "$BENCH_TOOL" move-tun "/run/netns/$BENCH_CTR") &&
		echo "$tag move $line 0 0" >>"$BENCH_RAW"
	line=$(ip netns exec "$BENCH_HOST" "$BENCH_TOOL" create-delete "/run/netns/$BENCH_CTR" "$kind") &&
		set -- $line && echo "$tag create $1 0 0" >>"$BENCH_RAW" &&
		echo "$tag delete $2 0 0" >>"$BENCH_RAW"
	if [ -n "${BENCH_WGGO:-}" ]; then
		line=$(ip netns exec "$BENCH_HOST" "$BENCH_TOOL" wggo "$BENCH_WGGO") &&
			set -- $line && echo "$tag wggo $1 $2 0" >>"$BENCH_RAW" &&
			echo "$tag wggo-listen $3 0 0" >>"$BENCH_RAW"
	fi
	ip netns del "$BENCH_CTR"
}

# bench_interleaved N FLOOR-KIND SUBJECT...: round-robin, so drift hits every subject alike.
bench_interleaved() {
	local n=$1 kind=$2 i s
	shift 2
	for ((i = 1; i <= n; i++)); do
		for s in "$@"; do
			bench_pair "$s"
		done
		bench_floors "$kind"
	done
}

# bench_attach COUNT SUBJECT: COUNT tunnels left attached (namespaces cnb-ID-aN, keys aN).
bench_attach() {
	local count=$1 subject=$2 i conf=$BENCH_DIR/attach.json
	for ((i = ${BENCH_ATTACHED:-0}; i < count; i++)); do
		[ -f "$BENCH_DIR/keys/a$i" ] || bench_key "a$i"
		ip netns add "cnb-$BENCH_ID-a$i"
		bench_conf "$subject" "a$i" >"$conf"
		ip netns exec "$BENCH_HOST" "$BENCH_TOOL" exec "$BENCH_PLUGIN" "$conf" /dev/null \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND=ADD CNI_CONTAINERID="cnbattached$i" \
			CNI_NETNS="/run/netns/cnb-$BENCH_ID-a$i" CNI_IFNAME=eth0 CNI_PATH="$BENCH_CNI_PATH" \
			>/dev/null || return 1
	done
	BENCH_ATTACHED=$count
}

bench_detach_all() {
	local subject=$1 i conf=$BENCH_DIR/attach.json
	for ((i = 0; i < ${BENCH_ATTACHED:-0}; i++)); do
		bench_conf "$subject" "a$i" >"$conf"
		ip netns exec "$BENCH_HOST" "$BENCH_TOOL" exec "$BENCH_PLUGIN" "$conf" /dev/null \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND=DEL CNI_CONTAINERID="cnbattached$i" \
			CNI_NETNS="/run/netns/cnb-$BENCH_ID-a$i" CNI_IFNAME=eth0 CNI_PATH="$BENCH_CNI_PATH" \
			>/dev/null
		ip netns del "cnb-$BENCH_ID-a$i"
	done
	BENCH_ATTACHED=0
}

# bench_scaling SUBJECT N COUNT...: ADD/DEL pairs tagged SUBJECT@COUNT with COUNT attached,
# each followed by the floors tagged floor@COUNT: the same kernel operations without wgcni,
# timed under the same load, so that a machine slowed by what is attached (the helpers'
# own work at rest) shows there as well as in wgcni's times.
bench_scaling() {
	local subject=$1 n=$2 count i kind=veth
	shift 2
	[ "$subject" = wgk ] && kind=wireguard
	for count in "$@"; do
		bench_attach "$count" "$subject" || { echo "bench: attaching $count failed" >&2; return 1; }
		if [ "$subject" = wgus ] && [ "$count" -gt 0 ]; then
			echo "rss wggo-per-tunnel $(bench_helpers_rss "$count") 0 0" >>"$BENCH_RAW"
		fi
		for ((i = 1; i <= n; i++)); do
			bench_pair "$subject" "$subject@$count"
			bench_floors "$kind" "floor@$count"
		done
	done
	bench_detach_all "$subject"
	# None again at the end (A-B-A): the counts are measured one after the other, and a
	# drift of the machine's load over that time would otherwise read as growth.
	if [ "$1" = 0 ]; then
		for ((i = 1; i <= n; i++)); do
			bench_pair "$subject" "$subject@0"
			bench_floors "$kind" "floor@0"
		done
	fi
}

# Mean VmRSS (KiB) of the wireguard-go helpers serving the attached tunnels.
bench_helpers_rss() {
	local total=0 n=0 pid rss
	for pid in $(pgrep -x wireguard-go); do
		[ "$(ip netns identify "$pid" 2>/dev/null)" = "$BENCH_HOST" ] || continue
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
		total=$((total + ${rss:-0}))
		n=$((n + 1))
	done
	echo $((n ? total / n : 0))
}
