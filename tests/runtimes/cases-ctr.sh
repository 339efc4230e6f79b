# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# containerd's `ctr run --cni`: a private containerd (its own root, state and socket under
# WGT_DIR, the CRI plugin off), an OCI image of busybox made by hand and imported with
# `ctr image import`, and ctr run in a mount namespace of its own where our net.d is
# /etc/cni/net.d and our bin/ is /usr/lib/cni (ctr takes the first configuration file and
# has no flag to pick one). ctr sends CNI_CONTAINERID <namespace>-<id>, CNI_NETNS
# /proc/<task pid>/ns/net, and DEL with an EMPTY CNI_NETNS after the task is gone.

CTRD_DIR=
CTRD_PID=
CTR_NS=wgt$WGT_ID
CTR_ID=c$WGT_ID
CTR_IMAGE=localhost/wgt$WGT_ID-bb:latest

ctr_cmd() {
	timeout 60 ctr --address "$CTRD_DIR/containerd.sock" -n "$CTR_NS" "$@"
}

containerd_start() {
	CTRD_DIR=$WGT_DIR/containerd
	mkdir -p "$CTRD_DIR" || return 1
	cat >"$CTRD_DIR/config.toml" <<EOF
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTRD_DIR/containerd.sock"
[ttrpc]
  address = "$CTRD_DIR/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD_DIR/opt"
EOF
	containerd --config "$CTRD_DIR/config.toml" </dev/null >"$CTRD_DIR/log" 2>&1 &
	CTRD_PID=$!
	for _ in $(seq 100); do
		ctr --address "$CTRD_DIR/containerd.sock" version >/dev/null 2>&1 && return 0
		wgt_pid_gone "$CTRD_PID" && break
		sleep 0.2
	done
	echo "containerd did not answer: $(tail -n 3 "$CTRD_DIR/log")"
	return 1
}

# Our task and container, the daemon, its shims (found by our socket in their argv), and
# any mount left under its root. Safe to call more than once and after a partial start.
containerd_stop() {
	local pid
	[ -n "$CTRD_DIR" ] || return 0
	if [ -n "$CTRD_PID" ] && ! wgt_pid_gone "$CTRD_PID"; then
		ctr_cmd task kill -s KILL "$CTR_ID" >/dev/null 2>&1
		ctr_cmd task rm -f "$CTR_ID" >/dev/null 2>&1
		ctr_cmd container rm "$CTR_ID" >/dev/null 2>&1
	fi
	wgt_stop_pid "$CTRD_PID"
	CTRD_PID=
	for pid in $(ps -eo pid=,args= | awk -v a="$CTRD_DIR/containerd.sock" \
		'$2 ~ /containerd-shim/ && index($0, a) { print $1 }'); do
		wgt_stop_pid "$pid"
	done
	awk -v d="$CTRD_DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	return 0
}

# An OCI image layout of WGT_DIR/rootfs (one uncompressed layer) in a tar; prints its path.
ctr_image_archive() {
	local d=$WGT_DIR/oci lsha lsize csha csize msha msize
	mkdir -p "$d/layout/blobs/sha256"
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$WGT_DIR/rootfs" \
		-cf "$d/layer.tar" . || return 1
	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$(sha256sum <"$d/layer.tar" | cut -d' ' -f1)" >"$d/config.json"
	read -r lsha lsize < <(oci_blob "$d" layer.tar)
	read -r csha csize < <(oci_blob "$d" config.json)
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"$csha" "$csize" "$lsha" "$lsize" >"$d/manifest.json"
	read -r msha msize < <(oci_blob "$d" manifest.json)
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' \
		"$msha" "$msize" "$CTR_IMAGE" >"$d/layout/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/layout/oci-layout"
	tar -C "$d/layout" -cf "$d/image.tar" . || return 1
	echo "$d/image.tar"
}

# oci_blob DIR FILE: move DIR/FILE into the layout's blobs; print "sha256-hex size".
oci_blob() {
	local sha size
	sha=$(sha256sum <"$1/$2" | cut -d' ' -f1)
	size=$(stat -c %s "$1/$2")
	mv "$1/$2" "$1/layout/blobs/sha256/$sha"
	echo "$sha $size"
}

case_ctr() {
	local out=$WGT_DIR/ctr.out err=$WGT_DIR/ctr.err mark before pid rc rec='' netns add del
	local archive taskpid
	echo "# --- ctr (containerd $(containerd --version 2>/dev/null | awk '{ print $3 }'))"
	if ! command -v ctr >/dev/null || ! command -v containerd >/dev/null; then
		unavailable ctr "ctr/containerd are not installed: run 'bash scripts/deps.sh --tests'"
		return
	fi
	if ! containerd_start >"$WGT_DIR/containerd.start" 2>&1; then
		unavailable ctr "a private containerd cannot start here: $(cat "$WGT_DIR/containerd.start")"
		return
	fi
	if ! archive=$(ctr_image_archive) || ! ctr_cmd image import "$archive" >"$WGT_DIR/ctr.import" 2>&1; then
		unavailable ctr "cannot import the busybox image: $(tail -n 3 "$WGT_DIR/ctr.import" 2>/dev/null)"
		return
	fi
	[ -d /etc/cni/net.d ] || mkdir -p /etc/cni/net.d

	mark=$(rt_mark)
	before=$(server_bytes)
	rm -f "$WGT_DIR/shared/ready" "$WGT_DIR/shared/stop"
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare -m bash -c 'mount --bind "$1" /etc/cni/net.d && mount --bind "$2" /usr/lib/cni && shift 2 &&
		exec timeout 90 "$@"' - "$WGT_DIR/net.d" "$WGT_DIR/bin" \
		ctr --address "$CTRD_DIR/containerd.sock" -n "$CTR_NS" run --cni --rm \
		--mount "type=bind,src=$WGT_DIR/shared,dst=/x,options=rbind:rw" \
		"$CTR_IMAGE" "$CTR_ID" sh -c "$(rt_probe_script 1)" >"$out" 2>"$err" &
	pid=$!
	# shellcheck disable=SC2034 # read by cleanup in run.sh
	RT_CLIENT_PID=$pid
	if rt_wait_file "$WGT_DIR/shared/ready" "$pid"; then
		rec=$(rt_record_copy ctr)
		taskpid=$(ctr_cmd task ls 2>/dev/null | awk -v id="$CTR_ID" '$1 == id { print $2 }')
		netns=/proc/${taskpid:-?}/ns/net
		add=$(rt_calls "$mark" ADD)
		check_eq "ctr: one ADD with CNI_CONTAINERID <namespace>-<id>, the task's netns, eth0; exit 0" \
			"ADD|$CTR_NS-$CTR_ID|$netns|eth0|0" "$(echo "$add" | cut -d'|' -f1-5)"
		check_result ctr "$WGT_DIR/calls/$(echo "$add" | cut -d'|' -f6).out" "$netns"
		check_attached ctr "$rec" "$netns"
	else
		fail "ctr: the container never got to its probe (ctr run ended first): $(tail -n 3 "$err")"
	fi
	touch "$WGT_DIR/shared/stop"
	wait "$pid"
	rc=$?
	check_eq "ctr run --cni --rm exits 0" 0 "$rc" "$(tail -n 3 "$err")"
	check_probe ctr "$out" "$before"
	del=$(rt_calls "$mark" DEL)
	check_eq "ctr: one DEL, with an EMPTY CNI_NETNS (task gone), same id; exit 0" \
		"DEL|$CTR_NS-$CTR_ID||eth0|0" "$(echo "$del" | cut -d'|' -f1-5)"
	check_detached ctr "${rec:-$WGT_DIR/record.none}"
	check_eq "ctr: no task or container left in namespace $CTR_NS" "" \
		"$(ctr_cmd task ls -q 2>/dev/null; ctr_cmd container ls -q 2>/dev/null)"
}
