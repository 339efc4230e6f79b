#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wgcni in one minute: podman runs a container whose only network is a WireGuard tunnel
# made by the `wireguard` CNI plugin. The container reaches a web server on the far side
# of the tunnel, and nothing else: a "LAN" next door that the host itself can reach never
# sees a packet from it.
#
#   bash scripts/demo.sh              (root: installs packages, builds, installs the
#                                      plugin in /usr/lib/cni, then runs the demo)
#   bash scripts/demo.sh --no-build   (use the plugin already installed)
#   WGCNI_CNI_DIR=DIR bash scripts/demo.sh --no-build
#
# Everything the demo creates goes away when it exits (the busybox image stays).
set -u

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
plugin_dir=${WGCNI_CNI_DIR:-/usr/lib/cni}
NET=wgcni-demo
KEY_DIR=/etc/wgcni/demo
CONFLIST=/etc/cni/net.d/$NET.conflist
CONTAINER=wgcni-demo-$$
# shellcheck source=tests/podman/server.sh
. "$src/tests/podman/server.sh"

if [ -t 1 ]; then
	bold=$'\e[1m' green=$'\e[32m' red=$'\e[31m' plain=$'\e[0m'
else
	bold='' green='' red='' plain=''
fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
good() { printf '    %s✔ %s%s\n' "$green" "$*" "$plain"; }
bad() { printf '    %s✘ %s%s\n' "$red" "$*" "$plain"; failures=$((failures + 1)); }
die() { printf '%sdemo: %s%s\n' "$red" "$*" "$plain" >&2; exit 1; }
indent() { sed 's/^/    /'; }
failures=0
created_etc_wgcni=no

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	trap - EXIT INT TERM
	podman rm -f -t 0 "$CONTAINER" >/dev/null 2>&1
	rm -f "$CONFLIST"
	rmdir "/run/wgcni/attachments/$NET" 2>/dev/null
	rm -rf "$KEY_DIR"
	[ "$created_etc_wgcni" = yes ] && rmdir /etc/wgcni 2>/dev/null
	wgt_topology_stop
	printf '\nCleaned up: server and LAN namespaces, %s, keys in %s.\n' "$CONFLIST" "$KEY_DIR"
}

[ "$(id -u)" = 0 ] || die "please run as root (rootful podman and network namespaces)"
if [ "${1:-}" != --no-build ]; then
	step "Installing packages, building wgcni and installing the plugin"
	bash "$src/scripts/deps.sh" --demo || die "installing packages failed"
	[ -d "$src/build" ] || meson setup "$src/build" >/dev/null || die "meson setup failed"
	ninja -C "$src/build" >/dev/null || die "the build failed"
	meson install -C "$src/build" --quiet || die "installing the plugin failed"
	good "plugin installed in /usr/lib/cni/wireguard"
fi
[ -x "$plugin_dir/wireguard" ] ||
	die "no plugin at $plugin_dir/wireguard: run 'ninja -C build install' (or set WGCNI_CNI_DIR)"
for tool in podman wireguard-go wg nft busybox; do
	command -v "$tool" >/dev/null || die "$tool is missing: run 'bash scripts/deps.sh --demo'"
done
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Setting up rootful podman with the CNI backend (plugin directory $plugin_dir)"
bash "$src/scripts/podman-setup.sh" "$plugin_dir" 2>&1 | indent
[ "${PIPESTATUS[0]}" = 0 ] || die "podman set-up failed"

step "Generating the container's WireGuard key in $KEY_DIR"
[ -d /etc/wgcni ] || created_etc_wgcni=yes
mkdir -p "$KEY_DIR" && chmod 0700 "$KEY_DIR"
wgt_keypair "$KEY_DIR" container
echo "    private key: $KEY_DIR/container (mode $(stat -c %a "$KEY_DIR/container"), never printed)"
echo "    public key:  $(cat "$KEY_DIR/container.pub")"

step "Starting a WireGuard server (wireguard-go) in namespace $WGT_SRV_NS"
wgt_server_start "$(cat "$KEY_DIR/container.pub")" || die "could not start the server"
echo "    listens on UDP 127.0.0.1:$WGT_SRV_PORT, tunnel address $WGT_SRV_V4, serves http://$WGT_SRV_V4/"
echo "    the page says: $WGT_TOKEN"

step "Building a LAN next door (namespace $WGT_LAN_NS, $WGT_LAN_V4) that the container must not reach"
wgt_lan_start || die "could not build the LAN namespace"
lan_page=$(printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 3 "$WGT_LAN_V4" "$WGT_LAN_PORT" | tail -n 1)
echo "    from the host, http://$WGT_LAN_V4:$WGT_LAN_PORT/ answers: ${lan_page:-nothing}"
lan_before=$(wgt_lan_packets | cut -d' ' -f1)

step "Writing the CNI network $CONFLIST"
wgt_conflist "$NET" "$KEY_DIR/container" >"$CONFLIST"
indent <"$CONFLIST"

step "podman run --rm --network $NET localhost/bb ..."
# shellcheck disable=SC2016
inside='
echo "--- inside the container: interfaces"; ip addr
echo "--- IPv4 routes"; ip route show table main
echo "--- IPv6 routes"; ip -6 route show table main
echo "--- GET http://$SRV/ through the tunnel"
printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 "$SRV" 80
echo "--- trying the LAN at $LAN:$PORT (must fail)"
if printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 "$LAN" "$PORT" 2>&1; then echo "LAN ANSWERED"; fi
'
out=$(podman run --rm --name "$CONTAINER" --network "$NET" -e SRV="$WGT_SRV_V4" \
	-e LAN="$WGT_LAN_V4" -e PORT="$WGT_LAN_PORT" localhost/bb sh -c "$inside" 2>&1)
rc=$?
indent <<<"$out"
[ "$rc" = 0 ] || die "podman run failed (exit $rc)"

step "What happened"
if grep -qxF "$WGT_TOKEN" <<<"$out"; then
	good "the container fetched the server's page through the tunnel"
else
	bad "the container did not get the server's page"
fi
handshake=$(wg show "$WGT_SRV_IF" latest-handshakes | awk '{ print $2 }')
if [ "${handshake:-0}" -gt 0 ]; then
	good "the server saw a WireGuard handshake from the container's key"
else
	bad "the server saw no handshake"
fi
if grep -q "LAN ANSWERED\|lan-$WGT_ID" <<<"$out"; then
	bad "the container reached the LAN: that is a leak"
else
	good "the container could not reach the LAN"
fi
lan_after=$(wgt_lan_packets | cut -d' ' -f1)
if [ "$lan_after" = "$lan_before" ]; then
	good "the LAN namespace counted 0 packets from the container"
else
	bad "the LAN namespace counted $((lan_after - lan_before)) packets from the container"
fi
if [ "$(grep -c '^[0-9]*: ' <<<"$out")" = 2 ]; then
	good "inside, the only interfaces are lo and eth0 (the tunnel)"
else
	bad "the container has other interfaces than lo and eth0"
fi

if [ "$failures" = 0 ]; then
	printf '\n%sDemo OK.%s The plugin is %s/wireguard; see examples/compose for compose.\n' \
		"$bold" "$plain" "$plugin_dir"
	exit 0
fi
printf '\n%sDemo FAILED (%d problems).%s\n' "$red" "$failures" "$plain"
exit 1
