/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A "get=1" reply from wireguard-go's UAPI socket: the one text a helper process controls. */
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgdev_status st;

	memset(&st, 0, sizeof(st));
	uapi_parse_get((const char *)data, size, &st);
	wgdev_status_free(&st);
	error_clear();
	return 0;
}
