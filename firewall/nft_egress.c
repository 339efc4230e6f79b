/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The LAN legs' egress chains. Frames written by AF_PACKET sockets (with or
 * without PACKET_QDISC_BYPASS, since Linux 5.16 both run the egress hook)
 * never pass the inet table's hooks; a netdev chain on the leg device does
 * see them, as it sees everything the IP stack sends there:
 *
 *   table netdev wgcni-<tunnel>
 *     chain egress-<leg>: hook egress device <leg>, priority 0, policy drop
 *       meta protocol arp accept                  the kernel's neighbour lookups
 *       meta mark & WGCNI_EGRESS_MARK == ... accept   let out by the inet table
 *
 * The inet table's "mark-accepted" chain sets the bit on everything its
 * output chain accepted, IPv6 neighbour discovery included, so this chain
 * needs no list of its own of what a leg may carry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include "error.h"
#include "nft_ruleset.h"

void nft_egress_chain_name(const char *lan_ifname, char *buf, size_t len)
{
	snprintf(buf, len, "egress-%s", lan_ifname);
}

static int egress_table_new(struct nft_ruleset *rs)
{
	const char *name = nftnl_table_get_str(rs->table, NFTNL_TABLE_NAME);

	rs->egress_table = nftnl_table_alloc();
	if (!rs->egress_table || nftnl_table_set_str(rs->egress_table, NFTNL_TABLE_NAME, name) < 0)
		return -ENOMEM;
	nftnl_table_set_u32(rs->egress_table, NFTNL_TABLE_FAMILY, NFPROTO_NETDEV);
	return 0;
}

static struct nftnl_chain *egress_chain_new(const char *table, const char *lan_ifname)
{
	struct nftnl_chain *chain = nftnl_chain_alloc();
	char name[32];

	if (!chain)
		return NULL;
	nft_egress_chain_name(lan_ifname, name, sizeof(name));
	if (nftnl_chain_set_str(chain, NFTNL_CHAIN_TABLE, table) < 0 ||
	    nftnl_chain_set_str(chain, NFTNL_CHAIN_NAME, name) < 0 ||
	    nftnl_chain_set_str(chain, NFTNL_CHAIN_TYPE, "filter") < 0 ||
	    nftnl_chain_set_str(chain, NFTNL_CHAIN_DEV, lan_ifname) < 0) {
		nftnl_chain_free(chain);
		return NULL;
	}
	nftnl_chain_set_u32(chain, NFTNL_CHAIN_FAMILY, NFPROTO_NETDEV);
	nftnl_chain_set_u32(chain, NFTNL_CHAIN_HOOKNUM, NF_NETDEV_EGRESS);
	nftnl_chain_set_s32(chain, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_u32(chain, NFTNL_CHAIN_POLICY, NF_DROP);
	return chain;
}

/*
 * ARP is not IP and passes no inet hook to be marked: without it no LAN
 * reply finds the gateway. IPv6 neighbour discovery passes inet output.
 */
static int egress_rules(struct nftnl_chain *chain)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = nft_match_ethertype(rule, ETHERTYPE_ARP);
	r = r ?: nft_verdict(rule, NF_ACCEPT);
	if (r < 0)
		return r;
	rule = nft_rule_new(chain);
	if (!rule)
		return -ENOMEM;
	r = nft_match_mark_bits(rule, WGCNI_EGRESS_MARK);
	return r ?: nft_verdict(rule, NF_ACCEPT);
}

int nft_egress_add(struct nft_ruleset *rs, const char *lan_ifname)
{
	struct nftnl_chain *chain;
	size_t len = lan_ifname ? strnlen(lan_ifname, IFNAMSIZ) : 0;

	if (len == 0 || len >= IFNAMSIZ)
		return error_config("kill switch: \"%s\" is not a valid LAN interface name",
				    lan_ifname ? lan_ifname : "");
	if (rs->n_egress_chains == NFT_RULESET_MAX_LEGS)
		return -ENOSPC;
	if (!rs->egress_table && egress_table_new(rs) < 0)
		return -ENOMEM;
	chain = egress_chain_new(nftnl_table_get_str(rs->table, NFTNL_TABLE_NAME), lan_ifname);
	if (!chain)
		return -ENOMEM;
	rs->egress_chains[rs->n_egress_chains++] = chain;
	return egress_rules(chain);
}

/*
 * Every packet output accepted, whatever its oifname: that is the device of
 * the first route, and a LAN reply rerouted by lan-replies still shows the
 * tunnel's there, while it leaves by the leg. On the tunnel the bit does
 * nothing (WireGuard scrubs the mark as it encapsulates).
 */
int nft_egress_mark_rules(struct nftnl_chain *chain, const struct killswitch *ks)
{
	struct nftnl_rule *rule = nft_rule_new(chain);

	if (!rule)
		return -ENOMEM;
	return nft_add_mark_bits(rule, WGCNI_EGRESS_MARK);
}
