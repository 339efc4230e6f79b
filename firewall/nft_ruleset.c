/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kill switch is: one inet table (IPv4 and IPv6 alike) whose base
 * chains drop by default and let through only loopback and the tunnel.
 *
 * Interfaces are matched by name (meta iifname/oifname), never by index:
 * the table is installed before the tunnel device exists, and must keep
 * matching a device of the same name created again later.
 *
 * Each chain is a row of killswitch_chains[] and each rule a small function,
 * so later modes (inbound ports, DNS redirect, ...) are a row or a call more.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <libnftnl/expr.h>

#include "cleanup.h"
#include "error.h"
#include "nft_ruleset.h"

/*
 * Every chain hooks at the filter priority (0). A drop is final whatever the
 * priority, so an earlier hook would not make the kill switch any stronger,
 * while it would break it: "ct state" needs conntrack, which runs at -200,
 * so at the raw priority (-300) every packet looks untracked. On output, 0
 * also comes after the route chains (mangle, -150) that may reroute a
 * packet; oifname is still the first route's device all the same (a reroute
 * changes the packet's route, not the hook's), as nft_egress.c notes.
 */
#define KILLSWITCH_PRIORITY 0

/* iifname/oifname "<ifname>" accept */
static int accept_interface(struct nftnl_chain *chain, enum nft_meta_keys key, const char *ifname)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = nft_match_ifname(rule, key, ifname, true);
	return r < 0 ? r : nft_verdict(rule, NF_ACCEPT);
}

/* iifname "<tunnel>" ct state established,related accept: replies only, nothing unsolicited. */
static int accept_tunnel_replies(struct nftnl_chain *chain, const char *tunnel)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = nft_match_ifname(rule, NFT_META_IIFNAME, tunnel, true);
	if (r == 0)
		r = nft_match_ct_state(rule, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
					 NF_CT_STATE_BIT(IP_CT_RELATED));
	return r < 0 ? r : nft_verdict(rule, NF_ACCEPT);
}

static int input_rules(struct nftnl_chain *chain, const struct killswitch *ks)
{
	int r = accept_interface(chain, NFT_META_IIFNAME, "lo");

	r = r ?: accept_tunnel_replies(chain, ks->tunnel_ifname);
	return r ?: nft_modes_input(chain, ks);
}

static int output_rules(struct nftnl_chain *chain, const struct killswitch *ks)
{
	int r = accept_interface(chain, NFT_META_OIFNAME, "lo");

	r = r ?: accept_interface(chain, NFT_META_OIFNAME, ks->tunnel_ifname);
	return r ?: nft_modes_output(chain, ks);
}

/* The container routes for nobody: forward keeps its drop policy and no rule. */
static int forward_rules(struct nftnl_chain *chain, const struct killswitch *ks)
{
	return 0;
}

static bool always(const struct killswitch *ks)
{
	return true;
}

static bool has_lan(const struct killswitch *ks)
{
	return ks->lan_ifname != NULL || ks->lan_any;
}

static bool has_dns_redirect(const struct killswitch *ks)
{
	return ks->dns_v4 || ks->dns_v6;
}

/*
 * The route chain runs at the mangle priority, before routing is redone
 * for a changed mark; the nat chain at the usual DNAT priority, before the
 * filter chains see the rewritten destination. mark-accepted comes after
 * output, so it sees only what output accepted; as a filter chain its mark
 * reroutes nothing (nft_egress.c).
 */
static const struct chain_spec {
	const char *name;
	const char *type;
	uint32_t hook;
	int32_t priority;
	uint32_t policy;
	bool (*wanted)(const struct killswitch *ks);
	int (*rules)(struct nftnl_chain *chain, const struct killswitch *ks);
} killswitch_chains[] = {
	{ "input", "filter", NF_INET_LOCAL_IN, KILLSWITCH_PRIORITY, NF_DROP, always, input_rules },
	{ "output", "filter", NF_INET_LOCAL_OUT, KILLSWITCH_PRIORITY, NF_DROP, always,
	  output_rules },
	{ "forward", "filter", NF_INET_FORWARD, KILLSWITCH_PRIORITY, NF_DROP, always,
	  forward_rules },
	{ "lan-replies", "route", NF_INET_LOCAL_OUT, -150, NF_ACCEPT, has_lan, nft_modes_route },
	{ "dns-redirect", "nat", NF_INET_LOCAL_OUT, -100, NF_ACCEPT, has_dns_redirect,
	  nft_modes_dns },
	{ "mark-accepted", "filter", NF_INET_LOCAL_OUT, KILLSWITCH_PRIORITY + 10, NF_ACCEPT,
	  has_lan, nft_egress_mark_rules },
};

_Static_assert(ARRAY_SIZE(killswitch_chains) <= NFT_RULESET_MAX_CHAINS,
	       "struct nft_ruleset has room for every chain");

static struct nftnl_chain *chain_new(const struct chain_spec *spec, const char *table)
{
	struct nftnl_chain *chain = nftnl_chain_alloc();

	if (!chain)
		return NULL;
	if (nftnl_chain_set_str(chain, NFTNL_CHAIN_TABLE, table) < 0 ||
	    nftnl_chain_set_str(chain, NFTNL_CHAIN_NAME, spec->name) < 0 ||
	    nftnl_chain_set_str(chain, NFTNL_CHAIN_TYPE, spec->type) < 0) {
		nftnl_chain_free(chain);
		return NULL;
	}
	nftnl_chain_set_u32(chain, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_u32(chain, NFTNL_CHAIN_HOOKNUM, spec->hook);
	nftnl_chain_set_s32(chain, NFTNL_CHAIN_PRIO, spec->priority);
	nftnl_chain_set_u32(chain, NFTNL_CHAIN_POLICY, spec->policy);
	return chain;
}

/* The names the kernel's dev_valid_name() accepts, so no table waits for a device that cannot exist. */
static bool ifname_valid(const char *name)
{
	size_t len = name ? strnlen(name, IFNAMSIZ) : 0;

	if (len == 0 || len >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return strpbrk(name, "/: \t\n\v\f\r") == NULL;
}

int nft_ruleset_build(const struct killswitch *ks, struct nft_ruleset *rs)
{
	char table[NFT_TABLE_NAME_LEN];
	int r;

	*rs = (struct nft_ruleset){ 0 };
	if (!ifname_valid(ks->tunnel_ifname))
		return error_config("kill switch: \"%s\" is not a valid interface name",
				    ks->tunnel_ifname ? ks->tunnel_ifname : "");
	if (ks->lan_ifname && !ifname_valid(ks->lan_ifname))
		return error_config("kill switch: \"%s\" is not a valid interface name",
				    ks->lan_ifname);
	for (size_t i = 0; i < ks->n_egress_legs; i++)
		if (!ifname_valid(ks->egress_legs[i]))
			return error_config("kill switch: \"%.*s\" is not a valid interface name",
					    IFNAMSIZ, ks->egress_legs[i]);
	nft_table_name(ks->tunnel_ifname, table, sizeof(table));
	rs->table = nftnl_table_alloc();
	if (!rs->table || nftnl_table_set_str(rs->table, NFTNL_TABLE_NAME, table) < 0)
		goto nomem;
	nftnl_table_set_u32(rs->table, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	for (size_t i = 0; i < ARRAY_SIZE(killswitch_chains); i++) {
		const struct chain_spec *spec = &killswitch_chains[i];
		struct nftnl_chain *chain;

		if (!spec->wanted(ks))
			continue;
		chain = chain_new(spec, table);
		if (!chain)
			goto nomem;
		rs->chains[rs->n_chains++] = chain;
		r = spec->rules(chain, ks);
		if (r < 0)
			goto nomem;
	}
	/* Chained: the leg is known; netavark: the legs ADD found or expects (attach/beside.c). */
	if (ks->lan_ifname && nft_egress_add(rs, ks->lan_ifname) < 0)
		goto nomem;
	for (size_t i = 0; i < ks->n_egress_legs; i++)
		if (nft_egress_add(rs, ks->egress_legs[i]) < 0)
			goto nomem;
	return 0;
nomem:
	nft_ruleset_free(rs);
	return -ENOMEM;
}

void nft_ruleset_free(struct nft_ruleset *rs)
{
	/* A chain frees the rules it owns. */
	for (size_t i = 0; i < rs->n_chains; i++)
		nftnl_chain_free(rs->chains[i]);
	for (size_t i = 0; i < rs->n_egress_chains; i++)
		nftnl_chain_free(rs->egress_chains[i]);
	if (rs->table)
		nftnl_table_free(rs->table);
	if (rs->egress_table)
		nftnl_table_free(rs->egress_table);
	*rs = (struct nft_ruleset){ 0 };
}
