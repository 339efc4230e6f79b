/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GC: remove every attachment of this network that the runtime no longer lists. */
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "cni.h"
#include "plugin.h"

static bool listed(const struct attachment *a, void *data)
{
	const struct cni_request *req = data;
	char key[sizeof(a->container_id) + sizeof(a->ifname) + 2];

	/* Without the list every attachment is stale (CNI 1.1 GC). */
	snprintf(key, sizeof(key), "%s\t%s", a->container_id, a->ifname);
	for (size_t i = 0; i < req->n_valid_attachments; i++)
		if (strcmp(req->valid_attachments[i], key) == 0)
			return true;
	return false;
}

int cmd_gc(const struct verb_input *in)
{
	struct cni_request req = { 0 };
	int r;

	r = cni_request_parse(in->stdin_json, in->stdin_len, &req);
	if (r == 0)
		r = attach_gc(&req.conf, listed, &req);
	cni_request_free(&req);
	return r;
}
