/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Installing and removing the kill switch: each is one nftables transaction,
 * built here into a buffer and handed to nl_batch(), which reads every ACK.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>

#include "cleanup.h"
#include "error.h"
#include "nft_ruleset.h"

/*
 * libnftnl writes a whole message before the batch can tell it ran past its
 * limit, so the batch stops this far short of the buffer's end. The largest
 * message the kill switch builds (a rule of six expressions) is under 400 bytes.
 */
#define NFT_MESSAGE_MAX 2048

void nft_table_name(const char *tunnel_ifname, char *buf, size_t len)
{
	snprintf(buf, len, "wgcni-%s", tunnel_ifname);
}

static int batch_next(struct mnl_nlmsg_batch *batch)
{
	return mnl_nlmsg_batch_next(batch) ? 0 : -ENOSPC;
}

static struct nlmsghdr *batch_header(struct mnl_nlmsg_batch *batch, uint16_t type,
				     uint16_t family, uint16_t flags, uint32_t *seq)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(batch), type, family,
				     flags | NLM_F_ACK, (*seq)++);
}

static int batch_table(struct mnl_nlmsg_batch *batch, uint16_t type, uint16_t flags,
		       uint32_t *seq, const struct nftnl_table *table)
{
	uint16_t family = (uint16_t)nftnl_table_get_u32(table, NFTNL_TABLE_FAMILY);

	nftnl_table_nlmsg_build_payload(batch_header(batch, type, family, flags, seq), table);
	return batch_next(batch);
}

struct rule_writer {
	struct mnl_nlmsg_batch *batch;
	uint32_t *seq;
	int err;
};

static int batch_rule(struct nftnl_rule *rule, void *data)
{
	struct rule_writer *w = data;
	struct nlmsghdr *nlh = batch_header(w->batch, NFT_MSG_NEWRULE,
					    (uint16_t)nftnl_rule_get_u32(rule, NFTNL_RULE_FAMILY),
					    NLM_F_CREATE | NLM_F_APPEND, w->seq);

	nftnl_rule_nlmsg_build_payload(nlh, rule);
	w->err = batch_next(w->batch);
	return w->err;
}

static int batch_chain(struct mnl_nlmsg_batch *batch, uint32_t *seq, struct nftnl_chain *chain)
{
	struct nlmsghdr *nlh = batch_header(batch, NFT_MSG_NEWCHAIN,
					    (uint16_t)nftnl_chain_get_u32(chain, NFTNL_CHAIN_FAMILY),
					    NLM_F_CREATE, seq);

	nftnl_chain_nlmsg_build_payload(nlh, chain);
	return batch_next(batch);
}

/*
 * NEWTABLE, DELTABLE, NEWTABLE: the first creates the table if it is missing
 * so that the delete cannot fail, the delete takes any old chains and rules
 * with it, and the kernel commits the whole batch or none of it, so the
 * namespace is never without a kill switch, not even between old and new.
 */
static int batch_table_chains(struct mnl_nlmsg_batch *batch, uint32_t *seq,
			      const struct nftnl_table *table, struct nftnl_chain *const *chains,
			      size_t n_chains)
{
	struct rule_writer w = { .batch = batch, .seq = seq };
	int r;

	r = batch_table(batch, NFT_MSG_NEWTABLE, NLM_F_CREATE, seq, table);
	if (r == 0)
		r = batch_table(batch, NFT_MSG_DELTABLE, 0, seq, table);
	if (r == 0)
		r = batch_table(batch, NFT_MSG_NEWTABLE, NLM_F_CREATE, seq, table);
	for (size_t i = 0; r == 0 && i < n_chains; i++)
		r = batch_chain(batch, seq, chains[i]);
	for (size_t i = 0; r == 0 && i < n_chains; i++) {
		nftnl_rule_foreach(chains[i], batch_rule, &w);
		r = w.err;
	}
	return r;
}

/* The inet table and, with a LAN leg, the netdev table of its egress chains: one transaction. */
static int batch_ruleset(struct mnl_nlmsg_batch *batch, uint32_t *seq, struct nft_ruleset *rs)
{
	int r = batch_table_chains(batch, seq, rs->table, rs->chains, rs->n_chains);

	if (r == 0 && rs->egress_table)
		r = batch_table_chains(batch, seq, rs->egress_table, rs->egress_chains,
				       rs->n_egress_chains);
	return r;
}

/* Wraps fill() in BATCH_BEGIN/END; returns the batch's length or -errno. */
static int batch_build(void *buf, size_t size, uint32_t seq, struct nft_ruleset *rs,
		       int (*fill)(struct mnl_nlmsg_batch *, uint32_t *, struct nft_ruleset *))
{
	struct mnl_nlmsg_batch *batch;
	int len, r;

	if (size < 2 * NFT_MESSAGE_MAX)
		return -ENOSPC;
	/* libmnl 1.0.4 leaves attribute padding as it finds it: no stale bytes to the kernel. */
	memset(buf, 0, size);
	batch = mnl_nlmsg_batch_start(buf, size - NFT_MESSAGE_MAX);
	if (!batch)
		return -ENOMEM;
	nftnl_batch_begin(mnl_nlmsg_batch_current(batch), seq++);
	r = batch_next(batch);
	if (r == 0)
		r = fill(batch, &seq, rs);
	if (r == 0) {
		nftnl_batch_end(mnl_nlmsg_batch_current(batch), seq++);
		r = batch_next(batch);
	}
	len = mnl_nlmsg_batch_size(batch);
	mnl_nlmsg_batch_stop(batch);
	return r < 0 ? r : len;
}

int nft_killswitch_build(void *buf, size_t size, uint32_t seq, const struct killswitch *ks)
{
	_cleanup_(nft_ruleset_free) struct nft_ruleset rs = { 0 };
	int r;

	r = nft_ruleset_build(ks, &rs);
	if (r < 0)
		return r;
	return batch_build(buf, size, seq, &rs, batch_ruleset);
}

int nft_killswitch_apply(struct nl_sock *nft, const struct killswitch *ks)
{
	_cleanup_free_ void *buf = malloc(NFT_BATCH_SIZE);
	char table[NFT_TABLE_NAME_LEN];
	int len, r;

	if (!buf)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "building the kill switch");
	len = nft_killswitch_build(buf, NFT_BATCH_SIZE, nl_next_seq(nft), ks);
	if (len < 0)
		return error_report(len, CNI_ERR_INTERNAL, "building the kill switch");
	nft_table_name(ks->tunnel_ifname, table, sizeof(table));
	r = nl_batch(nft, buf, len);
	/*
	 * Fail closed: without its egress chain the leg would let AF_PACKET frames
	 * out. EOPNOTSUPP: no egress hook; ENOENT: Linux < 6.16 and no such device.
	 */
	if ((r == -EOPNOTSUPP || r == -ENOENT) && (ks->lan_ifname || ks->n_egress_legs))
		return error_report(r, CNI_ERR_IO, "installing kill switch table %s with the egress "
				    "chain of LAN leg %.*s%s (a netdev egress hook: Linux 5.16 or later "
				    "with CONFIG_NETFILTER_EGRESS)", table, IFNAMSIZ,
				    ks->lan_ifname ? ks->lan_ifname : ks->egress_legs[0],
				    !ks->lan_ifname && ks->n_egress_legs > 1 ? " and the other legs" : "");
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "installing kill switch table %s", table);
	return 0;
}

static int batch_delete(struct mnl_nlmsg_batch *batch, uint32_t *seq, struct nft_ruleset *rs)
{
	return batch_table(batch, NFT_MSG_DELTABLE, 0, seq, rs->table);
}

static int batch_delete_egress(struct mnl_nlmsg_batch *batch, uint32_t *seq,
			       struct nft_ruleset *rs)
{
	return batch_table(batch, NFT_MSG_DELTABLE, 0, seq, rs->egress_table);
}

static int remove_table(struct nl_sock *nft, struct nft_ruleset *rs,
			int (*fill)(struct mnl_nlmsg_batch *, uint32_t *, struct nft_ruleset *),
			const char *family)
{
	const char *table = nftnl_table_get_str(rs->table, NFTNL_TABLE_NAME);
	char buf[2 * NFT_MESSAGE_MAX];
	int len, r;

	len = batch_build(buf, sizeof(buf), nl_next_seq(nft), rs, fill);
	if (len < 0)
		return error_report(len, CNI_ERR_INTERNAL, "removing kill switch table %s %s",
				    family, table);
	r = nl_batch(nft, buf, len);
	/* Gone already; a kernel without the netdev family never had the egress table. */
	if (r == -ENOENT || r == -EAFNOSUPPORT || r == -EOPNOTSUPP)
		return 0;
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "removing kill switch table %s %s", family, table);
	return 0;
}

/*
 * Two transactions, each of which may find its table gone. The inet table
 * goes first: until the egress table follows, a LAN leg lets out nothing
 * but ARP, as nothing marks packets any more.
 */
int nft_killswitch_remove(struct nl_sock *nft, const char *tunnel_ifname)
{
	_cleanup_(nft_ruleset_free) struct nft_ruleset rs = { 0 };
	const struct killswitch ks = { .tunnel_ifname = tunnel_ifname };
	int r, egress;

	r = nft_ruleset_build(&ks, &rs);
	/* Any leg name will do: a table is deleted by name, with all its chains. */
	if (r == 0 && nft_egress_add(&rs, "lo") < 0)
		r = -ENOMEM;
	if (r < 0)
		return error_report(r, CNI_ERR_INTERNAL, "removing the kill switch");
	r = remove_table(nft, &rs, batch_delete, "inet");
	egress = remove_table(nft, &rs, batch_delete_egress, "netdev");
	return r ?: egress;
}
