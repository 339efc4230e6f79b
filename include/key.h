/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * WireGuard keys: 32 bytes, base64 on disk. Private keys are read only from
 * files that group and others cannot read, decoded in constant time
 * (libsodium), and wiped by the caller with key_wipe() on every path.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "config.h"

/*
 * Read a key file: 44 base64 characters, an optional trailing newline.
 * `field` names the configuration field in error reports
 * ("privateKeyFile /etc/wgcni/k: readable by group or others").
 * Returns 0, -ENOENT, -EACCES (mode too open or unreadable), -EINVAL.
 */
int key_read_file(const char *path, const char *field, uint8_t out[WG_KEY_LEN]);

/* Decode exactly 44 characters of standard base64 to 32 bytes. 0 or -EINVAL. */
int key_from_base64(const char *b64, size_t len, uint8_t out[WG_KEY_LEN]);
void key_to_base64(const uint8_t key[WG_KEY_LEN], char out[WG_KEY_B64_LEN + 1]);
void key_to_hex(const uint8_t key[WG_KEY_LEN], char out[2 * WG_KEY_LEN + 1]);

/* Curve25519 public key of a (clamped on use) private key. */
void key_public(const uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN]);
/* A new private key, clamped as `wg genkey` does; or 32 random bytes for a PSK. */
void key_generate_private(uint8_t out[WG_KEY_LEN]);
void key_generate_psk(uint8_t out[WG_KEY_LEN]);

void key_wipe(void *p, size_t len);
