# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Running the plugin the way a runtime does, and writing its configuration.
# Sourced by common.sh.

# Commands put before "ip netns exec" (e.g. an unshare with a private resolv.conf).
WGT_CNI_WRAP=()

# wgt_cni COMMAND CONTAINERID NETNS IFNAME STDIN-FILE [VAR=VALUE | -VAR]...
# Runs the plugin in the host namespace with only the CNI variables set (and
# VAR=VALUE overrides; -VAR removes one). Sets CNI_RC, CNI_OUT and CNI_ERR (files,
# kept for the secrets check). stdout is read through a pipe until it closes, as
# libcni does: a helper process left holding it would hang a runtime, so that
# is reported as CNI_RC=124 and CNI_HUNG=1. WGT_CNI_TIMEOUT (default 10 s) bounds a call.
wgt_cni() {
	local cmd=$1 cid=$2 netns=$3 ifname=$4 input=$5 kv
	shift 5
	local -A env=([CNI_COMMAND]=$cmd [CNI_CONTAINERID]=$cid [CNI_NETNS]=$netns
		[CNI_IFNAME]=$ifname [CNI_PATH]=/opt/cni/bin [CNI_ARGS]='IgnoreUnknown=1')
	for kv in "$@"; do
		case $kv in
		-*) unset "env[${kv#-}]" ;;
		*) env[${kv%%=*}]=${kv#*=} ;;
		esac
	done
	local -a envv=(PATH=/usr/sbin:/usr/bin:/sbin:/bin)
	for kv in "${!env[@]}"; do envv+=("$kv=${env[$kv]}"); done

	WGT_CNI_N=$((WGT_CNI_N + 1))
	CNI_OUT=$WGT_DIR/out/$WGT_CNI_N.$cmd.stdout
	CNI_ERR=$WGT_DIR/out/$WGT_CNI_N.$cmd.stderr
	CNI_HUNG=0
	local -a rcs
	"${WGT_CNI_WRAP[@]}" ip netns exec "$WGT_NS_HOST" timeout "$WGT_CNI_TIMEOUT" env -i "${envv[@]}" \
		"$WGT_PLUGIN" <"$input" 2>"$CNI_ERR" | timeout $((WGT_CNI_TIMEOUT + 5)) cat >"$CNI_OUT"
	rcs=("${PIPESTATUS[@]}")
	CNI_RC=${rcs[0]}
	if [ "${rcs[1]}" = 124 ]; then
		CNI_HUNG=1
		CNI_RC=124
		echo "# note: $cmd $cid: stdout still open ${WGT_CNI_TIMEOUT}+5 s after the plugin (a helper holds it?)"
	elif [ "$CNI_RC" = 124 ]; then
		echo "# note: $cmd $cid: plugin killed after ${WGT_CNI_TIMEOUT} s"
	fi
	if [ "$WGT_VERBOSE" = 1 ]; then
		echo "# $cmd $cid $netns $ifname -> $CNI_RC: $(cat "$CNI_OUT")" >&2
		sed 's/^/#   stderr: /' "$CNI_ERR" >&2
	fi
	return 0
}

# The error object of the last failed call: CNI_CODE, CNI_MSG ("msg: details").
wgt_cni_error() {
	CNI_CODE=$(wgt_json_get "$CNI_OUT" .code)
	CNI_MSG="$(wgt_json_str "$CNI_OUT" .msg): $(wgt_json_str "$CNI_OUT" .details)"
}

# wgt_conf [FIELD=JSON | FIELD=-]...: a network configuration on stdout.
# Fields are raw JSON values; "-" drops a default field; unknown ones are appended.
# Defaults: the container "ctr" with key1 and the server as its only peer.
wgt_conf() {
	local -A f=(
		[cniVersion]='"1.0.0"'
		[name]="\"$WGT_NET\""
		[type]='"wireguard"'
		[backend]="\"$WGT_BACKEND\""
		[privateKeyFile]="\"$WGT_DIR/key1\""
		[address]='["10.64.0.2/32","fc00:bbbb::2/128"]'
		[listenPort]=51821
		[dns]="{\"nameservers\":[\"$WGT_SERVER_V4\"]}"
		[peers]="[$(wgt_peer_json)]"
	)
	local -a order=(cniVersion name type backend privateKeyFile address listenPort dns peers)
	local kv k out='' sep=''
	for kv in "$@"; do
		k=${kv%%=*}
		[ -n "${f[$k]+x}" ] || order+=("$k")
		f[$k]=${kv#*=}
	done
	for k in "${order[@]}"; do
		[ "${f[$k]}" = - ] && continue
		out+="$sep\"$k\":${f[$k]}"
		sep=,
	done
	printf '{%s}\n' "$out"
}

# The server as a peer: every address through it.
wgt_peer_json() {
	printf '{"publicKey":"%s","endpoint":"192.0.2.2:%s","allowedIPs":["0.0.0.0/0","::/0"],"persistentKeepalive":25}' \
		"$(cat "$WGT_DIR/srvkey.pub")" "$WGT_SERVER_PORT"
}

# The second container's network config (key2, .3 addresses, another port).
wgt_conf2() {
	wgt_conf privateKeyFile="\"$WGT_DIR/key2\"" address='["10.64.0.3/32","fc00:bbbb::3/128"]' \
		listenPort=51822 "$@"
}

# wgt_with_prev CONF-FILE RESULT-FILE: the config with "prevResult" added, on stdout.
wgt_with_prev() {
	local conf result
	conf=$(cat "$1")
	result=$(cat "$2")
	printf '%s,"prevResult":%s}\n' "${conf%\}}" "$result"
}

# wgt_file NAME < content: write a stdin file under WGT_DIR, print its path.
wgt_file() {
	cat >"$WGT_DIR/$1"
	printf '%s' "$WGT_DIR/$1"
}
