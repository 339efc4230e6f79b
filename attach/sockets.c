/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "netns.h"
#include "sockets.h"

struct ctr_open {
	struct attach_ctx *ctx;
	enum backend_kind kind;
	bool optional; /* DEL, GC, a peer change: ADD set the sysctls already */
};

/* Router advertisements must not give the container a route around the tunnel. */
static void disable_accept_ra(void)
{
	static const char *const paths[] = {
		"/proc/sys/net/ipv6/conf/all/accept_ra",
		"/proc/sys/net/ipv6/conf/default/accept_ra",
	};

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		_cleanup_close_ int fd = open(paths[i], O_WRONLY | O_CLOEXEC);

		if (fd >= 0 && write(fd, "0", 1) < 0) {
			/* IPv6 disabled in the namespace: nothing to protect. */
		}
	}
}

static int open_in_container(void *arg)
{
	struct ctr_open *o = arg;
	int r;

	r = nl_open(NETLINK_ROUTE, &o->ctx->ctr_rtnl);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "opening rtnetlink in the container namespace");
	r = nl_open(NETLINK_NETFILTER, &o->ctx->ctr_nft);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "opening nfnetlink in the container namespace");
	if (o->kind == BACKEND_KERNEL) {
		r = nl_open(NETLINK_GENERIC, &o->ctx->ctr_genl);
		if (r < 0)
			return error_report(r, CNI_ERR_IO,
					    "opening generic netlink in the container namespace");
	}
	if (!o->optional)
		disable_accept_ra();
	return 0;
}

int attach_ctx_open(struct attach_ctx *ctx, const char *netns_path, enum backend_kind kind,
		    bool optional)
{
	struct ctr_open o = { .ctx = ctx, .kind = kind, .optional = optional };
	int r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->netns_fd = -1;

	r = nl_open(NETLINK_ROUTE, &ctx->host_rtnl);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "opening rtnetlink in the plugin's namespace");
	if (!netns_path || !netns_path[0])
		return optional ? 0 : error_report(-EINVAL, CNI_ERR_INVALID_ENV, "CNI_NETNS is empty");

	if (optional) {
		/* DEL and GC: a namespace that is gone is normal, not worth a report. */
		int saved = error_recorded();

		ctx->netns_fd = netns_open(netns_path);
		if (ctx->netns_fd < 0) {
			if (!saved)
				error_clear();
			ctx->netns_fd = -1;
			return 0;
		}
	} else {
		ctx->netns_fd = netns_open(netns_path);
		if (ctx->netns_fd < 0)
			return ctx->netns_fd;
	}
	return netns_run(ctx->netns_fd, open_in_container, &o);
}

void attach_ctx_close(struct attach_ctx *ctx)
{
	nl_close(ctx->host_rtnl);
	nl_close(ctx->ctr_rtnl);
	nl_close(ctx->ctr_genl);
	nl_close(ctx->ctr_nft);
	if (ctx->netns_fd >= 0)
		close(ctx->netns_fd);
	memset(ctx, 0, sizeof(*ctx));
	ctx->netns_fd = -1;
}

void attach_wgdev_from_record(struct wgdev *dev, const struct attachment *rec,
			      const struct attach_ctx *ctx)
{
	memset(dev, 0, sizeof(*dev));
	dev->ops = rec->backend == BACKEND_KERNEL ? &wgdev_kernel_ops : &wgdev_userspace_ops;
	snprintf(dev->ifname, sizeof(dev->ifname), "%s",
		 rec->tunnel_ifname[0] ? rec->tunnel_ifname : rec->ifname);
	snprintf(dev->host_ifname, sizeof(dev->host_ifname), "%s", rec->host_ifname);
	dev->netns_fd = ctx->netns_fd;
	dev->host_rtnl = ctx->host_rtnl;
	dev->ctr_rtnl = ctx->ctr_rtnl;
	dev->ctr_genl = ctx->ctr_genl;
	dev->helper_pid = rec->helper_pid;
	dev->helper_start_time = rec->helper_start_time;
	dev->socket_in_container = rec->socket_in_container;
	/* The kernel opens a WireGuard device's socket in the namespace of the socket that creates it. */
	if (rec->socket_in_container && rec->backend == BACKEND_KERNEL)
		dev->host_rtnl = ctx->ctr_rtnl;
}
