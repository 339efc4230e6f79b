/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

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

static int link_change(struct nl_sock *s, int ifindex, unsigned flags, unsigned change,
		       uint32_t mtu);

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
	uint8_t buf[NL_MSG_MAX] = { 0 };
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

static void put_no_ipv6_ll(struct nlmsghdr *nlh)
{
	struct nlattr *af_spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *inet6 = mnl_attr_nest_start(nlh, AF_INET6);

	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, inet6);
	mnl_attr_nest_end(nlh, af_spec);
}

static int move_request(struct nl_sock *host, int index, int netns_fd, const char *new_name,
			uint32_t mtu, unsigned want)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = link_build_move(buf, nl_next_seq(host), index, netns_fd, new_name);

	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (want & LINK_MOVE_KEEP_INDEX)
		mnl_attr_put_u32(nlh, IFLA_NEW_IFINDEX, (uint32_t)index);
	/* Applied after the move: the device gets its IPv6 state anew in the target. */
	if (want & LINK_MOVE_NO_IPV6_LL)
		put_no_ipv6_ll(nlh);
	return nl_request(host, nlh, NULL, NULL);
}

/*
 * Each extra is dropped when the kernel refuses it: the index when the
 * target uses it already (-EBUSY), the IPv6 setting when the target has no
 * IPv6 (-EAFNOSUPPORT, checked before anything moves).
 */
int link_move_index(struct nl_sock *host, int index, int netns_fd, const char *new_name,
		    uint32_t mtu, unsigned want, unsigned *done)
{
	int r = new_name ? check_name(new_name) : 0;

	*done = 0;
	if (r < 0)
		return r;
	for (;;) {
		r = move_request(host, index, netns_fd, new_name, mtu, want);
		if (r == -EBUSY && (want & LINK_MOVE_KEEP_INDEX))
			want &= ~LINK_MOVE_KEEP_INDEX;
		else if (r == -EAFNOSUPPORT && (want & LINK_MOVE_NO_IPV6_LL))
			want &= ~LINK_MOVE_NO_IPV6_LL;
		else
			break;
	}
	if (r < 0)
		return r;
	*done = want;
	return 0;
}

int link_move_mtu(struct nl_sock *host, const char *name, int netns_fd, const char *new_name,
		  uint32_t mtu)
{
	struct link_info info;
	unsigned done;
	int r;

	r = check_name(name);
	if (r < 0)
		return r;
	r = link_get(host, name, &info);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "moving %s into the container namespace", name);
	r = link_move_index(host, info.index, netns_fd, new_name, mtu, 0, &done);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "moving %s into the container namespace as %s",
				    name, new_name ? new_name : name);
	return 0;
}

int link_move(struct nl_sock *host, const char *name, int netns_fd, const char *new_name)
{
	return link_move_mtu(host, name, netns_fd, new_name, 0);
}

/* The kernel renames only devices that are down; neither step waits for an RCU grace
 * period the way unregistering a device does (measured: well under a millisecond). */
int link_retire(struct nl_sock *s, const char *ifname, const char *new_name)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh;
	struct link_info info;
	int r = check_name(new_name);

	if (r == 0)
		r = link_get(s, ifname, &info);
	if (r == 0 && (info.flags & IFF_UP))
		r = link_change(s, info.index, 0, IFF_UP, 0);
	if (r == 0) {
		nlh = put_link_header(buf, RTM_NEWLINK, 0, nl_next_seq(s), info.index);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
		r = nl_request(s, nlh, NULL, NULL);
	}
	if (r < 0 && r != -ENODEV)
		return error_report(r, CNI_ERR_IO, "renaming %s to %s", ifname, new_name);
	return r;
}

struct link_reply {
	struct link_info *info;
	char name[IFNAMSIZ];
};

static int copy_string(const struct nlattr *attr, char *out, size_t size)
{
	uint16_t len;

	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	len = mnl_attr_get_payload_len(attr);
	if (len > size) {
		errno = ERANGE;
		return MNL_CB_ERROR;
	}
	memcpy(out, mnl_attr_get_str(attr), len);
	return MNL_CB_OK;
}

static int linkinfo_attr(const struct nlattr *attr, void *data)
{
	struct link_info *info = data;

	if (mnl_attr_get_type(attr) != IFLA_INFO_KIND)
		return MNL_CB_OK;
	return copy_string(attr, info->kind, sizeof(info->kind));
}

static int link_attr(const struct nlattr *attr, void *data)
{
	struct link_reply *reply = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		return copy_string(attr, reply->name, sizeof(reply->name));
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		reply->info->mtu = mnl_attr_get_u32(attr);
		return MNL_CB_OK;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		return mnl_attr_parse_nested(attr, linkinfo_attr, reply->info);
	default:
		return MNL_CB_OK;
	}
}

static int link_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_reply *reply = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	memset(reply->info, 0, sizeof(*reply->info));
	memset(reply->name, 0, sizeof(reply->name));
	reply->info->index = ifi->ifi_index;
	reply->info->flags = ifi->ifi_flags;
	return mnl_attr_parse(nlh, sizeof(*ifi), link_attr, reply);
}

int link_parse_reply(const struct nlmsghdr *nlh, struct link_info *info, char name[IFNAMSIZ])
{
	struct link_reply reply = { .info = info };
	int r = link_reply_cb(nlh, &reply);

	memcpy(name, reply.name, IFNAMSIZ);
	return r;
}

/* One RTM_GETLINK by name (ifindex 0) or by index. */
static int link_query(struct nl_sock *s, const char *ifname, int ifindex, struct link_info *info,
		      char name[IFNAMSIZ])
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = put_link_header(buf, RTM_GETLINK, 0, nl_next_seq(s), ifindex);
	struct link_reply reply = { .info = info };
	int r;

	if (ifname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	/* Statistics and VF details are of no use here and make replies large. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	info->index = 0;
	r = nl_request(s, nlh, link_reply_cb, &reply);
	if (r < 0)
		return r;
	if (info->index <= 0)
		return -ENODEV;
	if (name)
		memcpy(name, reply.name, IFNAMSIZ);
	return 0;
}

int link_get(struct nl_sock *s, const char *ifname, struct link_info *out)
{
	int r = check_name(ifname);

	if (r < 0)
		return r;
	r = link_query(s, ifname, 0, out, NULL);
	/* Absence is an answer, not a failure: callers probe with this. */
	if (r < 0 && r != -ENODEV)
		return error_report(r, CNI_ERR_IO, "reading link %s", ifname);
	return r;
}

int link_get_name(struct nl_sock *s, int ifindex, char name[IFNAMSIZ])
{
	struct link_info info;

	return link_query(s, NULL, ifindex, &info, name);
}

void link_describe(struct nl_sock *s, int ifindex, char *out, size_t len)
{
	char name[IFNAMSIZ];

	if (link_get_name(s, ifindex, name) == 0 && name[0])
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "interface #%d", ifindex);
}

struct link_dump {
	int (*each)(int ifindex, const char *name, void *data);
	void *data;
	int err; /* each's: it stopped the dump */
};

/*
 * each's error is kept here and the transport only told to stop calling: a
 * callback's -1 would read as MNL_CB_ERROR there, a stale errno taken for it.
 */
static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_dump *d = data;
	struct link_info info = { 0 };
	char name[IFNAMSIZ];
	int r = link_parse_reply(nlh, &info, name);

	if (r != MNL_CB_OK || info.index <= 0)
		return r;
	if (!name[0]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	d->err = d->each(info.index, name, d->data);
	return d->err < 0 ? MNL_CB_STOP : MNL_CB_OK;
}

int link_list(struct nl_sock *s, int (*each)(int ifindex, const char *name, void *data),
	      void *data)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = put_link_header(buf, RTM_GETLINK, NLM_F_DUMP, nl_next_seq(s), 0);
	struct link_dump d = { .each = each, .data = data };
	int r;

	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_request(s, nlh, link_dump_cb, &d);
	return d.err < 0 ? d.err : r;
}

static int link_change(struct nl_sock *s, int ifindex, unsigned flags, unsigned change,
		       uint32_t mtu)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = put_link_header(buf, RTM_NEWLINK, 0, nl_next_seq(s), ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_request(s, nlh, NULL, NULL);
}

int link_set_mtu(struct nl_sock *s, int ifindex, uint32_t mtu)
{
	char name[IFNAMSIZ + 16];
	int r = mtu ? link_change(s, ifindex, 0, 0, mtu) : -EINVAL;

	if (r < 0) {
		link_describe(s, ifindex, name, sizeof(name));
		return error_report(r, CNI_ERR_IO, "setting MTU %u on %s", mtu, name);
	}
	return 0;
}

/* The tunnel is layer 3 with no neighbours: no link-local address, no router solicitation. */
int link_set_no_ipv6_ll(struct nl_sock *s, int ifindex)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = put_link_header(buf, RTM_NEWLINK, 0, nl_next_seq(s), ifindex);
	char name[IFNAMSIZ + 16];
	int r;

	put_no_ipv6_ll(nlh);
	r = nl_request(s, nlh, NULL, NULL);
	/* IPv6 disabled in the namespace: there is nothing to switch off. */
	if (r < 0 && r != -EAFNOSUPPORT) {
		link_describe(s, ifindex, name, sizeof(name));
		return error_report(r, CNI_ERR_IO, "turning off IPv6 link-local addresses on %s", name);
	}
	return 0;
}

int link_set_up(struct nl_sock *s, int ifindex)
{
	char name[IFNAMSIZ + 16];
	int r = link_change(s, ifindex, IFF_UP, IFF_UP, 0);

	if (r < 0) {
		link_describe(s, ifindex, name, sizeof(name));
		return error_report(r, CNI_ERR_IO, "bringing %s up", name);
	}
	return 0;
}

int link_set_down(struct nl_sock *s, int ifindex)
{
	char name[IFNAMSIZ + 16];
	int r = link_change(s, ifindex, 0, IFF_UP, 0);

	if (r < 0) {
		link_describe(s, ifindex, name, sizeof(name));
		return error_report(r, CNI_ERR_IO, "bringing %s down", name);
	}
	return 0;
}

struct nlmsghdr *link_build_delete(void *buf, uint32_t seq, const char *ifname)
{
	struct nlmsghdr *nlh = put_link_header(buf, RTM_DELLINK, 0, seq, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return nlh;
}

/* The notification that ends link_delete_unlisted's wait: RTM_DELLINK of that name. */
static int unlisted_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_info info = { 0 };
	struct link_reply reply = { .info = &info };

	if (nlh->nlmsg_type != RTM_DELLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi) ||
	    mnl_attr_parse(nlh, sizeof(*ifi), link_attr, &reply) < 0)
		return MNL_CB_OK;
	return strcmp(reply.name, data) == 0 ? MNL_CB_STOP : MNL_CB_OK;
}

int link_delete_unlisted(struct nl_sock *s, const char *ifname)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	int r = check_name(ifname);

	if (r < 0)
		return r;
	r = nl_request_detached(s, link_build_delete(buf, 0, ifname), RTNLGRP_LINK, unlisted_cb,
				(void *)ifname);
	/* Notifications lost or unreadable: the request is over, ask again the ordinary way. */
	if (r == -ENOBUFS || r == -EBADMSG)
		return link_delete(s, ifname);
	if (r < 0 && r != -ENODEV)
		return error_report(r, CNI_ERR_IO, "deleting link %s", ifname);
	return r;
}

int link_delete(struct nl_sock *s, const char *ifname)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	int r = check_name(ifname);

	if (r < 0)
		return r;
	r = nl_request(s, link_build_delete(buf, nl_next_seq(s), ifname), NULL, NULL);
	/* Already gone is what DEL wants; the caller decides whether it is news. */
	if (r < 0 && r != -ENODEV)
		return error_report(r, CNI_ERR_IO, "deleting link %s", ifname);
	return r;
}
