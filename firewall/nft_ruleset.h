/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the firewall module: the kill switch as libnftnl objects, built
 * once and used twice, serialised into a batch by apply() and compared with
 * the kernel's dump by check(), so the two can never disagree about what the
 * kill switch is.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include "nft.h"

#define NFT_RULESET_MAX_CHAINS 8
#define NFT_RULESET_MAX_LEGS 17 /* the chained leg, or STATE_MAX_LEGS of netavark */
/*
 * apply()'s buffer: the largest kill switch, STATE_MAX_PUBLISHED published
 * ranges and STATE_MAX_LEGS egress chains with DNS redirect, is under 40 KiB.
 */
#define NFT_BATCH_SIZE (64 * 1024)
/* "wgcni-" and an interface name (IFNAMSIZ, terminator included). */
#define NFT_TABLE_NAME_LEN (6 + 16)

struct nft_ruleset {
	struct nftnl_table *table;
	/* Each chain owns its rules (nftnl_chain_rule_add_tail), in order. */
	struct nftnl_chain *chains[NFT_RULESET_MAX_CHAINS];
	size_t n_chains;
	/*
	 * The LAN legs' egress chains (nft_egress.c): a netdev table of the same
	 * name, NULL while there is no leg, and one base chain per leg device.
	 */
	struct nftnl_table *egress_table;
	struct nftnl_chain *egress_chains[NFT_RULESET_MAX_LEGS];
	size_t n_egress_chains;
};

/*
 * Add the egress chain of LAN leg `lan_ifname` (the netdev table too, the
 * first time) to rs, whose table is already named. 0, -EINVAL for an unusable
 * name (reported), -ENOSPC past NFT_RULESET_MAX_LEGS, or -ENOMEM.
 */
int nft_egress_add(struct nft_ruleset *rs, const char *lan_ifname);
/* mark-accepted's rule: meta mark set meta mark | WGCNI_EGRESS_MARK */
int nft_egress_mark_rules(struct nftnl_chain *chain, const struct killswitch *ks);
/* The chain's name for a leg: "egress-<ifname>". */
void nft_egress_chain_name(const char *lan_ifname, char *buf, size_t len);

/*
 * Building blocks (nft_expr.c). nft_rule_new() appends an empty rule to a
 * chain, which owns it from then on; the others append expressions to a
 * rule and return 0 or -ENOMEM.
 */
struct nftnl_rule *nft_rule_new(struct nftnl_chain *chain);
int nft_match_ifname(struct nftnl_rule *rule, enum nft_meta_keys key, const char *ifname,
		     bool equal);
int nft_match_ct_state(struct nftnl_rule *rule, uint32_t states);
int nft_match_meta_u8(struct nftnl_rule *rule, enum nft_meta_keys key, uint8_t value);
int nft_match_mark(struct nftnl_rule *rule, bool conntrack, uint32_t mark);
int nft_set_mark(struct nftnl_rule *rule, bool conntrack, uint32_t mark);
int nft_match_daddr(struct nftnl_rule *rule, const struct cidr *net);
int nft_match_dport(struct nftnl_rule *rule, uint8_t protocol, uint16_t port);
int nft_match_dport_range(struct nftnl_rule *rule, uint8_t protocol, uint16_t first,
			  uint16_t last);
int nft_match_daddr_local_to_iif(struct nftnl_rule *rule);
int nft_match_icmpv6_types(struct nftnl_rule *rule, uint8_t first, uint8_t last);
int nft_match_mark_bits(struct nftnl_rule *rule, uint32_t bits);
int nft_add_mark_bits(struct nftnl_rule *rule, uint32_t bits);
int nft_match_ethertype(struct nftnl_rule *rule, uint16_t ethertype);
int nft_dnat(struct nftnl_rule *rule, const struct cidr *to);
int nft_verdict(struct nftnl_rule *rule, int code);

/* The rules of the routing modes (nft_modes.c), appended to a chain; 0 or -ENOMEM. */
int nft_modes_input(struct nftnl_chain *chain, const struct killswitch *ks);
int nft_modes_output(struct nftnl_chain *chain, const struct killswitch *ks);
int nft_modes_route(struct nftnl_chain *chain, const struct killswitch *ks);
int nft_modes_dns(struct nftnl_chain *chain, const struct killswitch *ks);

/* 0, -EINVAL for an unusable tunnel name (reported), or -ENOMEM. */
int nft_ruleset_build(const struct killswitch *ks, struct nft_ruleset *rs);
void nft_ruleset_free(struct nft_ruleset *rs);
