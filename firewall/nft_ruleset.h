/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the firewall module: the kill switch as libnftnl objects, built
 * once and used twice, serialised into a batch by apply() and compared with
 * the kernel's dump by check(), so the two can never disagree about what the
 * kill switch is.
 */
#pragma once

#include <stddef.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include "nft.h"

#define NFT_RULESET_MAX_CHAINS 8
/* "wgcni-" and an interface name (IFNAMSIZ, terminator included). */
#define NFT_TABLE_NAME_LEN (6 + 16)

struct nft_ruleset {
	struct nftnl_table *table;
	/* Each chain owns its rules (nftnl_chain_rule_add_tail), in order. */
	struct nftnl_chain *chains[NFT_RULESET_MAX_CHAINS];
	size_t n_chains;
};

/* 0, -EINVAL for an unusable tunnel name (reported), or -ENOMEM. */
int nft_ruleset_build(const struct killswitch *ks, struct nft_ruleset *rs);
void nft_ruleset_free(struct nft_ruleset *rs);
