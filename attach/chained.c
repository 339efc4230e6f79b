/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Chained mode's routing in the container. The LAN leg keeps only its
 * subnet route: its default routes go (the tunnel's replace them), and are
 * not put back at DEL, where they would open a path around a tunnel that
 * is being torn down. (With the socket in the container they stay: the
 * tunnel's own packets leave by them, see fwmark.c.) Replies to connections that came in on the LAN leg
 * carry WGCNI_LAN_MARK (the kill switch's route chain copies it from
 * conntrack) and find their way back through a table of their own:
 *
 *   rule  priority 5747 fwmark 0x57474e49 lookup 5747
 *   table 5747: default via <LAN gateway> dev <CNI_IFNAME>
 *   main:       <allowedSubnets> via <LAN gateway> dev <CNI_IFNAME>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "cleanup.h"
#include "error.h"
#include "link.h"
#include "log.h"
#include "modes.h"
#include "netns.h"
#include "route.h"

#define lan_differs(...) (error_report(0, WGCNI_ERR_DIFFERS, __VA_ARGS__), -EBADMSG)

static const struct cidr default_v4 = { .family = AF_INET };
static const struct cidr default_v6 = { .family = AF_INET6 };

int lan_read(struct attach_ctx *ctx, struct lan_leg *lan)
{
	_cleanup_free_ struct cidr *have = NULL;
	struct link_info info;
	size_t n = 0;
	int r;

	r = link_get(ctx->ctr_rtnl, lan->ifname, &info);
	if (r == -ENODEV)
		return error_report(r, CNI_ERR_INVALID_ENV, "CNI_IFNAME: the previous plugin's "
				    "interface %s is not in the container", lan->ifname);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "looking up %s", lan->ifname);
	lan->ifindex = info.index;
	r = addr_list(ctx->ctr_rtnl, info.index, &have, &n);
	if (r < 0)
		return r;
	lan->n_addresses = n < LAN_MAX_ADDRESSES ? n : LAN_MAX_ADDRESSES;
	memcpy(lan->addresses, have, lan->n_addresses * sizeof(*have));
	return 0;
}

static struct rule lan_rule(int family)
{
	return (struct rule){ .family = family, .priority = WGCNI_LAN_RULE_PRIORITY,
			      .table = WGCNI_LAN_TABLE, .fwmark = WGCNI_LAN_MARK,
			      .fwmask = 0xffffffff, .suppress_prefixlen = -1 };
}

/* Written inside the container: /proc/sys/net is the namespace of whoever opens it. */
struct lan_knobs {
	const char *ifname;
	bool kill_switch;
};

static int lan_sysctls(void *arg)
{
	const struct lan_knobs *k = arg;
	const char *ifname = k->ifname;
	/*
	 * Loose reverse-path filtering on the LAN leg: a published port's client
	 * is routed by the tunnel for unmarked packets, and strict filtering
	 * would drop its SYN. Router advertisements must not add a default route.
	 */
	const struct {
		const char *dir, *knob, *value;
	} knobs[] = {
		{ "ipv4", "rp_filter", "2" },
		/* ARP never reaches the inet table: answer only for the leg's own address (CVE-2019-14899). */
		{ "ipv4", "arp_ignore", "1" },
		{ "ipv6", "accept_ra", "0" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		char path[128];
		_cleanup_close_ int fd = -1;

		/* Without the kill switch (debugging) the leg behaves as the runtime left it. */
		if (!k->kill_switch && strcmp(knobs[i].knob, "arp_ignore") == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", knobs[i].dir, ifname,
			 knobs[i].knob);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		/* IPv6 may be disabled in the namespace: then there is nothing to turn off. */
		if (fd >= 0 && write(fd, knobs[i].value, 1) < 0)
			log_msg("writing %s: %s", path, strerror(errno));
	}
	return 0;
}

static int lan_family_add(struct attach_ctx *ctx, const struct netconf *conf,
			  const struct lan_leg *lan, const struct cidr *gw)
{
	const struct cidr *dflt = gw->family == AF_INET ? &default_v4 : &default_v6;
	struct rule rule = lan_rule(gw->family);
	int r;

	/* Idempotent for a repeated ADD: what an earlier one left is replaced. */
	rule_del(ctx->ctr_rtnl, &rule);
	route_del_all(ctx->ctr_rtnl, lan->ifindex, dflt, WGCNI_LAN_TABLE);
	r = route_add_gateway(ctx->ctr_rtnl, lan->ifindex, dflt, gw, WGCNI_LAN_TABLE);
	r = r ?: rule_add(ctx->ctr_rtnl, &rule);
	for (size_t i = 0; r == 0 && i < conf->n_allowed_subnets; i++) {
		const struct cidr *dst = &conf->allowed_subnets[i];

		if (dst->family != gw->family)
			continue;
		route_del_all(ctx->ctr_rtnl, lan->ifindex, dst, RT_TABLE_MAIN);
		r = route_add_gateway(ctx->ctr_rtnl, lan->ifindex, dst, gw, RT_TABLE_MAIN);
	}
	return r;
}

int lan_routing_add(struct attach_ctx *ctx, const struct netconf *conf, const struct lan_leg *lan,
		    bool keep_defaults)
{
	int r;

	struct lan_knobs knobs = { .ifname = lan->ifname, .kill_switch = conf->kill_switch };

	r = netns_run(ctx->netns_fd, lan_sysctls, &knobs);
	if (r == 0 && !keep_defaults)
		r = route_del_all(ctx->ctr_rtnl, lan->ifindex, &default_v4, RT_TABLE_MAIN);
	if (r >= 0 && !keep_defaults)
		r = route_del_all(ctx->ctr_rtnl, lan->ifindex, &default_v6, RT_TABLE_MAIN);
	if (r >= 0 && lan->has_gw4)
		r = lan_family_add(ctx, conf, lan, &lan->gw4);
	if (r >= 0 && lan->has_gw6)
		r = lan_family_add(ctx, conf, lan, &lan->gw6);
	return r < 0 ? r : 0;
}

int lan_routing_del(struct attach_ctx *ctx, const struct netconf *conf, const char *lan_ifname)
{
	const struct cidr *defaults[] = { &default_v4, &default_v6 };
	struct link_info info;
	int first = 0;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		struct rule rule = lan_rule(defaults[i]->family);

		r = rule_del(ctx->ctr_rtnl, &rule);
		if (r < 0 && r != -ENOENT)
			first = first ?: r;
		/* Index 0: out of any device, as the LAN leg may be gone already. */
		r = route_del_all(ctx->ctr_rtnl, 0, defaults[i], WGCNI_LAN_TABLE);
		if (r < 0)
			first = first ?: r;
	}
	/* The allowedSubnets routes went with the LAN leg if it is gone. */
	if (!conf || link_get(ctx->ctr_rtnl, lan_ifname, &info) < 0)
		return first;
	for (size_t i = 0; i < conf->n_allowed_subnets; i++) {
		r = route_del_all(ctx->ctr_rtnl, info.index, &conf->allowed_subnets[i],
				  RT_TABLE_MAIN);
		if (r < 0)
			first = first ?: r;
	}
	return first;
}

void lan_result_drop_defaults(struct cni_result *result)
{
	size_t kept = 0;

	for (size_t i = 0; i < result->n_routes; i++)
		if (result->routes[i].dst.prefix != 0)
			result->routes[kept++] = result->routes[i];
	result->n_routes = kept;
}

static bool has_default(const struct cidr *list, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].family == family && list[i].prefix == 0)
			return true;
	return false;
}

static bool rule_in(const struct rule *want, const struct rule *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rule_equal(want, &list[i]))
			return true;
	return false;
}

/* The LAN-reply rule and its table agree, per family: one without the other is broken. */
static int lan_check_family(struct attach_ctx *ctx, int family, const struct cidr *table,
			    size_t n_table)
{
	_cleanup_free_ struct rule *rules = NULL;
	struct rule want = lan_rule(family);
	size_t n = 0;
	bool has_rule, has_route;
	int r = rule_list(ctx->ctr_rtnl, family, &rules, &n);

	if (r < 0)
		return r;
	has_rule = rule_in(&want, rules, n);
	has_route = has_default(table, n_table, family);
	if (has_rule != has_route)
		return lan_differs("IPv%d: %s", family == AF_INET ? 4 : 6,
				   has_rule ? "table 5747 has no default route via the LAN gateway" :
					      "the rule \"fwmark 0x57474e49 lookup 5747\" is missing");
	return 0;
}

int lan_routing_check(struct attach_ctx *ctx, const struct netconf *conf,
		      const struct lan_leg *lan, bool keep_defaults)
{
	_cleanup_free_ struct cidr *table = NULL, *main_routes = NULL;
	size_t n_table = 0, n_main = 0;
	char text[64];
	int r;

	r = route_list(ctx->ctr_rtnl, lan->ifindex, WGCNI_LAN_TABLE, &table, &n_table);
	r = r ?: route_list(ctx->ctr_rtnl, lan->ifindex, RT_TABLE_MAIN, &main_routes, &n_main);
	r = r ?: lan_check_family(ctx, AF_INET, table, n_table);
	r = r ?: lan_check_family(ctx, AF_INET6, table, n_table);
	if (r < 0)
		return r;
	if (!keep_defaults && (has_default(main_routes, n_main, AF_INET) ||
			       has_default(main_routes, n_main, AF_INET6)))
		return lan_differs("%s has a default route in table main again: it would "
				   "bypass the tunnel", lan->ifname);
	for (size_t i = 0; i < conf->n_allowed_subnets; i++) {
		bool found = false;

		for (size_t j = 0; j < n_main; j++)
			found = found || cidr_equal(&main_routes[j], &conf->allowed_subnets[i]);
		if (!found) {
			cidr_format(&conf->allowed_subnets[i], text, sizeof(text));
			return lan_differs("allowedSubnets[%zu]: route %s via %s is missing", i, text,
					   lan->ifname);
		}
	}
	return 0;
}
