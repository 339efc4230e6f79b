# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# --help everywhere, exit codes, and keys byte-compatible with wg.

case_help() {
	local c out rc
	for c in show import peer genkey genpsk pubkey; do
		out=$("$WGCNI" "$c" --help 2>&1)
		rc=$?
		assert_rc "$c --help exits 0" 0 "$rc"
		assert_match "$c --help prints a usage line" "^Usage: wgcni $c" "$out"
	done
	"$WGCNI" >/dev/null 2>&1
	assert_rc "no subcommand is a usage error" 1 $?
	"$WGCNI" frobnicate >/dev/null 2>&1
	assert_rc "unknown subcommand is a usage error" 1 $?
	"$WGCNI" genkey extra >/dev/null 2>&1
	assert_rc "genkey takes no arguments" 1 $?
}

# The first and last byte as wg genkey leaves them (RFC 7748 clamping).
clamped() {
	local bytes
	bytes=$(base64 -d <<<"$1" | od -An -v -tu1 | tr -s ' \n' ' ')
	read -r -a b <<<"$bytes"
	[ "${#b[@]}" = 32 ] && [ $((b[0] & 7)) = 0 ] && [ $((b[31] & 128)) = 0 ] && [ $((b[31] & 64)) = 64 ]
}

case_keys() {
	local k out rc mism=0 clamp=0 rev=0 psk
	for _ in $(seq 8); do
		k=$("$WGCNI" genkey)
		[ "$(printf '%s\n' "$k" | "$WGCNI" pubkey)" = "$(printf '%s\n' "$k" | wg pubkey)" ] || mism=$((mism + 1))
		clamped "$k" || clamp=$((clamp + 1))
		k=$(wg genkey)
		[ "$(printf '%s\n' "$k" | "$WGCNI" pubkey)" = "$(printf '%s\n' "$k" | wg pubkey)" ] || rev=$((rev + 1))
	done
	assert_eq "wgcni genkey | wgcni pubkey = wg pubkey (8 keys)" 0 "$mism"
	assert_eq "wg genkey | wgcni pubkey = wg pubkey (8 keys)" 0 "$rev"
	assert_eq "genkey output is clamped like wg genkey" 0 "$clamp"

	# A fixed vector, so that both agreeing on a wrong curve would still fail.
	k=$(printf '\x77\x07\x6d\x0a\x73\x18\xa5\x7d\x3c\x16\xc1\x72\x51\xb2\x66\x45\xdf\x4c\x2f\x87\xeb\xc0\x99\x2a\xb1\x77\xfb\xa5\x1d\xb9\x2c\x2a' | base64)
	assert_eq "RFC 7748 alice's public key" \
		"$(printf '\x85\x20\xf0\x09\x89\x30\xa7\x54\x74\x8b\x7d\xdc\xb4\x3e\xf7\x5a\x0d\xbf\x3a\x0d\x26\x38\x1a\xf4\xeb\xa4\xa9\x8e\xaa\x9b\x4e\x6a' | base64)" \
		"$(printf '%s\n' "$k" | "$WGCNI" pubkey)"

	assert_eq "genkey prints 44 characters and a newline" 45 "$("$WGCNI" genkey | wc -c)"
	assert_eq "genpsk prints 44 characters and a newline" 45 "$("$WGCNI" genpsk | wc -c)"
	psk=$("$WGCNI" genpsk)
	assert_eq "genpsk decodes to 32 bytes" 32 "$(base64 -d <<<"$psk" | wc -c)"
	[ "$psk" != "$("$WGCNI" genpsk)" ]
	assert_rc "two genpsk differ" 0 $?

	for k in "short" "$(wg genkey) trailing" "$(wg genkey | tr 'A-Za-z' 'B-ZAb-za' | sed 's/=$/!/')"; do
		out=$(printf '%s\n' "$k" | "$WGCNI" pubkey 2>&1)
		rc=$?
		assert_rc "pubkey refuses \"${k:0:10}...\"" 2 "$rc"
		assert_eq "pubkey's refusal reads like wg's" \
			"$(printf '%s\n' "$k" | wg pubkey 2>&1 | sed 's/^wg:/wgcni:/')" "$out"
	done
	k=$(wg genkey)
	assert_eq "pubkey accepts a key without newline, as wg" "$(printf '%s' "$k" | wg pubkey)" \
		"$(printf '%s' "$k" | "$WGCNI" pubkey)"
}
