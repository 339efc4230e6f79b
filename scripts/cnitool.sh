#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build cnitool, the CNI project's test client, and print its path. Debian packages its
# library (golang-github-appc-cni-dev) but not the binary: the source package of the same
# version is fetched through a private apt configuration (a deb-src entry for bookworm
# main; the system's sources are left alone) and built offline against /usr/share/gocode.
# The binary is cached, so a second run only prints the path:
#
#   bash scripts/cnitool.sh        ->  /var/cache/wgcni/cnitool-<version>/cnitool
#
# WGCNI_CACHE overrides /var/cache/wgcni. Needs root, golang-go and
# golang-github-appc-cni-dev (scripts/deps.sh --tests), and the Debian mirror for the source.
set -euo pipefail

die() { printf 'cnitool.sh: error: %s\n' "$*" >&2; exit 1; }

version=$(dpkg-query -W -f='${Version}' golang-github-appc-cni-dev 2>/dev/null) ||
	die "golang-github-appc-cni-dev is not installed: run 'bash scripts/deps.sh --tests'"
[ -n "$version" ] || die "golang-github-appc-cni-dev is not installed: run 'bash scripts/deps.sh --tests'"
cache=${WGCNI_CACHE:-/var/cache/wgcni}/cnitool-$version
if [ -x "$cache/cnitool" ]; then
	echo "$cache/cnitool"
	exit 0
fi
command -v go >/dev/null || die "go is missing: run 'bash scripts/deps.sh --tests'"
[ "$(id -u)" = 0 ] || die "run me as root (apt-get source, $cache)"

work=$(mktemp -d /tmp/wgcni-cnitool.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources" "$work/lists/partial"
cat >"$work/sources/bookworm-src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_private=(-o "Dir::Etc::sourceparts=$work/sources" -o Dir::Etc::sourcelist=/dev/null
	     -o "Dir::State::lists=$work/lists" -o APT::Sandbox::User=root)
apt-get -qq "${apt_private[@]}" update >"$work/apt.log" 2>&1 ||
	die "apt-get update (deb-src bookworm) failed: $(tail -n 3 "$work/apt.log")"
(cd "$work" && apt-get -qq "${apt_private[@]}" source --download-only \
	"golang-github-appc-cni=$version") >>"$work/apt.log" 2>&1 ||
	die "apt-get source golang-github-appc-cni=$version failed: $(tail -n 3 "$work/apt.log")"
orig=$(find "$work" -maxdepth 1 -name 'golang-github-appc-cni_*.orig.tar.*' | head -n 1)
[ -n "$orig" ] || die "no orig tarball in the source package"
mkdir -p "$work/src"
tar -C "$work/src" --strip-components=1 -xf "$orig"
(cd "$work/src" && HOME=$work GOCACHE=$work/gocache GO111MODULE=off GOPATH=/usr/share/gocode \
	GOPROXY=off go build -o "$work/cnitool" ./cnitool/) >"$work/go.log" 2>&1 ||
	die "go build ./cnitool failed: $(tail -n 5 "$work/go.log")"
install -D -m 0755 "$work/cnitool" "$cache/cnitool"
echo "$cache/cnitool"
