/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kill switch. First the batch, parsed back message by message; then
 * (root only, skipped otherwise) the real kernel, each test in a network
 * namespace of its own made with unshare(CLONE_NEWNET):
 *
 *   this process ("the container")            wgt-<pid>-peer
 *   +------------------------------+          +--------------------------------+
 *   | wgt-lan 10.99.0.1  fd99::1   |--veth----| wgt-lanp 10.99.0.2  fd99::2    |
 *   | wgt-tun 10.99.1.1  fd99:1::1 |--veth----| wgt-tunp 10.99.1.2  fd99:1::2  |
 *   +------------------------------+          | counters "lan", "tun": udp 9999|
 *                                             +--------------------------------+
 *
 * wgt-tun stands for the tunnel: the kill switch names it and must let it
 * through, and drop what would leave by wgt-lan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>

#include "error.h"
#include "nft.h"

#define TUNNEL "wgt-tun"
#define TABLE "wgcni-" TUNNEL
#define MAX_MSGS 48
#define NFT_TYPE(msg) ((NFNL_SUBSYS_NFTABLES << 8) | (msg))

/* ---- the batch, parsed back ---- */

static void test_table_name(void **state)
{
	char name[32];

	nft_table_name("eth0", name, sizeof(name));
	assert_string_equal(name, "wgcni-eth0");
}

static int split(char *buf, int len, struct nlmsghdr **msgs)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	int n = 0;

	for (; mnl_nlmsg_ok(nlh, len) && n < MAX_MSGS; nlh = mnl_nlmsg_next(nlh, &len))
		msgs[n++] = nlh;
	assert_int_equal(len, 0);
	return n;
}

static void assert_chain(const struct nlmsghdr *nlh, const char *name, uint32_t hook)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	assert_int_equal(nftnl_chain_nlmsg_parse(nlh, c), 0);
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), "wgcni-wg0");
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), name);
	assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY), NFPROTO_INET);
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter");
	assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), hook);
	assert_int_equal(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), 0);
	assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY), NF_DROP);
	nftnl_chain_free(c);
}

struct exprs {
	struct nftnl_rule *rule;
	const struct nftnl_expr *e[8];
	int n;
};

static struct exprs *parse_rule(const struct nlmsghdr *nlh, const char *chain)
{
	struct exprs *x = calloc(1, sizeof(*x));
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;

	x->rule = nftnl_rule_alloc();
	assert_int_equal(nftnl_rule_nlmsg_parse(nlh, x->rule), 0);
	assert_string_equal(nftnl_rule_get_str(x->rule, NFTNL_RULE_TABLE), "wgcni-wg0");
	assert_string_equal(nftnl_rule_get_str(x->rule, NFTNL_RULE_CHAIN), chain);
	it = nftnl_expr_iter_create(x->rule);
	while ((e = nftnl_expr_iter_next(it)) && x->n < 8)
		x->e[x->n++] = e;
	nftnl_expr_iter_destroy(it);
	return x;
}

static void exprs_free(struct exprs *x)
{
	nftnl_rule_free(x->rule);
	free(x);
}

static void assert_expr_name(const struct nftnl_expr *e, const char *name)
{
	assert_string_equal(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), name);
}

static void assert_cmp(const struct nftnl_expr *e, uint32_t op, const void *data, uint32_t len)
{
	uint32_t got_len = 0;
	const void *got;

	assert_expr_name(e, "cmp");
	assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG), NFT_REG_1);
	assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), op);
	got = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, data, len);
}

/* meta <key> => reg 1; cmp eq reg 1 "<name>" zero padded to IFNAMSIZ. */
static void assert_ifname(struct exprs *x, int at, uint32_t key, const char *name)
{
	char padded[IFNAMSIZ] = { 0 };

	memcpy(padded, name, strlen(name));
	assert_expr_name(x->e[at], "meta");
	assert_int_equal(nftnl_expr_get_u32(x->e[at], NFTNL_EXPR_META_KEY), key);
	assert_int_equal(nftnl_expr_get_u32(x->e[at], NFTNL_EXPR_META_DREG), NFT_REG_1);
	assert_cmp(x->e[at + 1], NFT_CMP_EQ, padded, IFNAMSIZ);
}

static void assert_accept(struct exprs *x, int at)
{
	assert_int_equal(x->n, at + 1);
	assert_expr_name(x->e[at], "immediate");
	assert_int_equal(nftnl_expr_get_u32(x->e[at], NFTNL_EXPR_IMM_DREG), NFT_REG_VERDICT);
	assert_int_equal((int)nftnl_expr_get_u32(x->e[at], NFTNL_EXPR_IMM_VERDICT), NF_ACCEPT);
}

static void assert_ifname_accept(const struct nlmsghdr *nlh, const char *chain, uint32_t key,
				 const char *name)
{
	struct exprs *x = parse_rule(nlh, chain);

	assert_ifname(x, 0, key, name);
	assert_accept(x, 2);
	exprs_free(x);
}

/* iifname "wg0" ct state established,related accept */
static void assert_tunnel_replies(const struct nlmsghdr *nlh)
{
	const uint32_t established_related = 2 | 4, zero = 0;
	struct exprs *x = parse_rule(nlh, "input");
	uint32_t len = 0;

	assert_ifname(x, 0, NFT_META_IIFNAME, "wg0");
	assert_expr_name(x->e[2], "ct");
	assert_int_equal(nftnl_expr_get_u32(x->e[2], NFTNL_EXPR_CT_KEY), NFT_CT_STATE);
	assert_int_equal(nftnl_expr_get_u32(x->e[2], NFTNL_EXPR_CT_DREG), NFT_REG_1);
	assert_expr_name(x->e[3], "bitwise");
	assert_int_equal(nftnl_expr_get_u32(x->e[3], NFTNL_EXPR_BITWISE_LEN), 4);
	assert_memory_equal(nftnl_expr_get(x->e[3], NFTNL_EXPR_BITWISE_MASK, &len),
			    &established_related, 4);
	assert_int_equal(len, 4);
	assert_memory_equal(nftnl_expr_get(x->e[3], NFTNL_EXPR_BITWISE_XOR, &len), &zero, 4);
	assert_cmp(x->e[4], NFT_CMP_NEQ, &zero, 4);
	assert_accept(x, 5);
	exprs_free(x);
}

static void test_build_parses_back(void **state)
{
	static const uint16_t types[] = {
		NFNL_MSG_BATCH_BEGIN, NFT_TYPE(NFT_MSG_NEWTABLE), NFT_TYPE(NFT_MSG_DELTABLE),
		NFT_TYPE(NFT_MSG_NEWTABLE), NFT_TYPE(NFT_MSG_NEWCHAIN), NFT_TYPE(NFT_MSG_NEWCHAIN),
		NFT_TYPE(NFT_MSG_NEWCHAIN), NFT_TYPE(NFT_MSG_NEWRULE), NFT_TYPE(NFT_MSG_NEWRULE),
		NFT_TYPE(NFT_MSG_NEWRULE), NFT_TYPE(NFT_MSG_NEWRULE), NFNL_MSG_BATCH_END,
	};
	const struct killswitch ks = { .tunnel_ifname = "wg0" };
	struct nlmsghdr *msgs[MAX_MSGS];
	struct nftnl_table *t = nftnl_table_alloc();
	char buf[32768];
	int len, n;

	len = nft_killswitch_build(buf, sizeof(buf), 100, &ks);
	assert_true(len > 0);
	n = split(buf, len, msgs);
	assert_int_equal(n, 12);
	for (int i = 0; i < n; i++) {
		bool edge = i == 0 || i == n - 1;

		assert_int_equal(msgs[i]->nlmsg_type, types[i]);
		assert_int_equal(msgs[i]->nlmsg_seq, 100 + i);
		/* BATCH_BEGIN/END are never acknowledged: asking would hang nl_batch. */
		assert_int_equal(!!(msgs[i]->nlmsg_flags & NLM_F_ACK), !edge);
	}
	assert_int_equal(((struct nfgenmsg *)mnl_nlmsg_get_payload(msgs[0]))->res_id,
			 htons(NFNL_SUBSYS_NFTABLES));
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(nftnl_table_nlmsg_parse(msgs[i], t), 0);
		assert_string_equal(nftnl_table_get_str(t, NFTNL_TABLE_NAME), "wgcni-wg0");
		assert_int_equal(nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY), NFPROTO_INET);
	}
	nftnl_table_free(t);
	assert_true(msgs[1]->nlmsg_flags & NLM_F_CREATE);
	assert_chain(msgs[4], "input", NF_INET_LOCAL_IN);
	assert_chain(msgs[5], "output", NF_INET_LOCAL_OUT);
	assert_chain(msgs[6], "forward", NF_INET_FORWARD);
	assert_true(msgs[7]->nlmsg_flags & NLM_F_APPEND);
	assert_ifname_accept(msgs[7], "input", NFT_META_IIFNAME, "lo");
	assert_tunnel_replies(msgs[8]);
	assert_ifname_accept(msgs[9], "output", NFT_META_OIFNAME, "lo");
	assert_ifname_accept(msgs[10], "output", NFT_META_OIFNAME, "wg0");
}

/* Every mode at once: LAN leg (IPv4 and IPv6), socket mark, inbound ports, DNS redirect. */
static const struct cidr modes_lan[] = {
	{ .family = AF_INET, .addr.v4.s_addr = 0x0200590a, .prefix = 24 }, /* 10.89.0.2/24 */
	{ .family = AF_INET6, .addr.raw = { 0xfd, 0x89, [15] = 2 }, .prefix = 64 },
};
static const struct cidr modes_subnets[] = {
	{ .family = AF_INET, .addr.v4.s_addr = 0x006433c6, .prefix = 24 }, /* 198.51.100.0/24 */
};
static const struct inbound_port modes_ports[] = {
	{ .port = 9000, .protocol = IPPROTO_TCP }, { .port = 51000, .protocol = IPPROTO_UDP },
};
static const struct cidr modes_dns4 = { .family = AF_INET, .addr.v4.s_addr = 0x0100400a,
					.prefix = 32 }; /* 10.64.0.1 */
static const struct killswitch modes_ks = {
	.tunnel_ifname = "wg0", .lan_ifname = "eth0",
	.lan_addresses = modes_lan, .n_lan_addresses = 2,
	.allowed_subnets = modes_subnets, .n_allowed_subnets = 1,
	.lan_mark = 0x57474e49, .socket_mark = 51820,
	.inbound_ports = modes_ports, .n_inbound_ports = 2,
	.dns_v4 = &modes_dns4,
};

static void assert_chain_spec(const struct nlmsghdr *nlh, const char *name, const char *type,
			      uint32_t hook, int32_t priority, uint32_t policy)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	assert_int_equal(nftnl_chain_nlmsg_parse(nlh, c), 0);
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), name);
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), type);
	assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), hook);
	assert_int_equal(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), priority);
	assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY), policy);
	nftnl_chain_free(c);
}

static int rules_in(struct nlmsghdr **msgs, int n, const char *chain)
{
	int count = 0;

	for (int i = 0; i < n; i++) {
		struct nftnl_rule *r;

		if (msgs[i]->nlmsg_type != NFT_TYPE(NFT_MSG_NEWRULE))
			continue;
		r = nftnl_rule_alloc();
		assert_int_equal(nftnl_rule_nlmsg_parse(msgs[i], r), 0);
		count += strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), chain) == 0;
		nftnl_rule_free(r);
	}
	return count;
}

static void test_build_modes(void **state)
{
	struct nlmsghdr *msgs[MAX_MSGS];
	char buf[32768];
	int len, n;

	len = nft_killswitch_build(buf, sizeof(buf), 1, &modes_ks);
	assert_true(len > 0);
	n = split(buf, len, msgs);
	assert_chain_spec(msgs[4], "input", "filter", NF_INET_LOCAL_IN, 0, NF_DROP);
	assert_chain_spec(msgs[5], "output", "filter", NF_INET_LOCAL_OUT, 0, NF_DROP);
	assert_chain_spec(msgs[6], "forward", "filter", NF_INET_FORWARD, 0, NF_DROP);
	assert_chain_spec(msgs[7], "lan-replies", "route", NF_INET_LOCAL_OUT, -150, NF_ACCEPT);
	assert_chain_spec(msgs[8], "dns-redirect", "nat", NF_INET_LOCAL_OUT, -100, NF_ACCEPT);
	/* lo, tunnel replies, 2 ports, 2 per LAN address, neighbour discovery. */
	assert_int_equal(rules_in(msgs, n, "input"), 2 + 2 + 4 + 1);
	/* lo, tunnel, socket mark, LAN replies, 1 subnet, neighbour discovery. */
	assert_int_equal(rules_in(msgs, n, "output"), 2 + 1 + 1 + 1 + 1);
	assert_int_equal(rules_in(msgs, n, "forward"), 0);
	assert_int_equal(rules_in(msgs, n, "lan-replies"), 1);
	assert_int_equal(rules_in(msgs, n, "dns-redirect"), 2);

	/* Nothing of a mode that is not asked for. */
	len = nft_killswitch_build(buf, sizeof(buf), 1, &(struct killswitch){ .tunnel_ifname = "wg0",
							       .dns_v4 = &modes_dns4 });
	n = split(buf, len, msgs);
	assert_int_equal(n, 2 + 3 + 4 + 4 + 2);
	assert_chain_spec(msgs[7], "dns-redirect", "nat", NF_INET_LOCAL_OUT, -100, NF_ACCEPT);
}

/* netavark: every leg but the tunnel; one rule per published range, the rest as chained. */
static void test_build_lan_any(void **state)
{
	static const struct port_range published[] = {
		{ .first = 80, .last = 80, .protocol = IPPROTO_TCP },
		{ .first = 1000, .last = 1010, .protocol = IPPROTO_UDP },
	};
	const struct killswitch ks = { .tunnel_ifname = "eth1", .lan_any = true,
				       .published = published, .n_published = 2,
				       .lan_mark = WGCNI_LAN_MARK };
	struct nlmsghdr *msgs[MAX_MSGS];
	char buf[32768];
	int len, n;

	len = nft_killswitch_build(buf, sizeof(buf), 1, &ks);
	assert_true(len > 0);
	n = split(buf, len, msgs);
	/* lo, tunnel replies, marked connections, 2 published ranges, neighbour discovery. */
	assert_int_equal(rules_in(msgs, n, "input"), 2 + 1 + 2 + 1);
	/* lo, tunnel, marked connections, neighbour discovery. */
	assert_int_equal(rules_in(msgs, n, "output"), 2 + 1 + 1);
	assert_int_equal(rules_in(msgs, n, "lan-replies"), 1);
}

static void test_build_rejects_bad_names(void **state)
{
	static const char *const bad[] = { "", "0123456789abcdef", "a/b", "a b", "a:1", ".." };
	char buf[32768];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct killswitch ks = { .tunnel_ifname = bad[i] };

		error_clear();
		assert_int_equal(nft_killswitch_build(buf, sizeof(buf), 1, &ks), -EINVAL);
		assert_int_equal(error_code(), CNI_ERR_INVALID_CONFIG);
	}
	error_clear();
	assert_int_equal(nft_killswitch_build(buf, sizeof(buf), 1,
					      &(struct killswitch){ .tunnel_ifname = NULL }),
			 -EINVAL);
	error_clear();
	assert_true(nft_killswitch_build(buf, sizeof(buf), 1,
					 &(struct killswitch){ .tunnel_ifname = "0123456789abcde" }) > 0);
}

/* Every size, exactly allocated so ASan sees any write past it: -ENOSPC or the whole batch. */
static void test_build_small_buffers(void **state)
{
	const struct killswitch ks = { .tunnel_ifname = "wg0" };
	char full[32768];
	int whole = nft_killswitch_build(full, sizeof(full), 1, &ks);
	bool fitted = false;

	assert_true(whole > 0);
	for (size_t size = 0; size <= (size_t)whole + 4096; size += 16) {
		char *buf = malloc(size ? size : 1);
		int len = nft_killswitch_build(buf, size, 1, &ks);

		if (fitted)
			assert_int_equal(len, whole);
		else if (len != -ENOSPC) {
			assert_int_equal(len, whole);
			assert_memory_equal(buf, full, whole);
			fitted = true;
		}
		free(buf);
	}
	assert_true(fitted);
}

/* ---- the real kernel ---- */

struct kernel {
	struct nl_sock *nft;
	char peer[64]; /* the peer namespace, "" until made */
};

static int kernel_setup(void **state)
{
	struct kernel *k = calloc(1, sizeof(*k));

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		free(k);
		*state = NULL;
		return 0;
	}
	assert_int_equal(nl_open(NETLINK_NETFILTER, &k->nft), 0);
	error_clear();
	*state = k;
	return 0;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	return r == 0 ? 0 : -1;
}

static int kernel_teardown(void **state)
{
	struct kernel *k = *state;

	if (!k)
		return 0;
	/* Deleting the peer's ends takes both veth pairs with them. */
	if (k->peer[0])
		sh("ip netns del %s", k->peer);
	nl_close(k->nft);
	free(k);
	return 0;
}

static struct kernel *kernel_or_skip(void **state)
{
	if (!*state)
		skip();
	return *state;
}

/* Output of a command run in this namespace, in a static buffer. */
static const char *run(const char *cmd)
{
	static char out[16384];
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	return out;
}

static int count(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const struct killswitch tunnel_ks = { .tunnel_ifname = TUNNEL };

static void test_kernel_apply_check_remove(void **state)
{
	struct kernel *k = kernel_or_skip(state);
	const char *ruleset;

	assert_int_equal(nft_killswitch_apply(k->nft, &tunnel_ks), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &tunnel_ks), 0);
	ruleset = run("nft list ruleset");
	assert_int_equal(count(ruleset, "table inet " TABLE " {"), 1);
	assert_int_equal(count(ruleset, "type filter hook input priority filter; policy drop;"), 1);
	assert_int_equal(count(ruleset, "type filter hook output priority filter; policy drop;"), 1);
	assert_int_equal(count(ruleset, "type filter hook forward priority filter; policy drop;"), 1);
	assert_int_equal(count(ruleset, "iifname \"lo\" accept"), 1);
	assert_int_equal(count(ruleset, "iifname \"" TUNNEL "\" ct state established,related accept"), 1);
	assert_int_equal(count(ruleset, "oifname \"lo\" accept"), 1);
	assert_int_equal(count(ruleset, "oifname \"" TUNNEL "\" accept"), 1);
	assert_int_equal(count(ruleset, "accept"), 4);

	/* Applying again replaces: still one table, one copy of each rule. */
	assert_int_equal(nft_killswitch_apply(k->nft, &tunnel_ks), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &tunnel_ks), 0);
	ruleset = run("nft list ruleset");
	assert_int_equal(count(ruleset, "table inet"), 1);
	assert_int_equal(count(ruleset, "accept"), 4);

	assert_int_equal(nft_killswitch_remove(k->nft, TUNNEL), 0);
	assert_int_equal(count(run("nft list ruleset"), "table"), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &tunnel_ks), -ENOENT);
	assert_string_equal(error_message(), "kill switch table " TABLE " is missing");
	assert_int_equal(nft_killswitch_remove(k->nft, TUNNEL), 0);
}

/* As nft(8) prints each mode's rules, and CHECK agrees with what the kernel holds. */
static void test_kernel_modes(void **state)
{
	static const char *const lines[] = {
		"iifname \"wg0\" tcp dport 9000 accept",
		"iifname \"wg0\" udp dport 51000 accept",
		"iifname \"eth0\" ip daddr 10.89.0.2 ct state established,related accept",
		"iifname \"eth0\" ip daddr 10.89.0.2 ct state new ct mark set 0x57474e49 accept",
		"iifname \"eth0\" ip6 daddr fd89::2 ct state new ct mark set 0x57474e49 accept",
		"iifname \"eth0\" icmpv6 type 135-136 accept",
		"oifname \"eth0\" icmpv6 type 135-136 accept",
		"meta mark 0x0000ca6c meta l4proto udp accept",
		"oifname \"eth0\" ct mark 0x57474e49 accept",
		"oifname \"eth0\" ip daddr 198.51.100.0/24 accept",
		"type route hook output priority mangle; policy accept;",
		"ct mark 0x57474e49 meta mark set 0x57474e49",
		"type nat hook output priority -100; policy accept;",
		"oifname != \"lo\" meta nfproto ipv4 udp dport 53 dnat ip to 10.64.0.1",
		"oifname != \"lo\" meta nfproto ipv4 tcp dport 53 dnat ip to 10.64.0.1",
	};
	struct kernel *k = kernel_or_skip(state);
	const char *ruleset;

	assert_int_equal(nft_killswitch_apply(k->nft, &modes_ks), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &modes_ks), 0);
	ruleset = run("nft list table inet wgcni-wg0");
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (count(ruleset, lines[i]) != 1)
			fail_msg("missing once: %s\nin:\n%s", lines[i], ruleset);
	/* Standalone's CHECK does not accept a chained table, nor the reverse. */
	assert_int_equal(nft_killswitch_check(k->nft, &(struct killswitch){ .tunnel_ifname = "wg0" }),
			 -EBADMSG);
	error_clear();
	assert_int_equal(sh("nft flush chain inet wgcni-wg0 dns-redirect"), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &modes_ks), -EBADMSG);
	assert_string_equal(error_message(),
			    "kill switch table wgcni-wg0: chain dns-redirect has 0 rules, expected 2");
	error_clear();
	assert_int_equal(nft_killswitch_remove(k->nft, "wg0"), 0);
}

/* Another interface's table is not this one's. */
static void test_kernel_tables_per_interface(void **state)
{
	struct kernel *k = kernel_or_skip(state);
	const struct killswitch other = { .tunnel_ifname = "wgt-other" };

	assert_int_equal(nft_killswitch_apply(k->nft, &tunnel_ks), 0);
	assert_int_equal(nft_killswitch_apply(k->nft, &other), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &tunnel_ks), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &other), 0);
	assert_int_equal(nft_killswitch_remove(k->nft, "wgt-other"), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &tunnel_ks), 0);
	assert_int_equal(count(run("nft list tables"), "table inet"), 1);
}

static const struct tamper {
	const char *commands; /* run by sh, after the table is applied */
	int err;              /* check() afterwards */
	const char *message;  /* what check() reports, after "kill switch table <t>" */
} tampers[] = {
	{ "nft flush chain inet " TABLE " output", -EBADMSG, ": chain output has 0 rules, expected 2" },
	{ "nft chain inet " TABLE " output '{ policy accept; }'", -EBADMSG,
	  ": chain output policy is accept" },
	{ "nft add rule inet " TABLE " input accept", -EBADMSG, ": chain input has 3 rules, expected 2" },
	{ "nft flush chain inet " TABLE " input && "
	  "nft add rule inet " TABLE " input iifname lo accept && "
	  "nft add rule inet " TABLE " input iifname " TUNNEL " ct state established,related,new accept",
	  -EBADMSG, ": chain input rule 2 is " },
	{ "nft flush chain inet " TABLE " output && "
	  "nft add rule inet " TABLE " output oifname lo accept && "
	  "nft add rule inet " TABLE " output oifname wgt-tun2 accept",
	  -EBADMSG, ": chain output rule 2 is " },
	{ "nft delete chain inet " TABLE " forward", -EBADMSG, ": chain forward is missing" },
	{ "nft delete chain inet " TABLE " forward && nft add chain inet " TABLE
	  " forward '{ type filter hook forward priority 10; policy drop; }'",
	  -EBADMSG, ": chain forward priority is 10, expected 0" },
	{ "nft delete chain inet " TABLE " forward && nft add chain inet " TABLE
	  " forward '{ type filter hook prerouting priority 0; policy drop; }'",
	  -EBADMSG, ": chain forward hooks prerouting, expected forward" },
	{ "nft delete chain inet " TABLE " forward && nft add chain inet " TABLE " forward",
	  -EBADMSG, ": chain forward is not a base chain" },
	{ "nft add chain inet " TABLE " extra", -EBADMSG, " has an unexpected chain extra" },
	{ "nft add table inet " TABLE " '{ flags dormant; }'", -EBADMSG, " is dormant" },
	{ "nft delete table inet " TABLE, -ENOENT, " is missing" },
	/* Positive control: the same rules written by nft itself, new handles, still equal. */
	{ "nft flush chain inet " TABLE " input && "
	  "nft add rule inet " TABLE " input iifname lo accept && "
	  "nft add rule inet " TABLE " input iifname " TUNNEL " ct state established,related accept",
	  0, NULL },
};

static void test_kernel_check_names_tampering(void **state)
{
	struct kernel *k = kernel_or_skip(state);

	for (size_t i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
		const struct tamper *t = &tampers[i];
		char expected[256];

		/* Apply also repairs whatever the previous case did. */
		assert_int_equal(nft_killswitch_apply(k->nft, &tunnel_ks), 0);
		assert_int_equal(nft_killswitch_check(k->nft, &tunnel_ks), 0);
		assert_int_equal(sh("%s", t->commands), 0);
		error_clear();
		assert_int_equal(nft_killswitch_check(k->nft, &tunnel_ks), t->err);
		if (!t->message) {
			assert_false(error_recorded());
			continue;
		}
		print_message("case %zu: %s\n", i, error_message());
		snprintf(expected, sizeof(expected), "kill switch table %s%s", TABLE, t->message);
		if (strncmp(error_message(), expected, strlen(expected)) != 0)
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, error_message(),
				 expected);
		assert_int_equal(error_code(), WGCNI_ERR_DIFFERS);
	}
}

/* ---- real packets ---- */

static void wait_ready(const char *ifname)
{
	char link[128], tentative[128];

	/* iproute2 complains on stderr about other namespaces in /run/netns it cannot resolve. */
	snprintf(link, sizeof(link), "ip link show %s 2>/dev/null", ifname);
	snprintf(tentative, sizeof(tentative), "ip -6 addr show dev %s tentative scope global 2>/dev/null",
		 ifname);
	for (int i = 0; i < 100; i++) {
		if (strstr(run(link), "state UP") && run(tentative)[0] == '\0')
			return;
		usleep(20000);
	}
	fail_msg("%s did not come up", ifname);
}

/* A veth pair, `n` its subnet; static neighbours, so no ARP or ND is needed. */
static void veth(struct kernel *k, const char *ifname, const char *peer_ifname, int n)
{
	assert_int_equal(sh("ip link add %s address 02:00:00:00:0%d:01 type veth peer name %s "
			    "address 02:00:00:00:0%d:02 netns %s",
			    ifname, n, peer_ifname, n, k->peer), 0);
	assert_int_equal(sh("ip -n %s addr add 10.99.%d.2/24 dev %s && "
			    "ip -n %s addr add fd99:%d::2/64 dev %s nodad && ip -n %s link set %s up",
			    k->peer, n, peer_ifname, k->peer, n, peer_ifname, k->peer, peer_ifname), 0);
	assert_int_equal(sh("ip addr add 10.99.%d.1/24 dev %s && "
			    "ip addr add fd99:%d::1/64 dev %s nodad && ip link set %s up && "
			    "ip neigh replace 10.99.%d.2 lladdr 02:00:00:00:0%d:02 dev %s nud permanent && "
			    "ip neigh replace fd99:%d::2 lladdr 02:00:00:00:0%d:02 dev %s nud permanent",
			    n, ifname, n, ifname, ifname, n, n, ifname, n, n, ifname), 0);
	assert_int_equal(sh("ip -n %s neigh replace 10.99.%d.1 lladdr 02:00:00:00:0%d:01 dev %s "
			    "nud permanent", k->peer, n, n, peer_ifname), 0);
	wait_ready(ifname);
}

/* The peer counts UDP to port 9999 by the interface it came in on. */
static void peer_setup(struct kernel *k)
{
	snprintf(k->peer, sizeof(k->peer), "wgt-%d-peer", (int)getpid());
	assert_int_equal(sh("ip netns add %s", k->peer), 0);
	assert_int_equal(sh("ip netns exec %s nft 'add table inet wgt; "
			    "add counter inet wgt lan; add counter inet wgt tun; "
			    "add chain inet wgt in { type filter hook input priority 0; }; "
			    "add rule inet wgt in iifname wgt-lanp udp dport 9999 counter name lan; "
			    "add rule inet wgt in iifname wgt-tunp udp dport 9999 counter name tun'",
			    k->peer), 0);
}

static long peer_counter(struct kernel *k, const char *name)
{
	char cmd[256];
	const char *packets;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s nft list counter inet wgt %s", k->peer, name);
	packets = strstr(run(cmd), "packets ");
	assert_non_null(packets);
	return strtol(packets + strlen("packets "), NULL, 10);
}

static void wait_counter(struct kernel *k, const char *name, long expected)
{
	for (int i = 0; i < 100 && peer_counter(k, name) != expected; i++)
		usleep(20000);
	assert_int_equal(peer_counter(k, name), expected);
}

/* 0 or the -errno of sendto: netfilter's drop on output shows as -EPERM. */
static int send_udp(const char *address)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(9999) };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9999) };
	bool v6 = strchr(address, ':') != NULL;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t r;
	int err;

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, address,
				   v6 ? (void *)&sin6.sin6_addr : (void *)&sin.sin_addr), 1);
	if (v6)
		r = sendto(fd, "wgcni-nft-probe", 15, 0, (struct sockaddr *)&sin6, sizeof(sin6));
	else
		r = sendto(fd, "wgcni-nft-probe", 15, 0, (struct sockaddr *)&sin, sizeof(sin));
	err = r < 0 ? -errno : 0;
	close(fd);
	return err;
}

static void probe_lan_dropped_tunnel_passes(struct kernel *k, long tunnel_before)
{
	long lan = peer_counter(k, "lan");

	assert_int_equal(send_udp("10.99.0.2"), -EPERM);
	assert_int_equal(send_udp("fd99:0::2"), -EPERM);
	assert_int_equal(send_udp("10.99.1.2"), 0);
	assert_int_equal(send_udp("fd99:1::2"), 0);
	/* The tunnel probes went after the LAN ones: once they are in, the LAN's would be too. */
	wait_counter(k, "tun", tunnel_before + 2);
	assert_int_equal(peer_counter(k, "lan"), lan);
}

static void test_kernel_packets(void **state)
{
	struct kernel *k = kernel_or_skip(state);

	peer_setup(k);
	veth(k, "wgt-lan", "wgt-lanp", 0);

	/* Positive control: without the kill switch the LAN sees both probes. */
	assert_int_equal(send_udp("10.99.0.2"), 0);
	assert_int_equal(send_udp("fd99:0::2"), 0);
	wait_counter(k, "lan", 2);

	/* Installed before the tunnel exists, as ADD does. */
	assert_int_equal(nft_killswitch_apply(k->nft, &tunnel_ks), 0);
	veth(k, TUNNEL, "wgt-tunp", 1);
	probe_lan_dropped_tunnel_passes(k, 0);

	/* The tunnel deleted and made again: matched by name, it still passes. */
	assert_int_equal(sh("ip link del " TUNNEL), 0);
	veth(k, TUNNEL, "wgt-tunp", 1);
	probe_lan_dropped_tunnel_passes(k, 2);
	assert_int_equal(peer_counter(k, "lan"), 2);

	/* Removed: the LAN is reachable again. */
	assert_int_equal(nft_killswitch_remove(k->nft, TUNNEL), 0);
	assert_int_equal(send_udp("10.99.0.2"), 0);
	wait_counter(k, "lan", 3);
}

/* A UDP socket on 10.99.1.1:port, connected to 10.99.1.2:9999 if `connected`; 1 s receive timeout. */
static int tunnel_udp(int port, bool connected)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in remote = { .sin_family = AF_INET, .sin_port = htons(9999) };
	struct timeval timeout = { .tv_sec = 1 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, "10.99.1.1", &local.sin_addr);
	inet_pton(AF_INET, "10.99.1.2", &remote.sin_addr);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&local, sizeof(local)), 0);
	if (connected)
		assert_int_equal(connect(fd, (struct sockaddr *)&remote, sizeof(remote)), 0);
	return fd;
}

/* What a receive on fd gives: the length, or -errno. */
static int receive(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static void test_kernel_inbound(void **state)
{
	struct kernel *k = kernel_or_skip(state);
	char buf[64];
	int fd, listener;

	peer_setup(k);
	assert_int_equal(nft_killswitch_apply(k->nft, &tunnel_ks), 0);
	veth(k, TUNNEL, "wgt-tunp", 1);

	/* A reply comes in through the tunnel: the peer's port unreachable is related to our probe. */
	fd = tunnel_udp(9997, true);
	assert_int_equal(send(fd, "wgcni-nft-probe", 15, 0), 15);
	assert_int_equal(receive(fd, buf, sizeof(buf)), -ECONNREFUSED);
	close(fd);

	/* Nothing unsolicited does. */
	listener = tunnel_udp(9998, false);
	assert_int_equal(sh("ip netns exec %s bash -c 'echo wgcni-nft-probe > /dev/udp/10.99.1.1/9998'",
			    k->peer), 0);
	assert_int_equal(receive(listener, buf, sizeof(buf)), -EAGAIN);

	/* Positive control: without the kill switch the same probe arrives. */
	assert_int_equal(nft_killswitch_remove(k->nft, TUNNEL), 0);
	assert_int_equal(sh("ip netns exec %s bash -c 'echo wgcni-nft-probe > /dev/udp/10.99.1.1/9998'",
			    k->peer), 0);
	assert_int_equal(receive(listener, buf, sizeof(buf)), 16);
	assert_string_equal(buf, "wgcni-nft-probe\n");
	close(listener);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_name),
		cmocka_unit_test(test_build_parses_back),
		cmocka_unit_test(test_build_modes),
		cmocka_unit_test(test_build_lan_any),
		cmocka_unit_test(test_build_rejects_bad_names),
		cmocka_unit_test(test_build_small_buffers),
		cmocka_unit_test_setup_teardown(test_kernel_apply_check_remove, kernel_setup,
						kernel_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_tables_per_interface, kernel_setup,
						kernel_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_check_names_tampering, kernel_setup,
						kernel_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_modes, kernel_setup, kernel_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_packets, kernel_setup, kernel_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_inbound, kernel_setup, kernel_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
