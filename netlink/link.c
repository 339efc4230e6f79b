/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "error.h"
#include "link.h"

static struct nlmsghdr *put_link_header(void *buf, uint16_t type, uint16_t flags, uint32_t seq,
					int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

struct nlmsghdr *link_build_create_wireguard(void *buf, uint32_t seq, int netns_fd,
					     const char *ifname, uint32_t mtu)
{
	struct nlmsghdr *nlh = put_link_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, seq, 0);
	struct nlattr *linkinfo;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, linkinfo);
	return nlh;
}

/* With an ifindex given, IFLA_IFNAME is a rename, done after the move, in the target. */
struct nlmsghdr *link_build_move(void *buf, uint32_t seq, int ifindex, int netns_fd,
				 const char *new_name)
{
	struct nlmsghdr *nlh = put_link_header(buf, RTM_NEWLINK, 0, seq, ifindex);

	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	if (new_name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
	return nlh;
}

static int check_name(const char *ifname)
{
	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ)
		return error_report(-EINVAL, CNI_ERR_INVALID_CONFIG,
				    "interface name \"%s\": empty or longer than %d characters",
				    ifname ? ifname : "", IFNAMSIZ - 1);
	return 0;
}

int link_create_wireguard(struct nl_sock *host, int netns_fd, const char *ifname, uint32_t mtu)
{
	uint8_t buf[NL_MSG_MAX];
	int r = check_name(ifname);

	if (r < 0)
		return r;
	r = nl_request(host, link_build_create_wireguard(buf, nl_next_seq(host), netns_fd, ifname,
							 mtu), NULL, NULL);
	if (r == -EOPNOTSUPP)
		return error_report(r, CNI_ERR_IO, "creating WireGuard device %s: "
				    "the kernel has no wireguard module", ifname);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "creating WireGuard device %s", ifname);
	return 0;
}

int link_move(struct nl_sock *host, const char *name, int netns_fd, const char *new_name)
{
	uint8_t buf[NL_MSG_MAX];
	struct link_info info;
	int r;

	r = check_name(name);
	if (r == 0 && new_name)
		r = check_name(new_name);
	if (r < 0)
		return r;
	r = link_get(host, name, &info);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "moving %s into the container namespace", name);
	r = nl_request(host, link_build_move(buf, nl_next_seq(host), info.index, netns_fd, new_name),
		       NULL, NULL);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "moving %s into the container namespace as %s",
				    name, new_name ? new_name : name);
	return 0;
}
