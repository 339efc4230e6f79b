/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel backend: the device is an rtnetlink link of kind "wireguard",
 * configured through the "wireguard" generic netlink family. The family
 * finds devices in the namespace of the socket it is asked through, so
 * everything after creation goes through the container's sockets.
 */
#include <errno.h>
#include <string.h>
#include <linux/wireguard.h>

#include "error.h"
#include "key.h"
#include "link.h"
#include "wgkernel.h"

/*
 * Generic netlink family ids are the same in every namespace: the one found
 * by wgdev_kernel_available() (the backend's selection) serves the container's
 * socket too, one round trip less.
 */
static uint16_t known_family;

static int family_id(struct nl_sock *genl, uint16_t *id)
{
	int r;

	if (!genl)
		return error_report(-EINVAL, CNI_ERR_INTERNAL,
				    "no generic netlink socket in the container namespace");
	if (known_family) {
		*id = known_family;
		return 0;
	}
	r = nl_genl_family(genl, WG_GENL_NAME, id);
	if (r == -ENOENT)
		return error_report(r, CNI_ERR_IO, "the kernel has no WireGuard module "
				    "(generic netlink family \"" WG_GENL_NAME "\")");
	if (r < 0)
		return error_report(r, CNI_ERR_IO,
				    "looking up the \"" WG_GENL_NAME "\" generic netlink family");
	return 0;
}

static int kernel_configure(struct wgdev *dev, const struct wgdev_config *cfg)
{
	struct wgkernel_cursor cur = { 0 };
	uint8_t buf[NL_MSG_MAX] = { 0 };
	uint16_t family;
	int r = family_id(dev->ctr_genl, &family);

	while (r == 0 && !wgkernel_set_done(&cur, cfg)) {
		struct nlmsghdr *nlh = wgkernel_build_set(buf, sizeof(buf),
							  nl_next_seq(dev->ctr_genl), family,
							  dev->ifname, cfg, &cur);

		r = nlh ? nl_request(dev->ctr_genl, nlh, NULL, NULL) : -EMSGSIZE;
		key_wipe(buf, sizeof(buf));
		if (r < 0)
			return error_report(r, CNI_ERR_IO, "configuring WireGuard device %s",
					    dev->ifname);
	}
	return r;
}

static int kernel_create(struct wgdev *dev, const struct wgdev_config *cfg, uint32_t mtu)
{
	int r = link_create_wireguard(dev->host_rtnl, dev->netns_fd, dev->ifname, mtu);

	if (r < 0)
		return r;
	r = kernel_configure(dev, cfg);
	/* Undo the creation: a device without its key and peers is no use to anyone. */
	if (r < 0 && dev->ctr_rtnl)
		link_delete(dev->ctr_rtnl, dev->ifname);
	return r;
}

static int kernel_get(struct wgdev *dev, struct wgdev_status *out)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	uint16_t family;
	int r;

	memset(out, 0, sizeof(*out));
	r = family_id(dev->ctr_genl, &family);
	if (r < 0)
		return r;
	r = nl_request(dev->ctr_genl,
		       wgkernel_build_get(buf, nl_next_seq(dev->ctr_genl), family, dev->ifname),
		       wgkernel_parse_device, out);
	if (r < 0) {
		wgdev_status_free(out);
		memset(out, 0, sizeof(*out));
		return error_report(r, CNI_ERR_IO, "reading WireGuard device %s", dev->ifname);
	}
	return 0;
}

/*
 * The device lives and dies with the container namespace: gone with it is
 * done. Done, too, once it is unlisted: the kernel's teardown that follows
 * holds nothing a following ADD could trip on (the UDP socket went with
 * ndo_stop, before the unlisting).
 */
static int kernel_destroy(struct wgdev *dev)
{
	int r;

	if (!dev->ctr_rtnl)
		return 0;
	r = link_delete_unlisted(dev->ctr_rtnl, dev->ifname);
	return r == -ENODEV ? 0 : r;
}

bool wgdev_kernel_available(void)
{
	_cleanup_nl_ struct nl_sock *genl = NULL;
	uint16_t id;

	if (nl_open(NETLINK_GENERIC, &genl) < 0 || nl_genl_family(genl, WG_GENL_NAME, &id) < 0)
		return false;
	known_family = id;
	return true;
}

const struct wgdev_ops wgdev_kernel_ops = {
	.name = "kernel",
	.kind = BACKEND_KERNEL,
	.create = kernel_create,
	.configure = kernel_configure,
	.get = kernel_get,
	.destroy = kernel_destroy,
};
