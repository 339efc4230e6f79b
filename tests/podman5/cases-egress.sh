# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # NET, ATTACHMENTS, build_dir...: set by suite.sh
# The legs' egress chains under podman 5 (L10, the frames themselves: cases-bridge.sh). The
# record names the legs; `wgcni show` rebuilds the netdev table from it and names a deleted
# chain or table; teardown leaves no table; a leg there before setup and the names podman
# gives later legs get a chain each.

eg_show() { # killSwitch and killSwitchProblem of the only attachment, from `wgcni show --json`
	"$build_dir/wgcni" show "$NET" --json --dir "$WGT_DIR/egshow" 2>/dev/null |
		jq -r '.attachments[0] | "\(.killSwitch) \(.killSwitchProblem)"'
}
mkdir -p "$WGT_DIR/egshow"
cp "$CONFIG" "$WGT_DIR/egshow/$NET.conflist"

cid=$(podman_t 60 run -d --network "podman,$NET" localhost/bb sleep 600 2>"$WGT_DIR/eg.err")
eg_record=$(ls "$ATTACHMENTS/$cid".* 2>/dev/null | head -1)
eg_tun=${eg_record##*.}
eg_sandbox=$(podman inspect -f '{{.NetworkSettings.SandboxKey}}' "$cid" 2>/dev/null)
eg_leg=$(nsenter --net="$eg_sandbox" ip -o link 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
	grep -vx -e lo -e "$eg_tun" | head -1)
what="podman,$NET (bridge leg ${eg_leg:-none}, tunnel ${eg_tun:-none})"
check_eq "$what: the record names the bridge leg among the egress legs" yes \
	"$(sed -n 's/^egress_legs=//p' "$eg_record" 2>/dev/null | tr ',' '\n' | grep -qx "$eg_leg" && echo yes || echo no)" \
	"$(cat "$eg_record" 2>&1) $(cat "$WGT_DIR/eg.err")"
check_eq "$what: the netdev table has the bridge leg's egress chain, policy drop" yes \
	"$(nsenter --net="$eg_sandbox" nft list chain netdev "wgcni-$eg_tun" "egress-$eg_leg" 2>/dev/null |
		grep -q "hook egress device \"$eg_leg\" .*policy drop" && echo yes || echo no)"
check_eq "$what: wgcni show: the kill switch is intact" "intact null" "$(eg_show)"
nsenter --net="$eg_sandbox" nft delete chain netdev "wgcni-$eg_tun" "egress-$eg_leg" 2>/dev/null
check_eq "$what: egress chain deleted: wgcni show says broken and names it" \
	"broken kill switch table netdev wgcni-$eg_tun: chain egress-$eg_leg is missing" "$(eg_show)"
nsenter --net="$eg_sandbox" nft delete table netdev "wgcni-$eg_tun" 2>/dev/null
check_eq "$what: netdev table deleted: wgcni show says broken and names it" \
	"broken kill switch table netdev wgcni-$eg_tun is missing" "$(eg_show)"
podman_t 30 rm -f -t 0 "$cid" >/dev/null 2>&1

# Setup and teardown as netavark runs them, in a namespace of ours that has two legs already
# (a veth pair, names podman never gives): each gets a chain, as do eth1..eth7 (not there).
before=$(p5_residue)
eg_ns=wgt-$WGT_ID-eg
eg_cid=$(printf '%064d' 9)
ip netns add "$eg_ns"
ip -n "$eg_ns" link add "egl$WGT_ID" type veth peer name "egp$WGT_ID"
network_json=$(podman network inspect "$NET" | jq -c '.[0] | {name, id, driver, options}')
p5_plugin setup "/run/netns/$eg_ns" "$eg_cid" "$network_json" >"$WGT_DIR/eg.out" 2>&1
check_eq "setup in a namespace with two legs: exits 0" 0 "$?" "$(cat "$WGT_DIR/eg.out")"
want_chains=$(printf 'egress-%s\n' "egl$WGT_ID" "egp$WGT_ID" eth1 eth2 eth3 eth4 eth5 eth6 eth7 | sort | tr '\n' ' ')
check_eq "setup: the netdev table has the present legs' chains and eth1..eth7's" "$want_chains" \
	"$(ip netns exec "$eg_ns" nft list table netdev wgcni-eth0 2>/dev/null |
		awk '$1 == "chain" { print $2 }' | sort | tr '\n' ' ')"
check_eq "setup: the record names the same legs" "$want_chains" \
	"$(sed -n 's/^egress_legs=//p' "$ATTACHMENTS/$eg_cid.eth0" 2>/dev/null | tr ',' '\n' |
		sed 's/^/egress-/' | sort | tr '\n' ' ')"
p5_plugin teardown "/run/netns/$eg_ns" "$eg_cid" "$network_json" >"$WGT_DIR/eg.out" 2>&1
check_eq "teardown: exits 0" 0 "$?" "$(cat "$WGT_DIR/eg.out")"
check_eq "teardown: no table left in the namespace (inet or netdev)" "" \
	"$(ip netns exec "$eg_ns" nft list tables 2>&1)"
ip netns del "$eg_ns"
check_eq "after the setup and teardown: nothing left" "$before" "$(p5_residue)"
