/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses, routes and policy rules over rtnetlink. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "nl.h"

/* Add an address to ifindex (IPv6: IFA_F_NODAD, the tunnel has no neighbours). */
int addr_add(struct nl_sock *s, int ifindex, const struct cidr *addr);
/* All addresses of ifindex (scope global), allocated array in *out. */
int addr_list(struct nl_sock *s, int ifindex, struct cidr **out, size_t *n);

/* A route to dst out of ifindex (scope link, no gateway) in `table` (RT_TABLE_MAIN = 254). */
int route_add(struct nl_sock *s, int ifindex, const struct cidr *dst, uint32_t table);
int route_del(struct nl_sock *s, int ifindex, const struct cidr *dst, uint32_t table);
/* A route to dst via the gateway gw (prefix ignored) out of ifindex, in `table`. */
int route_add_gateway(struct nl_sock *s, int ifindex, const struct cidr *dst,
		      const struct cidr *gw, uint32_t table);
/*
 * Delete every route to dst out of ifindex in table, whatever its gateway,
 * scope or protocol (another plugin's). Returns how many went, or -errno.
 */
int route_del_all(struct nl_sock *s, int ifindex, const struct cidr *dst, uint32_t table);
/* Destinations of routes out of ifindex in table, family AF_UNSPEC for both. */
int route_list(struct nl_sock *s, int ifindex, uint32_t table, struct cidr **out, size_t *n);

struct rule {
	int family;
	uint32_t priority;
	uint32_t table;
	uint32_t fwmark, fwmask; /* 0/0: no mark match */
	bool invert;             /* "not fwmark" */
	int suppress_prefixlen;  /* -1: none */
};
int rule_add(struct nl_sock *s, const struct rule *r);
/* The rules of `family` that send to a table, allocated array in *out. */
int rule_list(struct nl_sock *s, int family, struct rule **out, size_t *n);
/* Same family, priority, table, mark, mask, inversion and suppressor. */
bool rule_equal(const struct rule *a, const struct rule *b);
int rule_del(struct nl_sock *s, const struct rule *r);

struct nlmsghdr *addr_build_add(void *buf, uint32_t seq, int ifindex, const struct cidr *addr);
struct nlmsghdr *route_build(void *buf, uint32_t seq, uint16_t type, int ifindex,
			     const struct cidr *dst, uint32_t table);
/* gw NULL and RTM_DELROUTE: the wildcard delete of route_del_all(). */
struct nlmsghdr *route_build_gateway(void *buf, uint32_t seq, uint16_t type, int ifindex,
				     const struct cidr *dst, const struct cidr *gw,
				     uint32_t table);
struct nlmsghdr *rule_build(void *buf, uint32_t seq, uint16_t type, const struct rule *r);
