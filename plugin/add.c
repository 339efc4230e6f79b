/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ADD: build the tunnel and print the result. Chained after another plugin,
 * the result is the previous plugin's with this one's additions.
 */
#include <stdio.h>

#include <errno.h>
#include <stdio.h>

#include "attach.h"
#include "cni.h"
#include "peers.h"
#include "plugin.h"

int cmd_add(const struct verb_input *in)
{
	struct cni_request req = { 0 };
	struct cni_result *result = NULL;
	int r;

	r = cni_request_parse(in->stdin_json, in->stdin_len, &req);
	if (r == 0)
		r = peers_merge(&req.conf);
	if (r == 0) {
		struct attach_request ar = {
			.conf = &req.conf,
			.container_id = in->env->container_id,
			.netns_path = in->env->netns,
			.ifname = in->env->ifname,
		};

		result = req.prev_result ? req.prev_result : cni_result_new();
		req.prev_result = NULL;
		r = result ? attach_add(&ar, result) : -ENOMEM;
	}
	if (r == 0)
		r = cni_result_print(stdout, result, req.conf.cni_version);
	cni_result_free(result);
	cni_request_free(&req);
	return r;
}
