/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DEL: remove the attachment. Succeeds when it is already gone, when the
 * namespace is gone or not given, and when no ADD came before.
 */
#include "attach.h"
#include "cni.h"
#include "plugin.h"

int cmd_del(const struct verb_input *in)
{
	struct cni_request req = { 0 };
	int r;

	r = cni_request_parse(in->stdin_json, in->stdin_len, &req);
	if (r == 0) {
		struct attach_request ar = {
			.conf = &req.conf,
			.container_id = in->env->container_id,
			.netns_path = in->env->netns,
			.ifname = in->env->ifname,
		};

		r = attach_del(&ar);
	}
	cni_request_free(&req);
	return r;
}
