/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kill switch's vocabulary: each function appends the expressions of
 * one match, action or verdict to a rule, as nft(8) would compile them.
 * Register 1 carries the value under test; values are in the byte order
 * the kernel compares them in (marks and ct state in host order, addresses
 * and ports in network order).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <libnftnl/expr.h>

#include "nft_ruleset.h"

/* NF_NAT_RANGE_MAP_IPS of <linux/netfilter/nf_nat.h>, which does not build alone in C. */
#define NAT_RANGE_MAP_IPS 1

struct nftnl_rule *nft_rule_new(struct nftnl_chain *chain)
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
	/* inet for the kill switch's table, netdev for the LAN legs' egress chains. */
	nftnl_rule_set_u32(rule, NFTNL_RULE_FAMILY, nftnl_chain_get_u32(chain, NFTNL_CHAIN_FAMILY));
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

static int load_meta(struct nftnl_rule *rule, enum nft_meta_keys key)
{
	struct nftnl_expr *meta = expr_add(rule, "meta");

	if (!meta)
		return -ENOMEM;
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return 0;
}

static int load_ct(struct nftnl_rule *rule, enum nft_ct_keys key)
{
	struct nftnl_expr *ct = expr_add(rule, "ct");

	if (!ct)
		return -ENOMEM;
	nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	return 0;
}

static int load_payload(struct nftnl_rule *rule, enum nft_payload_bases base, uint32_t offset,
			uint32_t len)
{
	struct nftnl_expr *p = expr_add(rule, "payload");

	if (!p)
		return -ENOMEM;
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_LEN, len);
	return 0;
}

/* reg1 = (reg1 & mask) ^ xor */
static int bitwise_reg1(struct nftnl_rule *rule, const void *mask, const void *xor, uint32_t len)
{
	struct nftnl_expr *bitwise = expr_add(rule, "bitwise");

	if (!bitwise)
		return -ENOMEM;
	nftnl_expr_set_u32(bitwise, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(bitwise, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(bitwise, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(bitwise, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(bitwise, NFTNL_EXPR_BITWISE_XOR, xor, len);
	return 0;
}

static int mask_reg1(struct nftnl_rule *rule, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];

	return bitwise_reg1(rule, mask, zero, len);
}

static int load_immediate(struct nftnl_rule *rule, const void *data, uint32_t len)
{
	struct nftnl_expr *imm = expr_add(rule, "immediate");

	if (!imm)
		return -ENOMEM;
	nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(imm, NFTNL_EXPR_IMM_DATA, data, len);
	return 0;
}

/* The whole IFNAMSIZ buffer is compared, zero padded: "wg0" never matches "wg01". */
int nft_match_ifname(struct nftnl_rule *rule, enum nft_meta_keys key, const char *ifname,
		     bool equal)
{
	char padded[IFNAMSIZ] = { 0 };
	int r = load_meta(rule, key);

	memcpy(padded, ifname, strnlen(ifname, IFNAMSIZ - 1));
	return r < 0 ? r : cmp_reg1(rule, equal ? NFT_CMP_EQ : NFT_CMP_NEQ, padded, sizeof(padded));
}

/* ct state & states != 0; the state bits are in host byte order. */
int nft_match_ct_state(struct nftnl_rule *rule, uint32_t states)
{
	const uint32_t zero = 0;
	int r = load_ct(rule, NFT_CT_STATE);

	r = r ?: mask_reg1(rule, &states, sizeof(states));
	return r ?: cmp_reg1(rule, NFT_CMP_NEQ, &zero, sizeof(zero));
}

/* meta nfproto / l4proto: one byte. */
int nft_match_meta_u8(struct nftnl_rule *rule, enum nft_meta_keys key, uint8_t value)
{
	int r = load_meta(rule, key);

	return r ?: cmp_reg1(rule, NFT_CMP_EQ, &value, sizeof(value));
}

/* meta mark or ct mark equal to `mark`. */
int nft_match_mark(struct nftnl_rule *rule, bool conntrack, uint32_t mark)
{
	int r = conntrack ? load_ct(rule, NFT_CT_MARK) : load_meta(rule, NFT_META_MARK);

	return r ?: cmp_reg1(rule, NFT_CMP_EQ, &mark, sizeof(mark));
}

int nft_set_mark(struct nftnl_rule *rule, bool conntrack, uint32_t mark)
{
	struct nftnl_expr *e;
	int r = load_immediate(rule, &mark, sizeof(mark));

	if (r < 0)
		return r;
	e = expr_add(rule, conntrack ? "ct" : "meta");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, conntrack ? NFTNL_EXPR_CT_KEY : NFTNL_EXPR_META_KEY,
			   conntrack ? NFT_CT_MARK : NFT_META_MARK);
	nftnl_expr_set_u32(e, conntrack ? NFTNL_EXPR_CT_SREG : NFTNL_EXPR_META_SREG, NFT_REG_1);
	return 0;
}

/* meta mark & bits == bits */
int nft_match_mark_bits(struct nftnl_rule *rule, uint32_t bits)
{
	int r = load_meta(rule, NFT_META_MARK);

	r = r ?: mask_reg1(rule, &bits, sizeof(bits));
	return r ?: cmp_reg1(rule, NFT_CMP_EQ, &bits, sizeof(bits));
}

/* meta mark set meta mark | bits: the other bits (a routing mark) stay as they are. */
int nft_add_mark_bits(struct nftnl_rule *rule, uint32_t bits)
{
	const uint32_t keep = ~bits;
	struct nftnl_expr *set;
	int r = load_meta(rule, NFT_META_MARK);

	r = r ?: bitwise_reg1(rule, &keep, &bits, sizeof(bits));
	if (r < 0)
		return r;
	set = expr_add(rule, "meta");
	if (!set)
		return -ENOMEM;
	nftnl_expr_set_u32(set, NFTNL_EXPR_META_KEY, NFT_META_MARK);
	nftnl_expr_set_u32(set, NFTNL_EXPR_META_SREG, NFT_REG_1);
	return 0;
}

/* meta protocol <ethertype> (netdev family: the frame's type, in network order) */
int nft_match_ethertype(struct nftnl_rule *rule, uint16_t ethertype)
{
	uint16_t be = htons(ethertype);
	int r = load_meta(rule, NFT_META_PROTOCOL);

	return r ?: cmp_reg1(rule, NFT_CMP_EQ, &be, sizeof(be));
}

/* (ip|ip6) daddr within `net`, the family matched first so the offset means what it says. */
int nft_match_daddr(struct nftnl_rule *rule, const struct cidr *net)
{
	bool v4 = net->family == AF_INET;
	uint32_t len = v4 ? 4 : 16;
	uint8_t mask[16] = { 0 }, value[16] = { 0 };
	int r = nft_match_meta_u8(rule, NFT_META_NFPROTO, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);

	for (unsigned i = 0; i < net->prefix && i < len * 8; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	for (unsigned i = 0; i < len; i++)
		value[i] = net->addr.raw[i] & mask[i];
	r = r ?: load_payload(rule, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 16 : 24, len);
	if (r == 0 && net->prefix < len * 8)
		r = mask_reg1(rule, mask, len);
	return r ?: cmp_reg1(rule, NFT_CMP_EQ, value, len);
}

/* meta l4proto <protocol> th dport <port> */
int nft_match_dport(struct nftnl_rule *rule, uint8_t protocol, uint16_t port)
{
	uint16_t be = htons(port);
	int r = nft_match_meta_u8(rule, NFT_META_L4PROTO, protocol);

	r = r ?: load_payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 2, sizeof(be));
	return r ?: cmp_reg1(rule, NFT_CMP_EQ, &be, sizeof(be));
}

/* meta l4proto <protocol> th dport first-last (one port: a plain comparison) */
int nft_match_dport_range(struct nftnl_rule *rule, uint8_t protocol, uint16_t first,
			  uint16_t last)
{
	uint16_t be_first = htons(first), be_last = htons(last);
	int r;

	if (first == last)
		return nft_match_dport(rule, protocol, first);
	r = nft_match_meta_u8(rule, NFT_META_L4PROTO, protocol);
	r = r ?: load_payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 2, sizeof(be_first));
	/* Network order compares as the numbers do: cmp works bytewise. */
	r = r ?: cmp_reg1(rule, NFT_CMP_GTE, &be_first, sizeof(be_first));
	return r ?: cmp_reg1(rule, NFT_CMP_LTE, &be_last, sizeof(be_last));
}

/* fib daddr . iif type local: the packet is addressed to the interface it came in on. */
int nft_match_daddr_local_to_iif(struct nftnl_rule *rule)
{
	const uint32_t local = RTN_LOCAL;
	struct nftnl_expr *fib = expr_add(rule, "fib");

	if (!fib)
		return -ENOMEM;
	nftnl_expr_set_u32(fib, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR | NFTA_FIB_F_IIF);
	nftnl_expr_set_u32(fib, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(fib, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	return cmp_reg1(rule, NFT_CMP_EQ, &local, sizeof(local));
}

/* icmpv6 type first..last */
int nft_match_icmpv6_types(struct nftnl_rule *rule, uint8_t first, uint8_t last)
{
	int r = nft_match_meta_u8(rule, NFT_META_L4PROTO, IPPROTO_ICMPV6);

	r = r ?: load_payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	r = r ?: cmp_reg1(rule, NFT_CMP_GTE, &first, 1);
	return r ?: cmp_reg1(rule, NFT_CMP_LTE, &last, 1);
}

/* dnat ip|ip6 to <address>, the port kept */
int nft_dnat(struct nftnl_rule *rule, const struct cidr *to)
{
	bool v4 = to->family == AF_INET;
	struct nftnl_expr *nat;
	int r = load_immediate(rule, to->addr.raw, v4 ? 4 : 16);

	if (r < 0)
		return r;
	nat = expr_add(rule, "nat");
	if (!nat)
		return -ENOMEM;
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_FAMILY, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	/* As the kernel reports it back (a one-address range), so CHECK compares equal. */
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG_1);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_FLAGS, NAT_RANGE_MAP_IPS);
	return 0;
}

int nft_verdict(struct nftnl_rule *rule, int code)
{
	struct nftnl_expr *imm = expr_add(rule, "immediate");

	if (!imm)
		return -ENOMEM;
	nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_VERDICT, code);
	return 0;
}
