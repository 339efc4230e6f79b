/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * socketNamespace "container": the WireGuard socket is in the container,
 * so its encrypted packets and the container's plaintext share one routing
 * table set. wg-quick's answer, per address family:
 *
 *   rule priority 5748 lookup main suppress_prefixlength 0
 *   rule priority 5749 not fwmark M lookup 51820
 *   table 51820: default dev <tunnel>      (M = fwmark, default 51820)
 *
 * Everything unmarked skips main's default route and takes the tunnel's;
 * the device's own packets carry M and keep main's default via the LAN
 * leg. The kill switch lets out of the LAN leg only UDP that carries M.
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/rtnetlink.h>

#include "cleanup.h"
#include "error.h"
#include "modes.h"
#include "route.h"

uint32_t fwmark_route_table(const struct modes *m, const struct cidr *dst)
{
	if (dst->prefix != 0)
		return RT_TABLE_MAIN;
	return m->socket_in_container ? WGCNI_FWMARK_TABLE :
	       m->beside	      ? WGCNI_BESIDE_TABLE :
				        RT_TABLE_MAIN;
}

uint32_t fwmark_device_mark(const struct modes *m, const struct netconf *conf)
{
	if (conf->fwmark || !m->socket_in_container)
		return conf->fwmark;
	return WGCNI_FWMARK_DEFAULT;
}

/* [0] suppress, [1] not fwmark; the mark is whatever the device was given. */
static void fwmark_rules(int family, uint32_t mark, struct rule out[2])
{
	out[0] = (struct rule){ .family = family, .priority = WGCNI_FWMARK_RULE_PRIORITY,
				.table = RT_TABLE_MAIN, .suppress_prefixlen = 0 };
	out[1] = (struct rule){ .family = family, .priority = WGCNI_FWMARK_RULE_PRIORITY + 1,
				.table = WGCNI_FWMARK_TABLE, .fwmark = mark, .fwmask = 0xffffffff,
				.invert = true, .suppress_prefixlen = -1 };
}

static uint32_t mark_of(const struct netconf *conf)
{
	return conf->fwmark ? conf->fwmark : WGCNI_FWMARK_DEFAULT;
}

int fwmark_rules_add(struct attach_ctx *ctx, const struct netconf *conf)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int r = 0;

	for (size_t f = 0; r == 0 && f < 2; f++) {
		struct rule rules[2];

		fwmark_rules(families[f], mark_of(conf), rules);
		for (size_t i = 0; r == 0 && i < 2; i++) {
			/* Idempotent for a repeated ADD. */
			rule_del(ctx->ctr_rtnl, &rules[i]);
			r = rule_add(ctx->ctr_rtnl, &rules[i]);
		}
	}
	return r;
}

/*
 * Best effort; table 51820's routes go with the tunnel device. The kernel
 * matches a rule to delete by what is given: without a mark, any mark, so
 * GC needs no configuration to find it.
 */
int fwmark_rules_del(struct attach_ctx *ctx)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int first = 0;

	for (size_t f = 0; f < 2; f++) {
		struct rule rules[2];

		fwmark_rules(families[f], 0, rules);
		rules[1].fwmask = 0;
		for (size_t i = 0; i < 2; i++) {
			int r = rule_del(ctx->ctr_rtnl, &rules[i]);

			if (r < 0 && r != -ENOENT && !first)
				first = r;
		}
	}
	return first;
}

int fwmark_rules_check(struct attach_ctx *ctx, const struct netconf *conf)
{
	static const int families[] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < 2; f++) {
		_cleanup_free_ struct rule *have = NULL;
		struct rule want[2];
		size_t n = 0;
		int r = rule_list(ctx->ctr_rtnl, families[f], &have, &n);

		if (r < 0)
			return r;
		fwmark_rules(families[f], mark_of(conf), want);
		for (size_t i = 0; i < 2; i++) {
			size_t j = 0;

			while (j < n && !rule_equal(&want[i], &have[j]))
				j++;
			if (j < n)
				continue;
			error_report(0, WGCNI_ERR_DIFFERS, "IPv%d: the rule \"%s\" is missing",
				     families[f] == AF_INET ? 4 : 6,
				     i == 0 ? "lookup main suppress_prefixlength 0" :
					      "not fwmark lookup 51820");
			return -EBADMSG;
		}
	}
	return 0;
}
