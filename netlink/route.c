/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "error.h"
#include "link.h"
#include "route.h"

static size_t addr_bytes(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

struct nlmsghdr *route_build(void *buf, uint32_t seq, uint16_t type, int ifindex,
			     const struct cidr *dst, uint32_t table)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct cidr net = *dst;
	struct rtmsg *rtm;

	/* IPv4 refuses a destination with host bits set. */
	cidr_mask(&net);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWROUTE)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)net.family;
	rtm->rtm_dst_len = net.prefix;
	/* Tables past 255 only fit in RTA_TABLE. */
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	mnl_attr_put(nlh, RTA_DST, addr_bytes(net.family), net.addr.raw);
	return nlh;
}

static int route_change(struct nl_sock *s, uint16_t type, int ifindex, const struct cidr *dst,
			uint32_t table)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	char text[64], name[IFNAMSIZ + 16];
	int r;

	r = nl_request(s, route_build(buf, nl_next_seq(s), type, ifindex, dst, table), NULL, NULL);
	/* A route already gone is what deleting wants; the caller decides. */
	if (r == 0 || (type == RTM_DELROUTE && r == -ESRCH))
		return r;
	cidr_format(dst, text, sizeof(text));
	link_describe(s, ifindex, name, sizeof(name));
	return error_report(r, CNI_ERR_IO, "%s route %s dev %s table %u",
			    type == RTM_NEWROUTE ? "adding" : "deleting", text, name, table);
}

int route_add(struct nl_sock *s, int ifindex, const struct cidr *dst, uint32_t table)
{
	return route_change(s, RTM_NEWROUTE, ifindex, dst, table);
}

/* -ESRCH, unreported, when there is no such route. */
int route_del(struct nl_sock *s, int ifindex, const struct cidr *dst, uint32_t table)
{
	return route_change(s, RTM_DELROUTE, ifindex, dst, table);
}

struct nlmsghdr *route_build_gateway(void *buf, uint32_t seq, uint16_t type, int ifindex,
				     const struct cidr *dst, const struct cidr *gw,
				     uint32_t table)
{
	struct nlmsghdr *nlh = route_build(buf, seq, type, ifindex, dst, table);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (gw) {
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		mnl_attr_put(nlh, RTA_GATEWAY, addr_bytes(gw->family), gw->addr.raw);
	} else {
		/* The kernel matches what is given: no scope, protocol or gateway is any. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		rtm->rtm_protocol = RTPROT_UNSPEC;
	}
	return nlh;
}

int route_add_gateway(struct nl_sock *s, int ifindex, const struct cidr *dst,
		      const struct cidr *gw, uint32_t table)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	char text[64], via[64], name[IFNAMSIZ + 16];
	int r;

	r = nl_request(s, route_build_gateway(buf, nl_next_seq(s), RTM_NEWROUTE, ifindex, dst, gw,
					      table), NULL, NULL);
	if (r == 0)
		return 0;
	cidr_format(dst, text, sizeof(text));
	cidr_format(gw, via, sizeof(via));
	link_describe(s, ifindex, name, sizeof(name));
	return error_report(r, CNI_ERR_IO, "adding route %s via %s dev %s table %u", text, via,
			    name, table);
}

int route_del_all(struct nl_sock *s, int ifindex, const struct cidr *dst, uint32_t table)
{
	char text[64], name[IFNAMSIZ + 16];
	int removed = 0;

	/* Bounded: a kernel that kept saying yes must not hold the plugin forever. */
	while (removed < 64) {
		uint8_t buf[NL_MSG_MAX] = { 0 };
		int r = nl_request(s, route_build_gateway(buf, nl_next_seq(s), RTM_DELROUTE, ifindex,
							  dst, NULL, table), NULL, NULL);

		if (r == -ESRCH || r == -ENOENT) /* IPv6 says ENOENT */
			return removed;
		if (r < 0) {
			cidr_format(dst, text, sizeof(text));
			link_describe(s, ifindex, name, sizeof(name));
			return error_report(r, CNI_ERR_IO, "deleting routes %s dev %s table %u",
					    text, name, table);
		}
		removed++;
	}
	return removed;
}

struct route_dump {
	int ifindex;
	uint32_t table;
	struct cidr *list;
	size_t n;
};

struct route_attrs {
	uint32_t table, oif;
	const struct nlattr *dst;
};

static int route_attr(const struct nlattr *attr, void *data)
{
	struct route_attrs *a = data;

	switch (mnl_attr_get_type(attr)) {
	case RTA_TABLE:
	case RTA_OIF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		if (mnl_attr_get_type(attr) == RTA_TABLE)
			a->table = mnl_attr_get_u32(attr);
		else
			a->oif = mnl_attr_get_u32(attr);
		return MNL_CB_OK;
	case RTA_DST:
		a->dst = attr;
		return MNL_CB_OK;
	default:
		return MNL_CB_OK;
	}
}

static int route_push(struct route_dump *d, const struct cidr *c)
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

static int route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_dump *d = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_attrs a = { 0 };
	struct cidr c = { 0 };

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (rtm->rtm_type != RTN_UNICAST ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return MNL_CB_OK;
	a.table = rtm->rtm_table;
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr, &a) < 0)
		return MNL_CB_ERROR;
	if ((int)a.oif != d->ifindex || a.table != d->table)
		return MNL_CB_OK;
	c.family = rtm->rtm_family;
	c.prefix = rtm->rtm_dst_len;
	if (a.dst) {
		if (mnl_attr_get_payload_len(a.dst) != addr_bytes(c.family)) {
			errno = EBADMSG;
			return MNL_CB_ERROR;
		}
		memcpy(c.addr.raw, mnl_attr_get_payload(a.dst), addr_bytes(c.family));
	}
	return route_push(d, &c);
}

int route_list(struct nl_sock *s, int ifindex, uint32_t table, struct cidr **out, size_t *n)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route_dump d = { .ifindex = ifindex, .table = table };
	char name[IFNAMSIZ + 16];
	struct rtmsg *rtm;
	int r;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = nl_next_seq(s);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_UNSPEC;

	r = nl_request(s, nlh, route_dump_cb, &d);
	if (r < 0) {
		free(d.list);
		link_describe(s, ifindex, name, sizeof(name));
		return error_report(r, CNI_ERR_IO, "listing routes of %s in table %u", name, table);
	}
	*out = d.list;
	*n = d.n;
	return 0;
}

struct nlmsghdr *rule_build(void *buf, uint32_t seq, uint16_t type, const struct rule *r)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fib_rule_hdr *frh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWRULE)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)r->family;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	frh->action = FR_ACT_TO_TBL;
	frh->flags = r->invert ? FIB_RULE_INVERT : 0;
	/* Priority 0 belongs to the local table's rule: 0 here lets the kernel pick. */
	if (r->priority)
		mnl_attr_put_u32(nlh, FRA_PRIORITY, r->priority);
	mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	if (r->fwmark || r->fwmask) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, r->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, r->fwmask);
	}
	if (r->suppress_prefixlen >= 0)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, (uint32_t)r->suppress_prefixlen);
	return nlh;
}

/* As `ip rule` would show it, for error messages. */
static void rule_format(const struct rule *r, char *buf, size_t len)
{
	char priority[24] = "", mark[48] = "", suppress[40] = "";

	if (r->priority)
		snprintf(priority, sizeof(priority), "priority %u ", r->priority);
	if (r->fwmark || r->fwmask)
		snprintf(mark, sizeof(mark), "%sfwmark 0x%x/0x%x ", r->invert ? "not " : "",
			 r->fwmark, r->fwmask);
	if (r->suppress_prefixlen >= 0)
		snprintf(suppress, sizeof(suppress), " suppress_prefixlength %d",
			 r->suppress_prefixlen);
	snprintf(buf, len, "%s %s%stable %u%s", r->family == AF_INET6 ? "IPv6" : "IPv4", priority,
		 mark, r->table, suppress);
}

static int rule_change(struct nl_sock *s, uint16_t type, const struct rule *r)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	char text[160];
	int err;

	err = nl_request(s, rule_build(buf, nl_next_seq(s), type, r), NULL, NULL);
	if (err == 0 || (type == RTM_DELRULE && err == -ENOENT))
		return err;
	rule_format(r, text, sizeof(text));
	return error_report(err, CNI_ERR_IO, "%s rule \"%s\"",
			    type == RTM_NEWRULE ? "adding" : "deleting", text);
}

int rule_add(struct nl_sock *s, const struct rule *r)
{
	return rule_change(s, RTM_NEWRULE, r);
}

/* -ENOENT, unreported, when there is no such rule. */
int rule_del(struct nl_sock *s, const struct rule *r)
{
	return rule_change(s, RTM_DELRULE, r);
}

bool rule_equal(const struct rule *a, const struct rule *b)
{
	return a->family == b->family && a->priority == b->priority && a->table == b->table &&
	       a->fwmark == b->fwmark && a->fwmask == b->fwmask && a->invert == b->invert &&
	       a->suppress_prefixlen == b->suppress_prefixlen;
}

struct rule_dump {
	struct rule *list;
	size_t n;
};

static int rule_attr(const struct nlattr *attr, void *data)
{
	struct rule *r = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type != FRA_PRIORITY && type != FRA_TABLE && type != FRA_FWMARK && type != FRA_FWMASK &&
	    type != FRA_SUPPRESS_PREFIXLEN)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	if (type == FRA_PRIORITY)
		r->priority = mnl_attr_get_u32(attr);
	else if (type == FRA_TABLE)
		r->table = mnl_attr_get_u32(attr);
	else if (type == FRA_FWMARK)
		r->fwmark = mnl_attr_get_u32(attr);
	else if (type == FRA_FWMASK)
		r->fwmask = mnl_attr_get_u32(attr);
	else
		r->suppress_prefixlen = (int)mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int rule_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_dump *d = data;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct rule r = { .suppress_prefixlen = -1 };
	struct rule *grown;

	if (nlh->nlmsg_type != RTM_NEWRULE)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*frh)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (frh->action != FR_ACT_TO_TBL)
		return MNL_CB_OK;
	r.family = frh->family;
	r.table = frh->table;
	r.invert = frh->flags & FIB_RULE_INVERT;
	if (mnl_attr_parse(nlh, sizeof(*frh), rule_attr, &r) < 0)
		return MNL_CB_ERROR;
	/* The kernel reports "no suppressor" as -1 (0xffffffff) when it reports it at all. */
	if (r.suppress_prefixlen < -1)
		r.suppress_prefixlen = -1;
	grown = realloc(d->list, (d->n + 1) * sizeof(*grown));
	if (!grown) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	grown[d->n++] = r;
	d->list = grown;
	return MNL_CB_OK;
}

int rule_list(struct nl_sock *s, int family, struct rule **out, size_t *n)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rule_dump d = { 0 };
	struct fib_rule_hdr *frh;
	int r;

	nlh->nlmsg_type = RTM_GETRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = nl_next_seq(s);
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)family;
	r = nl_request(s, nlh, rule_dump_cb, &d);
	if (r < 0) {
		free(d.list);
		return error_report(r, CNI_ERR_IO, "listing IPv%d policy rules",
				    family == AF_INET6 ? 6 : 4);
	}
	*out = d.list;
	*n = d.n;
	return 0;
}
