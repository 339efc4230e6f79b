/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checking the kill switch: dump the table, its chains and its rules from
 * the kernel and compare them with the ruleset apply() would install, chain
 * by chain (hook, priority, type, policy) and rule by rule (every expression,
 * as libnftnl prints it, so handles and positions do not count).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>

#include "cleanup.h"
#include "error.h"
#include "nft_ruleset.h"

#define differs(table, fmt, ...) \
	(error_report(0, WGCNI_ERR_DIFFERS, "kill switch table %s" fmt, table, ##__VA_ARGS__), \
	 -EBADMSG)

/* What the kernel holds: the table's flags, its chains, each owning its dumped rules. */
struct dump {
	const char *table;
	const char *label; /* the table in messages: its name, "netdev <name>" for the egress table */
	uint16_t family;
	bool table_seen;
	uint32_t table_flags;
	struct nftnl_chain_list *chains;
	int err;
};

/* Tables cannot be dumped by name: the kernel gives every inet table. */
static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		d->err = -ENOMEM;
	else if (nftnl_table_nlmsg_parse(nlh, t) < 0)
		d->err = -EBADMSG;
	else if (strcmp(nftnl_table_get_str(t, NFTNL_TABLE_NAME), d->table) == 0) {
		d->table_seen = true;
		d->table_flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
	}
	if (t)
		nftnl_table_free(t);
	return d->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		d->err = -ENOMEM;
	else if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
		d->err = -EBADMSG;
	if (d->err) {
		if (c)
			nftnl_chain_free(c);
		return MNL_CB_ERROR;
	}
	if (strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), d->table) == 0)
		nftnl_chain_list_add_tail(c, d->chains);
	else
		nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_chain *c;

	if (!r)
		d->err = -ENOMEM;
	else if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		d->err = -EBADMSG;
	if (d->err) {
		if (r)
			nftnl_rule_free(r);
		return MNL_CB_ERROR;
	}
	/* A rule of a chain made between the two dumps is left out: that chain is not checked either. */
	c = nftnl_chain_list_lookup_byname(d->chains, nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	if (c && strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), d->table) == 0)
		nftnl_chain_rule_add_tail(r, c);
	else
		nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* One dump of the table's family: tables, or the chains or rules of this table. */
static int request_dump(struct nl_sock *nft, uint16_t type, mnl_cb_t cb, struct dump *d)
{
	char buf[256] = { 0 }; /* a header and a table name */
	struct nlmsghdr *nlh;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, type, d->family, NLM_F_DUMP, nl_next_seq(nft));
	if (type == NFT_MSG_GETCHAIN)
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, d->table);
	else if (type == NFT_MSG_GETRULE)
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, d->table);
	r = nl_request(nft, nlh, cb, d);
	if (d->err)
		r = d->err;
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "reading kill switch table %s", d->label);
	if (type == NFT_MSG_GETTABLE && !d->table_seen) {
		error_report(0, WGCNI_ERR_DIFFERS, "kill switch table %s is missing", d->label);
		return -ENOENT;
	}
	return 0;
}

/* Move *used on by a snprintf-style return; false once the text no longer fits. */
static bool advance(size_t *used, size_t size, int n)
{
	*used = n < 0 ? size : *used + (size_t)n;
	return *used < size;
}

/* Every expression of a rule, in order, as libnftnl prints it. -ENOSPC if it does not fit. */
static int rule_text(struct nftnl_rule *rule, char *buf, size_t size)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(rule);
	struct nftnl_expr *e;
	size_t used = 0;
	bool fits = true;

	buf[0] = '\0';
	if (!it)
		return -ENOMEM;
	while (fits && (e = nftnl_expr_iter_next(it)))
		fits = advance(&used, size, snprintf(buf + used, size - used, "[ %s ",
						     nftnl_expr_get_str(e, NFTNL_EXPR_NAME))) &&
		       advance(&used, size, nftnl_expr_snprintf(buf + used, size - used, e,
								NFTNL_OUTPUT_DEFAULT, 0)) &&
		       advance(&used, size, snprintf(buf + used, size - used, "] "));
	nftnl_expr_iter_destroy(it);
	return fits ? 0 : -ENOSPC;
}

static uint32_t rule_count(struct nftnl_chain *chain)
{
	uint32_t n = 0;

	while (nftnl_rule_lookup_byindex(chain, n))
		n++;
	return n;
}

static int compare_rules(const char *table, struct nftnl_chain *want, struct nftnl_chain *got)
{
	const char *name = nftnl_chain_get_str(want, NFTNL_CHAIN_NAME);
	uint32_t n_want = rule_count(want), n_got = rule_count(got);
	char want_text[1024], got_text[1024];

	if (n_got != n_want)
		return differs(table, ": chain %s has %u rules, expected %u", name, n_got, n_want);
	for (uint32_t i = 0; i < n_want; i++) {
		if (rule_text(nftnl_rule_lookup_byindex(want, i), want_text, sizeof(want_text)) < 0)
			return error_report(-ENOMEM, CNI_ERR_INTERNAL, "printing a kill switch rule");
		if (rule_text(nftnl_rule_lookup_byindex(got, i), got_text, sizeof(got_text)) < 0 ||
		    strcmp(want_text, got_text) != 0)
			return differs(table, ": chain %s rule %u is %s, expected %s",
				       name, i + 1, got_text, want_text);
	}
	return 0;
}

static const char *hook_name(uint32_t family, uint32_t hook)
{
	static const char *const names[] = {
		[NF_INET_PRE_ROUTING] = "prerouting", [NF_INET_LOCAL_IN] = "input",
		[NF_INET_FORWARD] = "forward", [NF_INET_LOCAL_OUT] = "output",
		[NF_INET_POST_ROUTING] = "postrouting", [NF_INET_INGRESS] = "ingress",
	};

	if (family == NFPROTO_NETDEV)
		return hook == NF_NETDEV_INGRESS ? "ingress" : hook == NF_NETDEV_EGRESS ? "egress" :
										 "unknown";
	return hook < ARRAY_SIZE(names) && names[hook] ? names[hook] : "unknown";
}

/* A netdev chain's one device: the kernel reports a single device as NFTA_HOOK_DEV. */
static const char *chain_device(struct nftnl_chain *c)
{
	const char *const *devs;

	if (nftnl_chain_is_set(c, NFTNL_CHAIN_DEV))
		return nftnl_chain_get_str(c, NFTNL_CHAIN_DEV);
	devs = nftnl_chain_get_array(c, NFTNL_CHAIN_DEVICES);
	return devs && devs[0] && !devs[1] ? devs[0] : "";
}

static const char *verdict_name(uint32_t verdict)
{
	return verdict == NF_ACCEPT ? "accept" : verdict == NF_DROP ? "drop" : "unknown";
}

static int compare_chain(const char *table, struct nftnl_chain *want, struct nftnl_chain *got)
{
	const char *name = nftnl_chain_get_str(want, NFTNL_CHAIN_NAME);
	const char *type = nftnl_chain_get_str(got, NFTNL_CHAIN_TYPE);
	uint32_t family = nftnl_chain_get_u32(want, NFTNL_CHAIN_FAMILY);
	uint32_t policy;

	if (!nftnl_chain_is_set(got, NFTNL_CHAIN_HOOKNUM))
		return differs(table, ": chain %s is not a base chain", name);
	if (nftnl_chain_get_u32(got, NFTNL_CHAIN_HOOKNUM) !=
	    nftnl_chain_get_u32(want, NFTNL_CHAIN_HOOKNUM))
		return differs(table, ": chain %s hooks %s, expected %s", name,
			       hook_name(family, nftnl_chain_get_u32(got, NFTNL_CHAIN_HOOKNUM)),
			       hook_name(family, nftnl_chain_get_u32(want, NFTNL_CHAIN_HOOKNUM)));
	if (family == NFPROTO_NETDEV && strcmp(chain_device(got), chain_device(want)) != 0)
		return differs(table, ": chain %s is on device \"%s\", expected %s", name,
			       chain_device(got), chain_device(want));
	if (nftnl_chain_get_s32(got, NFTNL_CHAIN_PRIO) != nftnl_chain_get_s32(want, NFTNL_CHAIN_PRIO))
		return differs(table, ": chain %s priority is %d, expected %d", name,
			       nftnl_chain_get_s32(got, NFTNL_CHAIN_PRIO),
			       nftnl_chain_get_s32(want, NFTNL_CHAIN_PRIO));
	if (!type || strcmp(type, nftnl_chain_get_str(want, NFTNL_CHAIN_TYPE)) != 0)
		return differs(table, ": chain %s type is %s, expected %s", name, type ? type : "none",
			       nftnl_chain_get_str(want, NFTNL_CHAIN_TYPE));
	policy = nftnl_chain_get_u32(got, NFTNL_CHAIN_POLICY);
	if (policy != nftnl_chain_get_u32(want, NFTNL_CHAIN_POLICY))
		return differs(table, ": chain %s policy is %s", name, verdict_name(policy));
	return compare_rules(table, want, got);
}

static bool expected_chain(struct nftnl_chain *const *chains, size_t n_chains, const char *name)
{
	for (size_t i = 0; i < n_chains; i++)
		if (strcmp(nftnl_chain_get_str(chains[i], NFTNL_CHAIN_NAME), name) == 0)
			return true;
	return false;
}

static int compare(struct nftnl_chain *const *chains, size_t n_chains, struct dump *d)
{
	const char *table = d->label;
	struct nftnl_chain_list_iter *it;
	struct nftnl_chain *c;
	int r = 0;

	/* A dormant table keeps its chains but none of them is hooked. */
	if (d->table_flags & NFT_TABLE_F_DORMANT)
		return differs(table, " is dormant");
	for (size_t i = 0; r == 0 && i < n_chains; i++) {
		const char *name = nftnl_chain_get_str(chains[i], NFTNL_CHAIN_NAME);

		c = nftnl_chain_list_lookup_byname(d->chains, name);
		r = c ? compare_chain(table, chains[i], c) : differs(table, ": chain %s is missing", name);
	}
	it = nftnl_chain_list_iter_create(d->chains);
	if (!it)
		return r ? r : error_report(-ENOMEM, CNI_ERR_INTERNAL, "checking table %s", table);
	while (r == 0 && (c = nftnl_chain_list_iter_next(it)))
		if (!expected_chain(chains, n_chains, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)))
			r = differs(table, " has an unexpected chain %s",
				    nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	nftnl_chain_list_iter_destroy(it);
	return r;
}

/* Dump one table of ours (its family, its name) and compare it with the chains it should have. */
static int check_table(struct nl_sock *nft, const struct nftnl_table *want,
		       struct nftnl_chain *const *chains, size_t n_chains)
{
	char label[8 + NFT_TABLE_NAME_LEN];
	struct dump d = { 0 };
	int r;

	d.table = nftnl_table_get_str(want, NFTNL_TABLE_NAME);
	d.family = (uint16_t)nftnl_table_get_u32(want, NFTNL_TABLE_FAMILY);
	snprintf(label, sizeof(label), "%s%s", d.family == NFPROTO_NETDEV ? "netdev " : "", d.table);
	d.label = label;
	d.chains = nftnl_chain_list_alloc();
	if (!d.chains)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "checking the kill switch");
	r = request_dump(nft, NFT_MSG_GETTABLE, table_cb, &d);
	if (r == 0)
		r = request_dump(nft, NFT_MSG_GETCHAIN, chain_cb, &d);
	if (r == 0)
		r = request_dump(nft, NFT_MSG_GETRULE, rule_cb, &d);
	if (r == 0)
		r = compare(chains, n_chains, &d);
	/* The list frees its chains, and each chain the rules it owns. */
	nftnl_chain_list_free(d.chains);
	return r;
}

int nft_killswitch_check(struct nl_sock *nft, const struct killswitch *ks)
{
	_cleanup_(nft_ruleset_free) struct nft_ruleset rs = { 0 };
	int r;

	r = nft_ruleset_build(ks, &rs);
	if (r < 0)
		return error_report(r, CNI_ERR_INTERNAL, "checking the kill switch");
	r = check_table(nft, rs.table, rs.chains, rs.n_chains);
	if (r == 0 && rs.egress_table)
		r = check_table(nft, rs.egress_table, rs.egress_chains, rs.n_egress_chains);
	return r;
}
