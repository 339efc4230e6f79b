/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QR codes of a client configuration for the WireGuard mobile apps. The
 * text holds the client's private key: the terminal rendering goes only to
 * stdout, the PNG only to a 0600 file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <qrencode.h>

#include "cli.h"
#include "cleanup.h"
#include "error.h"
#include "key.h"

#define TERMINAL_QUIET 2
#define PNG_QUIET 4
#define PNG_SCALE 8

static void qr_freep(QRcode **q)
{
	if (*q) {
		key_wipe((*q)->data, (size_t)(*q)->width * (*q)->width);
		QRcode_free(*q);
	}
}

static QRcode *encode(const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);

	if (!q)
		error_report(-errno ?: -ENOMEM, CNI_ERR_INTERNAL, "encoding the QR code");
	return q;
}

static bool dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return q->data[y * q->width + x] & 1;
}

/*
 * Two modules a character cell. Light modules are drawn, dark ones left as
 * the background: on the usual dark terminal that gives dark on light.
 */
int qr_print_terminal(FILE *out, const char *text)
{
	static const char *const cell[4] = { "\u2588", "\u2580", "\u2584", " " };
	_cleanup_(qr_freep) QRcode *q = encode(text);
	int size;

	if (!q)
		return -ENOMEM;
	size = q->width + 2 * TERMINAL_QUIET;
	for (int y = 0; y < size; y += 2) {
		for (int x = 0; x < size; x++) {
			int top = dark(q, x - TERMINAL_QUIET, y - TERMINAL_QUIET);
			int bottom = y + 1 < size && dark(q, x - TERMINAL_QUIET, y + 1 - TERMINAL_QUIET);

			fputs(cell[top * 2 + bottom], out);
		}
		fputc('\n', out);
	}
	return 0;
}

int qr_write_png(const char *path, const char *text)
{
	_cleanup_(qr_freep) QRcode *q = encode(text);
	_cleanup_free_ uint8_t *pixels = NULL;
	unsigned size;
	int r;

	if (!q)
		return -ENOMEM;
	size = (unsigned)(q->width + 2 * PNG_QUIET) * PNG_SCALE;
	pixels = malloc((size_t)size * size);
	if (!pixels)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "drawing %s", path);
	for (unsigned y = 0; y < size; y++)
		for (unsigned x = 0; x < size; x++)
			pixels[(size_t)y * size + x] =
				dark(q, (int)(x / PNG_SCALE) - PNG_QUIET,
				     (int)(y / PNG_SCALE) - PNG_QUIET) ? 0 : 255;
	r = png_write(path, pixels, size, size);
	key_wipe(pixels, (size_t)size * size);
	return r;
}
