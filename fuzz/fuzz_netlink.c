/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink replies as nl_request feeds them to the callbacks: a stream of
 * messages checked by nl_reply_fits and libmnl, then the WireGuard GET_DEVICE parser (first
 * byte even) or link_get's RTM_NEWLINK parser (odd).
 */
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "error.h"
#include "fuzz.h"
#include "link.h"
#include "nl.h"
#include "wgkernel.h"

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_info info;
	char name[IFNAMSIZ];

	(void)data;
	return link_parse_reply(nlh, &info, name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgdev_status st;
	void *buf;

	if (size < 1)
		return 0;
	/*
	 * A copy: replies arrive in an aligned receive buffer (malloc's is), data + 1
	 * is not. That buffer (NL_RECV_SIZE) is larger than what was received, and
	 * libmnl reads attributes up to a message's 4-byte aligned end: so is this one.
	 */
	buf = calloc(1, MNL_ALIGN(size));
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	memset(&st, 0, sizeof(st));
	/* nl_request checks this before libmnl sees the buffer. */
	if (nl_reply_fits(buf, size - 1) && (data[0] & 1))
		mnl_cb_run(buf, size - 1, 0, 0, link_cb, NULL);
	else if (nl_reply_fits(buf, size - 1))
		mnl_cb_run(buf, size - 1, 0, 0, wgkernel_parse_device, &st);
	wgdev_status_free(&st);
	free(buf);
	error_clear();
	return 0;
}
