/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "cleanup.h"
#include "error.h"
#include "link.h"
#include "route.h"

static size_t addr_bytes(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

struct nlmsghdr *addr_build_add(void *buf, uint32_t seq, int ifindex, const struct cidr *addr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	/* The tunnel has no neighbours to detect duplicates with: without
	 * NODAD the address stays tentative and cannot be bound for a while. */
	uint32_t flags = addr->family == AF_INET6 ? IFA_F_NODAD : 0;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_prefixlen = addr->prefix;
	ifa->ifa_flags = (uint8_t)flags;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, addr_bytes(addr->family), addr->addr.raw);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_bytes(addr->family), addr->addr.raw);
	mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	return nlh;
}

int addr_add(struct nl_sock *s, int ifindex, const struct cidr *addr)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	char text[64], name[IFNAMSIZ + 16];
	int r;

	r = nl_request(s, addr_build_add(buf, nl_next_seq(s), ifindex, addr), NULL, NULL);
	if (r < 0) {
		cidr_format(addr, text, sizeof(text));
		link_describe(s, ifindex, name, sizeof(name));
		return error_report(r, CNI_ERR_IO, "adding address %s to %s", text, name);
	}
	return 0;
}

struct addr_dump {
	int ifindex;
	struct cidr *list;
	size_t n;
};

struct addr_attrs {
	const struct nlattr *local, *address;
};

static int addr_attr(const struct nlattr *attr, void *data)
{
	struct addr_attrs *a = data;

	if (mnl_attr_get_type(attr) == IFA_LOCAL)
		a->local = attr;
	else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
		a->address = attr;
	return MNL_CB_OK;
}

static int addr_push(struct addr_dump *d, const struct cidr *c)
{
	struct cidr *grown = realloc(d->list, (d->n + 1) * sizeof(*grown));

	if (!grown) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	grown[d->n++] = *c;
	d->list = grown;
	return MNL_CB_OK;
}

static int addr_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_dump *d = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_attrs a = { 0 };
	const struct nlattr *attr;
	struct cidr c = { 0 };

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if ((int)ifa->ifa_index != d->ifindex || ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, &a) < 0)
		return MNL_CB_ERROR;
	/* IFA_ADDRESS is the peer's on point-to-point links; IFA_LOCAL is ours. */
	attr = a.local ? a.local : a.address;
	if (!attr)
		return MNL_CB_OK;
	c.family = ifa->ifa_family;
	c.prefix = ifa->ifa_prefixlen;
	if (mnl_attr_get_payload_len(attr) != addr_bytes(c.family)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	memcpy(c.addr.raw, mnl_attr_get_payload(attr), addr_bytes(c.family));
	return addr_push(d, &c);
}

int addr_list(struct nl_sock *s, int ifindex, struct cidr **out, size_t *n)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_dump d = { .ifindex = ifindex };
	struct ifaddrmsg *ifa;
	char name[IFNAMSIZ + 16];
	int r;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = nl_next_seq(s);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;

	r = nl_request(s, nlh, addr_dump_cb, &d);
	if (r < 0) {
		free(d.list);
		link_describe(s, ifindex, name, sizeof(name));
		return error_report(r, CNI_ERR_IO, "listing addresses of %s", name);
	}
	*out = d.list;
	*n = d.n;
	return 0;
}
