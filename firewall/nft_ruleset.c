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
 * packet, so oifname is the interface the packet will really leave by.
 */
#define KILLSWITCH_PRIORITY 0

static struct nftnl_rule *rule_new(struct nftnl_chain *chain)
{
	struct nftnl_rule *rule = nftnl_rule_alloc();

	if (!rule)
		return NULL;
	if (nftnl_rule_set_str(rule, NFTNL_RULE_TABLE,
			       nftnl_chain_get_str(chain, NFTNL_CHAIN_TABLE)) < 0 ||
	    nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN,
			       nftnl_chain_get_str(chain, NFTNL_CHAIN_NAME)) < 0) {
		nftnl_rule_free(rule);
		return NULL;
	}
	nftnl_rule_set_u32(rule, NFTNL_RULE_FAMILY, NFPROTO_INET);
	/* From here the chain owns the rule, even a half-built one. */
	nftnl_chain_rule_add_tail(rule, chain);
	return rule;
}

static struct nftnl_expr *expr_add(struct nftnl_rule *rule, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(rule, e);
	return e;
}

static int cmp_reg1(struct nftnl_rule *rule, enum nft_cmp_ops op, const void *data, uint32_t len)
{
	struct nftnl_expr *cmp = expr_add(rule, "cmp");

	if (!cmp)
		return -ENOMEM;
	nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(cmp, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

/* The whole IFNAMSIZ buffer is compared, zero padded: "wg0" never matches "wg01". */
static int match_ifname(struct nftnl_rule *rule, enum nft_meta_keys key, const char *ifname)
{
	char padded[IFNAMSIZ] = { 0 };
	struct nftnl_expr *meta = expr_add(rule, "meta");

	if (!meta)
		return -ENOMEM;
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_DREG, NFT_REG_1);
	memcpy(padded, ifname, strnlen(ifname, IFNAMSIZ - 1));
	return cmp_reg1(rule, NFT_CMP_EQ, padded, sizeof(padded));
}

/* ct state & states != 0; the state bits are in host byte order. */
static int match_ct_state(struct nftnl_rule *rule, uint32_t states)
{
	const uint32_t zero = 0;
	struct nftnl_expr *ct = expr_add(rule, "ct");
	struct nftnl_expr *bitwise;

	if (!ct)
		return -ENOMEM;
	nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	bitwise = expr_add(rule, "bitwise");
	if (!bitwise)
		return -ENOMEM;
	nftnl_expr_set_u32(bitwise, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(bitwise, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(bitwise, NFTNL_EXPR_BITWISE_LEN, sizeof(states));
	nftnl_expr_set(bitwise, NFTNL_EXPR_BITWISE_MASK, &states, sizeof(states));
	nftnl_expr_set(bitwise, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	return cmp_reg1(rule, NFT_CMP_NEQ, &zero, sizeof(zero));
}

static int verdict(struct nftnl_rule *rule, int code)
{
	struct nftnl_expr *imm = expr_add(rule, "immediate");

	if (!imm)
		return -ENOMEM;
	nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_VERDICT, code);
	return 0;
}

/* iifname/oifname "<ifname>" accept */
static int accept_interface(struct nftnl_chain *chain, enum nft_meta_keys key, const char *ifname)
{
	struct nftnl_rule *rule = rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = match_ifname(rule, key, ifname);
	return r < 0 ? r : verdict(rule, NF_ACCEPT);
}

/* iifname "<tunnel>" ct state established,related accept: replies only, nothing unsolicited. */
static int accept_tunnel_replies(struct nftnl_chain *chain, const char *tunnel)
{
	struct nftnl_rule *rule = rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = match_ifname(rule, NFT_META_IIFNAME, tunnel);
	if (r == 0)
		r = match_ct_state(rule, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
					 NF_CT_STATE_BIT(IP_CT_RELATED));
	return r < 0 ? r : verdict(rule, NF_ACCEPT);
}

static int input_rules(struct nftnl_chain *chain, const struct killswitch *ks)
{
	int r = accept_interface(chain, NFT_META_IIFNAME, "lo");

	return r < 0 ? r : accept_tunnel_replies(chain, ks->tunnel_ifname);
}

static int output_rules(struct nftnl_chain *chain, const struct killswitch *ks)
{
	int r = accept_interface(chain, NFT_META_OIFNAME, "lo");

	return r < 0 ? r : accept_interface(chain, NFT_META_OIFNAME, ks->tunnel_ifname);
}

/* The container routes for nobody: forward keeps its drop policy and no rule. */
static int forward_rules(struct nftnl_chain *chain, const struct killswitch *ks)
{
	return 0;
}

static const struct chain_spec {
	const char *name;
	const char *type;
	uint32_t hook;
	int32_t priority;
	uint32_t policy;
	int (*rules)(struct nftnl_chain *chain, const struct killswitch *ks);
} killswitch_chains[] = {
	{ "input", "filter", NF_INET_LOCAL_IN, KILLSWITCH_PRIORITY, NF_DROP, input_rules },
	{ "output", "filter", NF_INET_LOCAL_OUT, KILLSWITCH_PRIORITY, NF_DROP, output_rules },
	{ "forward", "filter", NF_INET_FORWARD, KILLSWITCH_PRIORITY, NF_DROP, forward_rules },
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
	nft_table_name(ks->tunnel_ifname, table, sizeof(table));
	rs->table = nftnl_table_alloc();
	if (!rs->table || nftnl_table_set_str(rs->table, NFTNL_TABLE_NAME, table) < 0)
		goto nomem;
	nftnl_table_set_u32(rs->table, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	for (size_t i = 0; i < ARRAY_SIZE(killswitch_chains); i++) {
		const struct chain_spec *spec = &killswitch_chains[i];

		rs->chains[i] = chain_new(spec, table);
		if (!rs->chains[i])
			goto nomem;
		rs->n_chains = i + 1;
		r = spec->rules(rs->chains[i], ks);
		if (r < 0)
			goto nomem;
	}
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
	if (rs->table)
		nftnl_table_free(rs->table);
	*rs = (struct nft_ruleset){ 0 };
}
