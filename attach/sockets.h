/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to attach/: the namespaces and sockets one attachment works through. */
#pragma once

#include <stdbool.h>
#include "nl.h"
#include "state.h"
#include "wgdev.h"

/*
 * Netlink sockets are bound to the namespace they were opened in: open the
 * host's and the container's once, then work through them, instead of
 * switching namespaces back and forth.
 */
struct attach_ctx {
	int netns_fd;              /* container, -1 when unknown or gone */
	struct nl_sock *host_rtnl;
	struct nl_sock *ctr_rtnl;
	struct nl_sock *ctr_genl;  /* kernel backend only */
	struct nl_sock *ctr_nft;
};

/*
 * Open the container namespace at `netns_path` and the sockets for `kind`.
 * With `optional`, a namespace that is gone is not an error: ctx->netns_fd
 * stays -1 and only host-side work is possible.
 */
int attach_ctx_open(struct attach_ctx *ctx, const char *netns_path, enum backend_kind kind,
		    bool optional);
void attach_ctx_close(struct attach_ctx *ctx);

/* A device handle for a recorded attachment. */
void attach_wgdev_from_record(struct wgdev *dev, const struct attachment *rec,
			      const struct attach_ctx *ctx);

/*
 * Remove what a record describes: policy routing, device, helper, kill
 * switch, record, key claim. conf may be NULL (GC): then routes to
 * allowedSubnets stay on a LAN leg that outlives the attachment.
 */
int attach_teardown(const struct attachment *rec, struct attach_ctx *ctx,
		    const struct netconf *conf);
