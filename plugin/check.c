/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CHECK: fail, naming it, when anything ADD set up differs from the configuration. */
#include <errno.h>
#include <stdio.h>

#include "attach.h"
#include "cni.h"
#include "error.h"
#include "peers.h"
#include "plugin.h"

int cmd_check(const struct verb_input *in)
{
	struct cni_request req = { 0 };
	int r;

	r = cni_request_parse(in->stdin_json, in->stdin_len, &req);
	if (r == 0 && !req.prev_result)
		r = error_config("prevResult: required by CHECK");
	if (r == 0)
		r = peers_merge(&req.conf);
	if (r == 0) {
		struct attach_request ar = {
			.conf = &req.conf,
			.container_id = in->env->container_id,
			.netns_path = in->env->netns,
			.ifname = in->env->ifname,
		};

		r = attach_check(&ar);
	}
	cni_request_free(&req);
	return r;
}
