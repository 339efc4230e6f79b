# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# buildah run --network NET: CNI ADD and DEL around one command. buildah gets private
# storage (vfs, under WGT_DIR) and a private containers.conf (CONTAINERS_CONF) whose CNI
# directories are our net.d and bin/, so nothing of the system's is read or written. Its
# working container is made from scratch with our busybox root filesystem. buildah sends
# CNI_CONTAINERID buildah-buildah<n> and CNI_NETNS /proc/<pid>/fd/<n>.

BUILDAH_C=wgt$WGT_ID-bb

buildah_cmd() {
	CONTAINERS_CONF=$WGT_DIR/containers.conf timeout 90 buildah --root "$WGT_DIR/buildah/root" \
		--runroot "$WGT_DIR/buildah/run" --storage-driver vfs "$@"
}

buildah_setup() {
	local nofile
	nofile=$(ulimit -Hn)
	[ "$nofile" = unlimited ] && nofile=1048576
	# root lacks CAP_SYS_RESOURCE here: the default limits would fail (see podman-setup.sh).
	cat >"$WGT_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["$WGT_DIR/bin"]
network_config_dir = "$WGT_DIR/net.d"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
	buildah_cmd from --name "$BUILDAH_C" scratch >/dev/null &&
		buildah_cmd add "$BUILDAH_C" "$WGT_DIR/rootfs/" / >/dev/null &&
		buildah_cmd config --env PATH=/bin "$BUILDAH_C"
}

buildah_cleanup() {
	[ -d "$WGT_DIR/buildah" ] || return 0
	buildah_cmd rm -a >/dev/null 2>&1
	awk -v d="$WGT_DIR/buildah/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	return 0
}

case_buildah() {
	local out=$WGT_DIR/buildah.out err=$WGT_DIR/buildah.err mark before pid rc rec='' netns='' add='' del
	echo "# --- buildah $(buildah --version 2>/dev/null | awk '{ print $3 }')"
	if ! command -v buildah >/dev/null; then
		unavailable buildah "buildah is not installed: run 'bash scripts/deps.sh --tests'"
		return
	fi
	mkdir -p "$WGT_DIR/buildah"
	if ! buildah_setup >"$WGT_DIR/buildah.setup" 2>&1; then
		unavailable buildah "cannot make a working container: $(tail -n 3 "$WGT_DIR/buildah.setup")"
		return
	fi
	mark=$(rt_mark)
	before=$(server_bytes)
	rm -f "$WGT_DIR/shared/ready" "$WGT_DIR/shared/stop"
	buildah_cmd run --network "$NET" -v "$WGT_DIR/shared:/x" "$BUILDAH_C" -- \
		sh -c "$(rt_probe_script 1)" >"$out" 2>"$err" &
	pid=$!
	# shellcheck disable=SC2034 # read by cleanup in run.sh
	RT_CLIENT_PID=$pid
	if rt_wait_file "$WGT_DIR/shared/ready" "$pid"; then
		rec=$(rt_record_copy buildah)
		add=$(rt_calls "$mark" ADD)
		netns=$(echo "$add" | cut -d'|' -f3)
		check_eq "buildah: one ADD, CNI_CONTAINERID buildah-buildah<n>, CNI_NETNS /proc/<pid>/fd/<n>, eth0; exit 0" \
			yes "$(echo "$add" | grep -Eqx 'ADD\|buildah-buildah[0-9]+\|/proc/[0-9]+/fd/[0-9]+\|eth0\|0\|[0-9]+' &&
				echo yes || echo no)" "$add"
		check_result buildah "$WGT_DIR/calls/$(echo "$add" | cut -d'|' -f6).out" "$netns"
		check_attached buildah "$rec" "$netns"
	else
		fail "buildah: the container never got to its probe (buildah run ended first): $(tail -n 3 "$err")"
	fi
	touch "$WGT_DIR/shared/stop"
	wait "$pid"
	rc=$?
	check_eq "buildah run --network $NET exits 0" 0 "$rc" "$(tail -n 3 "$err")"
	check_probe buildah "$out" "$before"
	del=$(rt_calls "$mark" DEL)
	check_eq "buildah: one DEL with the ADD's id and netns; exit 0" \
		"DEL|$(echo "$add" | cut -d'|' -f2-4)|0" "$(echo "$del" | cut -d'|' -f1-5)"
	check_detached buildah "${rec:-$WGT_DIR/record.none}"
	check_eq "buildah: no CNI result cached for $NET" "" \
		"$(find /var/lib/cni -name "*$NET*" 2>/dev/null)"
}
