/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "cleanup.h"
#include "error.h"
#include "io.h"
#include "key.h"

/* A key file is 44 characters and a line ending; anything near this size is already wrong. */
#define KEY_FILE_MAX 128

static void sodium_ready(void)
{
	/* Idempotent. Failing means no key operation can be trusted (libsodium aborts too). */
	if (sodium_init() < 0)
		abort();
}

int key_from_base64(const char *b64, size_t len, uint8_t out[WG_KEY_LEN])
{
	size_t bin_len = 0;

	sodium_ready();
	/* A NULL end pointer makes libsodium refuse any character outside the alphabet. */
	if (len != WG_KEY_B64_LEN ||
	    sodium_base642bin(out, WG_KEY_LEN, b64, len, NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != WG_KEY_LEN) {
		sodium_memzero(out, WG_KEY_LEN);
		return -EINVAL;
	}
	return 0;
}

void key_to_base64(const uint8_t key[WG_KEY_LEN], char out[WG_KEY_B64_LEN + 1])
{
	sodium_bin2base64(out, WG_KEY_B64_LEN + 1, key, WG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

void key_to_hex(const uint8_t key[WG_KEY_LEN], char out[2 * WG_KEY_LEN + 1])
{
	sodium_bin2hex(out, 2 * WG_KEY_LEN + 1, key, WG_KEY_LEN);
}

void key_public(const uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN])
{
	sodium_ready();
	/* libsodium clamps the scalar itself, as the kernel does for an unclamped private key. */
	if (crypto_scalarmult_curve25519_base(pub, priv) != 0)
		sodium_memzero(pub, WG_KEY_LEN);
}

void key_generate_private(uint8_t out[WG_KEY_LEN])
{
	key_generate_psk(out);
	out[0] &= 248;
	out[31] = (out[31] & 127) | 64;
}

void key_generate_psk(uint8_t out[WG_KEY_LEN])
{
	sodium_ready();
	randombytes_buf(out, WG_KEY_LEN);
}

void key_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

/* Follows symlinks (keys in /etc are often links) but judges the file actually opened. */
static int open_key_file(const char *path, const char *field)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	/* O_NONBLOCK: a FIFO planted at the path must not hang the plugin. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return error_report(-errno, CNI_ERR_INVALID_CONFIG, "%s %s", field, path);
	if (fstat(fd, &st) < 0)
		return error_report(-errno, CNI_ERR_IO, "%s %s", field, path);
	if (!S_ISREG(st.st_mode)) {
		error_report(0, CNI_ERR_INVALID_CONFIG, "%s %s: not a regular file", field, path);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		error_report(0, CNI_ERR_INVALID_CONFIG,
			     "%s %s: readable by group or others (mode %04o); chmod 600 it", field,
			     path, (unsigned)(st.st_mode & 07777));
		return -EACCES;
	}
	return TAKE_FD(fd);
}

/* The base64 text without its line ending, or 0 when the shape is wrong. */
static size_t key_text_length(const char *buf, size_t len)
{
	if (len == WG_KEY_B64_LEN)
		return len;
	if (len == WG_KEY_B64_LEN + 1 && buf[WG_KEY_B64_LEN] == '\n')
		return WG_KEY_B64_LEN;
	if (len == WG_KEY_B64_LEN + 2 && buf[WG_KEY_B64_LEN] == '\r' &&
	    buf[WG_KEY_B64_LEN + 1] == '\n')
		return WG_KEY_B64_LEN;
	return 0;
}

int key_read_file(const char *path, const char *field, uint8_t out[WG_KEY_LEN])
{
	_cleanup_close_ int fd = -1;
	char buf[KEY_FILE_MAX];
	ssize_t len;
	int r = -EINVAL;

	sodium_memzero(out, WG_KEY_LEN);
	fd = open_key_file(path, field);
	if (fd < 0)
		return fd;
	len = io_read_up_to(fd, buf, sizeof(buf));
	if (len < 0) {
		r = error_report((int)len, CNI_ERR_IO, "%s %s", field, path);
	} else {
		size_t text = key_text_length(buf, (size_t)len);

		r = text ? key_from_base64(buf, text, out) : -EINVAL;
		if (r < 0)
			error_report(0, CNI_ERR_INVALID_CONFIG, "%s %s: not a base64 WireGuard key",
				     field, path);
	}
	sodium_memzero(buf, sizeof(buf));
	return r;
}
