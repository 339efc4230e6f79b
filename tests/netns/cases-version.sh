# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Cases 1 and 3: VERSION, and a result rendered in every cniVersion.

ALL_VERSIONS="0.3.0 0.3.1 0.4.0 1.0.0 1.1.0"

# The flattened result of an ADD (json.awk form), exactly.
# expected_result VERSION NETNS-NAME V4 V6
expected_result() {
	local v=$1 ns=$2 v4=$3 v6=$4 old=0
	case $v in 0.*) old=1 ;; esac
	echo ".cniVersion	\"$v\""
	echo ".interfaces[0].name	\"eth0\""
	echo ".interfaces[0].mac	\"00:00:00:00:00:00\""
	[ "$v" = 1.1.0 ] && echo ".interfaces[0].mtu	1420"
	echo ".interfaces[0].sandbox	\"/run/netns/$ns\""
	[ $old = 1 ] && echo ".ips[0].version	\"4\""
	echo ".ips[0].address	\"$v4/32\""
	echo ".ips[0].interface	0"
	[ $old = 1 ] && echo ".ips[1].version	\"6\""
	echo ".ips[1].address	\"$v6/128\""
	echo ".ips[1].interface	0"
	echo ".routes[0].dst	\"0.0.0.0/0\""
	echo ".routes[1].dst	\"::/0\""
	echo ".dns.nameservers[0]	\"$WGT_SERVER_V4\""
}

# The flattened result sorted, so field order inside an object does not matter.
sorted_flat() {
	wgt_json_flat "$1" | LC_ALL=C sort
}

case_version() {
	local v want conf
	for v in $ALL_VERSIONS; do
		conf=$(printf '{"cniVersion":"%s"}\n' "$v" | wgt_file "version-$v.json")
		wgt_cni VERSION "" "" "" "$conf" -CNI_CONTAINERID -CNI_NETNS -CNI_IFNAME
		assert_rc "VERSION $v: exit" 0 "$CNI_RC"
		want=$(printf '.cniVersion\t"%s"\n' "$v"
			i=0
			for s in $ALL_VERSIONS; do printf '.supportedVersions[%d]\t"%s"\n' $i "$s"; i=$((i + 1)); done)
		assert_eq "VERSION $v: answer" "$(echo "$want" | LC_ALL=C sort)" "$(sorted_flat "$CNI_OUT")"
	done

	conf=$(wgt_conf cniVersion='"0.2.0"' | wgt_file add-020.json)
	wgt_cni ADD "wgt$WGT_ID-v020" "/run/netns/$WGT_NS_CTR" eth0 "$conf"
	wgt_cni_error
	assert_rc "ADD with cniVersion 0.2.0: exit" nonzero "$CNI_RC"
	assert_eq "ADD with cniVersion 0.2.0: code" 1 "$CNI_CODE"
	assert_match "ADD with cniVersion 0.2.0: message names the version" '0\.2\.0' "$CNI_MSG"
}

# ADD ctr2 in every version; each result is that version's, exactly.
case_versions_render() {
	local v conf cid
	for v in $ALL_VERSIONS; do
		cid=wgt$WGT_ID-ver-${v//./}
		conf=$(wgt_conf2 cniVersion="\"$v\"" | wgt_file "add2-$v.json")
		wgt_cni ADD "$cid" "/run/netns/$WGT_NS_CTR2" eth0 "$conf"
		assert_rc "ADD cniVersion $v: exit" 0 "$CNI_RC"
		assert_eq "ADD cniVersion $v: result" \
			"$(expected_result "$v" "$WGT_NS_CTR2" 10.64.0.3 fc00:bbbb::3 | LC_ALL=C sort)" \
			"$(sorted_flat "$CNI_OUT")"
		wgt_cni DEL "$cid" "/run/netns/$WGT_NS_CTR2" eth0 "$conf"
		assert_rc "DEL cniVersion $v: exit" 0 "$CNI_RC"
		assert_eq "DEL cniVersion $v: ctr2 back to lo only" lo "$(wgt_links "$WGT_NS_CTR2")"
	done
}
