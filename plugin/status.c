/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STATUS: succeed when an ADD could work now; code 50 otherwise. */
#include <errno.h>
#include <stdio.h>

#include "attach.h"
#include "cni.h"
#include "error.h"
#include "plugin.h"

int cmd_status(const struct verb_input *in)
{
	struct cni_request req = { 0 };
	int r;

	r = cni_request_parse(in->stdin_json, in->stdin_len, &req);
	if (r == 0) {
		r = attach_status(&req.conf);
		if (r < 0) {
			/* Keep the message that names the cause, under the code STATUS uses. */
			char message[1024];

			snprintf(message, sizeof(message), "%s", error_message());
			error_clear();
			error_report(0, CNI_ERR_STATUS_UNAVAILABLE, "%s", message);
		}
	}
	cni_request_free(&req);
	return r;
}
