/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the routing modes add to the kill switch (docs/modes.md): ports open
 * to the tunnel, the LAN leg of chained mode (every leg but the tunnel's,
 * under netavark), the socket mark of
 * socketNamespace "container", and the DNS redirect. Each is a few accept
 * rules in front of the default drop: nothing here can widen what standalone
 * mode lets out unless the configuration asks for it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include "nft_ruleset.h"

#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136

static bool lan_has_ipv6(const struct killswitch *ks)
{
	for (size_t i = 0; i < ks->n_lan_addresses; i++)
		if (ks->lan_addresses[i].family == AF_INET6)
			return true;
	return false;
}

/* iifname <tunnel> meta l4proto <p> th dport <n> accept */
static int inbound_ports(struct nftnl_chain *chain, const struct killswitch *ks)
{
	for (size_t i = 0; i < ks->n_inbound_ports; i++) {
		struct nftnl_rule *rule = nft_rule_new(chain);
		int r;

		if (!rule)
			return -ENOMEM;
		r = nft_match_ifname(rule, NFT_META_IIFNAME, ks->tunnel_ifname, true);
		r = r ?: nft_match_dport(rule, ks->inbound_ports[i].protocol,
					 ks->inbound_ports[i].port);
		r = r ?: nft_verdict(rule, NF_ACCEPT);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Only packets addressed to the LAN leg's own addresses: one aimed at the
 * tunnel address through the LAN (CVE-2019-14899) matches neither rule,
 * not even when it fits a tunnel connection's conntrack entry.
 */
static int lan_inbound(struct nftnl_chain *chain, const struct killswitch *ks,
		       const struct cidr *addr)
{
	struct cidr host = *addr;
	struct nftnl_rule *rule;
	int r;

	host.prefix = host.family == AF_INET ? 32 : 128;
	rule = nft_rule_new(chain);
	if (!rule)
		return -ENOMEM;
	r = nft_match_ifname(rule, NFT_META_IIFNAME, ks->lan_ifname, true);
	r = r ?: nft_match_daddr(rule, &host);
	r = r ?: nft_match_ct_state(rule, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
					  NF_CT_STATE_BIT(IP_CT_RELATED));
	r = r ?: nft_verdict(rule, NF_ACCEPT);
	if (r < 0)
		return r;
	/* A published port: remember on the connection that its replies go back by the LAN. */
	rule = nft_rule_new(chain);
	if (!rule)
		return -ENOMEM;
	r = nft_match_ifname(rule, NFT_META_IIFNAME, ks->lan_ifname, true);
	r = r ?: nft_match_daddr(rule, &host);
	r = r ?: nft_match_ct_state(rule, NF_CT_STATE_BIT(IP_CT_NEW));
	r = r ?: nft_set_mark(rule, true, ks->lan_mark);
	return r ?: nft_verdict(rule, NF_ACCEPT);
}

/* The LAN leg by name; with lan_any, every interface but the tunnel (lo is accepted before). */
static int match_lan(struct nftnl_rule *rule, enum nft_meta_keys key, const struct killswitch *ks)
{
	if (ks->lan_any)
		return nft_match_ifname(rule, key, ks->tunnel_ifname, false);
	return nft_match_ifname(rule, key, ks->lan_ifname, true);
}

/* IPv6 neighbour discovery on the LAN leg, without which no IPv6 reply finds the gateway. */
static int lan_neighbours(struct nftnl_chain *chain, const struct killswitch *ks,
			  enum nft_meta_keys key)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = match_lan(rule, key, ks);
	r = r ?: nft_match_icmpv6_types(rule, ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT);
	return r ?: nft_verdict(rule, NF_ACCEPT);
}

/* lan_any, in and out: <leg> ct mark <lan mark> accept, the packets of published connections. */
static int lan_marked(struct nftnl_chain *chain, const struct killswitch *ks,
		      enum nft_meta_keys key)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = match_lan(rule, key, ks);
	r = r ?: nft_match_mark(rule, true, ks->lan_mark);
	return r ?: nft_verdict(rule, NF_ACCEPT);
}

/*
 * lan_any: a new connection to a published port, addressed to the leg it
 * arrives on (fib: the address is that interface's own, so nothing aimed at
 * the tunnel address gets in by a LAN, CVE-2019-14899), is marked and accepted.
 */
static int lan_published(struct nftnl_chain *chain, const struct killswitch *ks,
			 const struct port_range *port)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = match_lan(rule, NFT_META_IIFNAME, ks);
	r = r ?: nft_match_daddr_local_to_iif(rule);
	r = r ?: nft_match_dport_range(rule, port->protocol, port->first, port->last);
	r = r ?: nft_match_ct_state(rule, NF_CT_STATE_BIT(IP_CT_NEW));
	r = r ?: nft_set_mark(rule, true, ks->lan_mark);
	return r ?: nft_verdict(rule, NF_ACCEPT);
}

static int lan_any_input(struct nftnl_chain *chain, const struct killswitch *ks)
{
	int r = lan_marked(chain, ks, NFT_META_IIFNAME);

	for (size_t i = 0; r == 0 && i < ks->n_published; i++)
		r = lan_published(chain, ks, &ks->published[i]);
	return r ?: lan_neighbours(chain, ks, NFT_META_IIFNAME);
}

int nft_modes_input(struct nftnl_chain *chain, const struct killswitch *ks)
{
	int r = inbound_ports(chain, ks);

	if (r == 0 && ks->lan_any)
		return lan_any_input(chain, ks);
	if (r < 0 || !ks->lan_ifname)
		return r;
	for (size_t i = 0; r == 0 && i < ks->n_lan_addresses; i++)
		r = lan_inbound(chain, ks, &ks->lan_addresses[i]);
	if (r == 0 && lan_has_ipv6(ks))
		r = lan_neighbours(chain, ks, NFT_META_IIFNAME);
	return r;
}

/* meta mark <socket mark> meta l4proto udp accept: the device's own encrypted packets. */
static int socket_mark(struct nftnl_chain *chain, const struct killswitch *ks)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = nft_match_mark(rule, false, ks->socket_mark);
	r = r ?: nft_match_meta_u8(rule, NFT_META_L4PROTO, IPPROTO_UDP);
	return r ?: nft_verdict(rule, NF_ACCEPT);
}

static int lan_outbound(struct nftnl_chain *chain, const struct killswitch *ks,
			const struct cidr *daddr)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = nft_match_ifname(rule, NFT_META_OIFNAME, ks->lan_ifname, true);
	if (daddr)
		r = r ?: nft_match_daddr(rule, daddr);
	else
		r = r ?: nft_match_mark(rule, true, ks->lan_mark);
	return r ?: nft_verdict(rule, NF_ACCEPT);
}

int nft_modes_output(struct nftnl_chain *chain, const struct killswitch *ks)
{
	int r = 0;

	if (ks->socket_mark)
		r = socket_mark(chain, ks);
	if (r == 0 && ks->lan_any) {
		r = lan_marked(chain, ks, NFT_META_OIFNAME);
		return r ?: lan_neighbours(chain, ks, NFT_META_OIFNAME);
	}
	if (r < 0 || !ks->lan_ifname)
		return r;
	r = lan_outbound(chain, ks, NULL);
	for (size_t i = 0; r == 0 && i < ks->n_allowed_subnets; i++)
		r = lan_outbound(chain, ks, &ks->allowed_subnets[i]);
	if (r == 0 && lan_has_ipv6(ks))
		r = lan_neighbours(chain, ks, NFT_META_OIFNAME);
	return r;
}

/* ct mark <lan mark> meta mark set <lan mark>: in a route chain, so the reply is routed again. */
int nft_modes_route(struct nftnl_chain *chain, const struct killswitch *ks)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	r = nft_match_mark(rule, true, ks->lan_mark);
	return r ?: nft_set_mark(rule, false, ks->lan_mark);
}

/* oifname != lo meta nfproto <f> meta l4proto <p> th dport 53 dnat to <resolver> */
static int dns_rule(struct nftnl_chain *chain, const struct cidr *to, uint8_t protocol)
{
	struct nftnl_rule *rule = nft_rule_new(chain);
	int r;

	if (!rule)
		return -ENOMEM;
	/* A resolver inside the container (a local cache) is left alone. */
	r = nft_match_ifname(rule, NFT_META_OIFNAME, "lo", false);
	r = r ?: nft_match_meta_u8(rule, NFT_META_NFPROTO,
				   to->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
	r = r ?: nft_match_dport(rule, protocol, 53);
	return r ?: nft_dnat(rule, to);
}

int nft_modes_dns(struct nftnl_chain *chain, const struct killswitch *ks)
{
	const struct cidr *targets[] = { ks->dns_v4, ks->dns_v6 };
	int r = 0;

	for (size_t i = 0; r == 0 && i < 2; i++)
		if (targets[i]) {
			r = dns_rule(chain, targets[i], IPPROTO_UDP);
			r = r ?: dns_rule(chain, targets[i], IPPROTO_TCP);
		}
	return r;
}
