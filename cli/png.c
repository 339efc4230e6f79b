/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The smallest PNG that viewers and zbarimg read: greyscale, 8 bits, one IDAT, zlib deflate. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "key.h"
#include "peers.h"

static uint8_t *put_chunk(uint8_t *p, const char type[4], const uint8_t *data, uint32_t len)
{
	uint32_t be = htonl(len), crc;

	memcpy(p, &be, 4);
	memcpy(p + 4, type, 4);
	if (len)
		memcpy(p + 8, data, len);
	crc = (uint32_t)crc32(0, p + 4, len + 4);
	be = htonl(crc);
	memcpy(p + 8 + len, &be, 4);
	return p + 12 + len;
}

int png_write(const char *path, const uint8_t *pixels, unsigned w, unsigned h)
{
	static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	size_t raw_len = (size_t)(w + 1) * h;
	_cleanup_free_ uint8_t *raw = malloc(raw_len);
	uLongf packed_len = compressBound(raw_len);
	_cleanup_free_ uint8_t *packed = malloc(packed_len);
	_cleanup_free_ uint8_t *file = NULL;
	uint8_t ihdr[13] = { 0 }, *p;
	uint32_t be;
	int r;

	if (!raw || !packed)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "encoding %s", path);
	/* Each row starts with its filter type: 0, none. */
	for (unsigned y = 0; y < h; y++) {
		raw[(size_t)y * (w + 1)] = 0;
		memcpy(raw + (size_t)y * (w + 1) + 1, pixels + (size_t)y * w, w);
	}
	if (compress2(packed, &packed_len, raw, raw_len, Z_BEST_COMPRESSION) != Z_OK)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "compressing %s", path);
	key_wipe(raw, raw_len);
	be = htonl(w);
	memcpy(ihdr, &be, 4);
	be = htonl(h);
	memcpy(ihdr + 4, &be, 4);
	ihdr[8] = 8; /* bit depth; colour type 0 (grey), deflate, filter 0, no interlace */
	file = malloc(sizeof(signature) + 3 * 12 + sizeof(ihdr) + packed_len);
	if (!file)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "encoding %s", path);
	memcpy(file, signature, sizeof(signature));
	p = put_chunk(file + sizeof(signature), "IHDR", ihdr, sizeof(ihdr));
	p = put_chunk(p, "IDAT", packed, (uint32_t)packed_len);
	p = put_chunk(p, "IEND", NULL, 0);
	r = peers_write_file(path, (const char *)file, (size_t)(p - file), 0600);
	key_wipe(packed, packed_len);
	return r;
}
