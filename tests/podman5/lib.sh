# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Helpers of the podman5 suite, on top of tests/podman/{server,lib}.sh.

# podman 5 in the root: the plugin directory, cgroupfs (no systemd), vfs storage on the
# tmpfs run.sh mounted, and a busybox image. The files are the root's own (the host's
# podman is not involved); the cleanup process podman leaves to conmon reads them too.
p5_podman_setup() {
	local dir=/tmp/bb-image applet
	mkdir -p /etc/containers
	cat >/etc/containers/containers.conf <<-EOF
	# Written by wgcni tests/podman5
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	runtime = "crun"
	[network]
	netavark_plugin_dirs = ["$PLUGIN_DIR"]
	EOF
	cat >/etc/containers/storage.conf <<-EOF
	# Written by wgcni tests/podman5
	[storage]
	driver = "vfs"
	runroot = "/run/containers/storage"
	graphroot = "/var/lib/containers/storage"
	EOF
	rm -rf "$dir"
	mkdir -p "$dir/root/bin" "$dir/root/etc" "$dir/root/tmp"
	cp /bin/busybox "$dir/root/bin/"
	for applet in $("$dir/root/bin/busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$dir/root/bin/$applet"
	done
	tar -C "$dir/root" -cf "$dir/bb.tar" . &&
		podman import --quiet --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
			"$dir/bb.tar" localhost/bb:latest >/dev/null
}

# Everything of ours that could outlive a container, one a line: wgc* links, UAPI sockets
# and wireguard-go helpers (host_wg_objects), nft tables and network namespaces of the host
# (here: the private one) but netavark's own, podman's containers, attachment records and key claims.
p5_residue() {
	host_wg_objects
	# netavark keeps its own table once the podman bridge has been used.
	nft list tables 2>/dev/null | grep -vx 'table inet netavark' | sed 's/^/nft /'
	find /run/netns -mindepth 1 -printf 'netns %f\n' 2>/dev/null | sort
	podman ps -aq 2>/dev/null | sed 's/^/container /'
	find /run/wgcni -mindepth 2 -type f 2>/dev/null | sed 's/^/state /'
}

# p5_create NAME -o ... : podman network create -d wireguard; output in $WGT_DIR/create.out.
p5_create() {
	local name=$1
	shift
	podman_t 30 network create -d wireguard "$@" "$name" >"$WGT_DIR/create.out" 2>&1
}

# p5_plugin VERB NETNS CONTAINER_ID NETWORK_JSON: run the plugin as netavark does.
p5_plugin() {
	printf '{"container_id":"%s","container_name":"t","port_mappings":[],"network":%s,"network_options":{"aliases":[],"interface_name":"eth0","options":null}}\n' \
		"$3" "$4" | "$PLUGIN_DIR/wireguard" "$1" "$2"
}

# p5_fetch_token NETWORK [PODMAN-RUN-ARGS...]: the server's page, fetched by a container.
p5_fetch_token() {
	local net=$1
	shift
	podman_t 30 run --rm --network "$net" "$@" localhost/bb \
		sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 $WGT_SRV_V4 80 | tail -n 1" 2>&1
}
