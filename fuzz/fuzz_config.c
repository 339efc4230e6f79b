/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plugin's network configuration on stdin, as cni_request_read hands it on. */
#include "cni.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_request req;

	if (cni_request_parse((const char *)data, size, &req) == 0)
		cni_request_free(&req);
	error_clear();
	return 0;
}
