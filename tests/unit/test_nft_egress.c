/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The LAN leg's egress chain (firewall/nft_egress.c): built into the kill
 * switch's one batch and parsed back; then (root only, skipped otherwise)
 * in a network namespace of its own:
 *
 *   this process ("the container")              wgt-<pid>-legpeer
 *   +--------------------------------+          +----------------------------------+
 *   | wgt-leg 10.99.5.1  fd99:5::1   |--veth----| wgt-legp 10.99.5.2  fd99:5::2    |
 *   +--------------------------------+          | counters: udp 9999 "ok",         |
 *                                               |           udp 9 "raw" (AF_PACKET)|
 *                                               +----------------------------------+
 *
 * No static neighbours: ARP and IPv6 neighbour discovery must get through.
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
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>

#include "error.h"
#include "nft.h"
#include "state.h"
#include "../../firewall/nft_ruleset.h"

#define LEG "wgt-leg"
#define MAX_MSGS 64
#define NFT_TYPE(msg) ((NFNL_SUBSYS_NFTABLES << 8) | (msg))

static const struct cidr leg_addresses[] = {
	{ .family = AF_INET, .addr.v4.s_addr = 0x0105630a, .prefix = 24 },  /* 10.99.5.1 */
	{ .family = AF_INET6, .addr.raw = { 0xfd, 0x99, 0, 5, [15] = 1 }, .prefix = 64 },
};
static const struct cidr leg_subnets[] = {
	{ .family = AF_INET, .addr.v4.s_addr = 0x0005630a, .prefix = 24 },  /* 10.99.5.0/24 */
	{ .family = AF_INET6, .addr.raw = { 0xfd, 0x99, 0, 5 }, .prefix = 64 },
};
static const struct killswitch chained = {
	.tunnel_ifname = "wg0", .lan_ifname = LEG,
	.lan_addresses = leg_addresses, .n_lan_addresses = 2,
	.allowed_subnets = leg_subnets, .n_allowed_subnets = 2,
	.lan_mark = WGCNI_LAN_MARK,
};

/* ---- the batch, parsed back ---- */

static int split(char *buf, int len, struct nlmsghdr **msgs)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	int n = 0;

	for (; mnl_nlmsg_ok(nlh, len) && n < MAX_MSGS; nlh = mnl_nlmsg_next(nlh, &len))
		msgs[n++] = nlh;
	assert_int_equal(len, 0);
	return n;
}

static uint8_t family_of(const struct nlmsghdr *nlh)
{
	return ((const struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family;
}

/* One transaction: inet table, then netdev table, each NEW, DEL, NEW; every message ACKed. */
static void test_build_one_batch(void **state)
{
	static const uint16_t tables[] = { NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE, NFT_MSG_NEWTABLE };
	struct nlmsghdr *msgs[MAX_MSGS];
	char buf[32768];
	int len, n, netdev_at = -1, egress_rules = 0;

	len = nft_killswitch_build(buf, sizeof(buf), 1, &chained);
	assert_true(len > 0);
	n = split(buf, len, msgs);
	assert_int_equal(msgs[0]->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	assert_int_equal(msgs[n - 1]->nlmsg_type, NFNL_MSG_BATCH_END);
	for (int i = 1; i < n - 1; i++) {
		assert_true(msgs[i]->nlmsg_flags & NLM_F_ACK);
		if (netdev_at < 0 && family_of(msgs[i]) == NFPROTO_NETDEV)
			netdev_at = i;
		/* Nothing of the inet table after the netdev one begins. */
		if (netdev_at >= 0)
			assert_int_equal(family_of(msgs[i]), NFPROTO_NETDEV);
	}
	assert_true(netdev_at > 4);
	for (int i = 0; i < 3; i++) {
		struct nftnl_table *t = nftnl_table_alloc();

		assert_int_equal(msgs[netdev_at + i]->nlmsg_type, NFT_TYPE(tables[i]));
		assert_int_equal(nftnl_table_nlmsg_parse(msgs[netdev_at + i], t), 0);
		assert_string_equal(nftnl_table_get_str(t, NFTNL_TABLE_NAME), "wgcni-wg0");
		nftnl_table_free(t);
	}
	{
		struct nftnl_chain *c = nftnl_chain_alloc();

		assert_int_equal(msgs[netdev_at + 3]->nlmsg_type, NFT_TYPE(NFT_MSG_NEWCHAIN));
		assert_int_equal(nftnl_chain_nlmsg_parse(msgs[netdev_at + 3], c), 0);
		assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), "egress-" LEG);
		assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter");
		assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_DEV), LEG);
		assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), NF_NETDEV_EGRESS);
		assert_int_equal(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), 0);
		assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY), NF_DROP);
		nftnl_chain_free(c);
	}
	for (int i = netdev_at + 4; i < n - 1; i++) {
		assert_int_equal(msgs[i]->nlmsg_type, NFT_TYPE(NFT_MSG_NEWRULE));
		egress_rules++;
	}
	assert_int_equal(egress_rules, 2); /* ARP; the mark bit */
}

/* Standalone: no leg, so neither the netdev table nor the inet chain that marks for it. */
static void test_build_standalone_has_none(void **state)
{
	struct nlmsghdr *msgs[MAX_MSGS];
	char buf[32768];
	int len, n;

	len = nft_killswitch_build(buf, sizeof(buf), 1, &(struct killswitch){ .tunnel_ifname = "wg0" });
	assert_true(len > 0);
	n = split(buf, len, msgs);
	for (int i = 1; i < n - 1; i++) {
		assert_int_equal(family_of(msgs[i]), NFPROTO_INET);
		if (msgs[i]->nlmsg_type == NFT_TYPE(NFT_MSG_NEWCHAIN)) {
			struct nftnl_chain *c = nftnl_chain_alloc();

			assert_int_equal(nftnl_chain_nlmsg_parse(msgs[i], c), 0);
			assert_string_not_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), "mark-accepted");
			nftnl_chain_free(c);
		}
	}
}

/* The builder podman 5's legs use: one chain per leg, bad names refused, a bounded number. */
static void test_egress_add(void **state)
{
	struct nft_ruleset rs = { 0 };
	char name[16];

	assert_int_equal(nft_ruleset_build(&(struct killswitch){ .tunnel_ifname = "wg0" }, &rs), 0);
	assert_null(rs.egress_table);
	error_clear();
	assert_int_equal(nft_egress_add(&rs, ""), -EINVAL);
	assert_int_equal(error_code(), CNI_ERR_INVALID_CONFIG);
	error_clear();
	assert_int_equal(nft_egress_add(&rs, "0123456789abcdef"), -EINVAL);
	error_clear();
	for (int i = 0; i < NFT_RULESET_MAX_LEGS; i++) {
		snprintf(name, sizeof(name), "eth%d", i);
		assert_int_equal(nft_egress_add(&rs, name), 0);
	}
	assert_int_equal(nft_egress_add(&rs, "eth99"), -ENOSPC);
	assert_int_equal(nftnl_table_get_u32(rs.egress_table, NFTNL_TABLE_FAMILY), NFPROTO_NETDEV);
	assert_string_equal(nftnl_chain_get_str(rs.egress_chains[3], NFTNL_CHAIN_NAME), "egress-eth3");
	assert_string_equal(nftnl_chain_get_str(rs.egress_chains[3], NFTNL_CHAIN_DEV), "eth3");
	nft_ruleset_free(&rs);
}

/*
 * netavark: the largest kill switch a record can describe (every published
 * range, every egress leg, longest names, DNS redirect) fits apply()'s batch,
 * with one egress chain per leg.
 */
static void test_build_largest_beside(void **state)
{
	static char legs[STATE_MAX_LEGS][IFNAMSIZ];
	static struct port_range published[STATE_MAX_PUBLISHED];
	static uint8_t buf[NFT_BATCH_SIZE];
	struct cidr dns4 = { .family = AF_INET, .prefix = 32 };
	struct cidr dns6 = { .family = AF_INET6, .prefix = 128 };
	struct killswitch ks = {
		.tunnel_ifname = "eth0123456789ab", .lan_any = true, .lan_mark = 0x57474e49,
		.published = published, .n_published = STATE_MAX_PUBLISHED,
		.egress_legs = legs, .n_egress_legs = STATE_MAX_LEGS,
		.dns_v4 = &dns4, .dns_v6 = &dns6,
	};
	struct nft_ruleset rs;

	for (int i = 0; i < STATE_MAX_LEGS; i++)
		snprintf(legs[i], IFNAMSIZ, "leg-name-%06d", i);
	for (int i = 0; i < STATE_MAX_PUBLISHED; i++)
		published[i] = (struct port_range){ .first = (uint16_t)(10000 + i),
						    .last = (uint16_t)(20000 + i),
						    .protocol = IPPROTO_SCTP };
	assert_true(nft_killswitch_build(buf, sizeof(buf), 1, &ks) > 0);
	assert_int_equal(nft_ruleset_build(&ks, &rs), 0);
	assert_int_equal(rs.n_egress_chains, STATE_MAX_LEGS);
	assert_string_equal(nftnl_chain_get_str(rs.egress_chains[STATE_MAX_LEGS - 1],
						NFTNL_CHAIN_DEV), legs[STATE_MAX_LEGS - 1]);
	nft_ruleset_free(&rs);
}

/* ---- the real kernel ---- */

struct kernel {
	struct nl_sock *nft;
	char peer[64];
};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

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

static int kernel_setup(void **state)
{
	struct kernel *k = calloc(1, sizeof(*k));

	*state = NULL;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		free(k);
		return 0;
	}
	assert_int_equal(nl_open(NETLINK_NETFILTER, &k->nft), 0);
	snprintf(k->peer, sizeof(k->peer), "wgt-%d-legpeer", (int)getpid());
	sh("ip netns del %s 2>/dev/null", k->peer); /* a failed setup's */
	assert_int_equal(sh("ip netns add %s", k->peer), 0);
	assert_int_equal(sh("ip link set lo up && ip link add " LEG " type veth peer name wgt-legp "
			    "netns %s", k->peer), 0);
	assert_int_equal(sh("ip -n %s addr add 10.99.5.2/24 dev wgt-legp && "
			    "ip -n %s addr add fd99:5::2/64 dev wgt-legp nodad && "
			    "ip -n %s link set wgt-legp up && "
			    "ip addr add 10.99.5.1/24 dev " LEG " && "
			    "ip addr add fd99:5::1/64 dev " LEG " nodad && ip link set " LEG " up",
			    k->peer, k->peer, k->peer), 0);
	/* Rule counters, not named ones: Debian's kernel has those in a module of their own. */
	assert_int_equal(sh("ip netns exec %s nft 'add table inet wgt; "
			    "add chain inet wgt pre { type filter hook prerouting priority 0; }; "
			    "add rule inet wgt pre udp dport 9999 counter; "
			    "add rule inet wgt pre udp dport 9 counter'", k->peer), 0);
	error_clear();
	*state = k;
	return 0;
}

static int kernel_teardown(void **state)
{
	struct kernel *k = *state;

	if (!k)
		return 0;
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

/* "ok": UDP to port 9999 (sockets); "raw": to port 9 (the AF_PACKET frames). */
static long counter(struct kernel *k, const char *name)
{
	char cmd[256], rule[64];
	const char *packets;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s nft list chain inet wgt pre", k->peer);
	snprintf(rule, sizeof(rule), "udp dport %s counter packets ",
		 strcmp(name, "ok") == 0 ? "9999" : "9");
	packets = strstr(run(cmd), rule);
	assert_non_null(packets);
	return strtol(packets + strlen(rule), NULL, 10);
}

static void wait_counter(struct kernel *k, const char *name, long expected)
{
	for (int i = 0; i < 250 && counter(k, name) != expected; i++)
		usleep(20000);
	assert_int_equal(counter(k, name), expected);
}

static void send_udp(int family, const char *address)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (family == AF_INET) {
		sin->sin_port = htons(9999);
		assert_int_equal(inet_pton(AF_INET, address, &sin->sin_addr), 1);
	} else {
		sin6->sin6_port = htons(9999);
		assert_int_equal(inet_pton(AF_INET6, address, &sin6->sin6_addr), 1);
	}
	assert_int_equal(sendto(fd, "wgcni-egress-ok", 15, 0, (struct sockaddr *)&ss, sizeof(ss)), 15);
	close(fd);
}

static uint16_t checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * An IPv4 UDP frame to 10.99.5.2:9, written on the leg by AF_PACKET, around
 * the IP stack. 0, or -ENOBUFS when a hook dropped it (NET_XMIT_DROP).
 */
static int send_frame(bool qdisc_bypass)
{
	uint8_t frame[14 + 20 + 8 + 8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *ip = frame + 14, *udp = ip + 20;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(LEG) };
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	uint16_t sum;
	ssize_t n;

	assert_true(fd >= 0);
	if (qdisc_bypass)
		assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)), 0);
	frame[12] = 0x08; /* ETH_P_IP */
	ip[0] = 0x45, ip[3] = sizeof(frame) - 14, ip[8] = 64, ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, (uint8_t[]){ 10, 99, 5, 1, 10, 99, 5, 2 }, 8);
	sum = checksum(ip, 20);
	ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
	udp[1] = 40, udp[3] = 9, udp[5] = 16;
	memcpy(udp + 8, "wgcnirAW", 8);
	n = sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll));
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		assert_int_equal(n, -ENOBUFS);
	else
		assert_int_equal(n, sizeof(frame));
	return n < 0 ? (int)n : 0;
}

static void test_kernel_apply_check_tamper_remove(void **state)
{
	struct kernel *k = kernel_or_skip(state);
	const char *ruleset;

	assert_int_equal(nft_killswitch_apply(k->nft, &chained), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &chained), 0);
	ruleset = run("nft list ruleset");
	assert_int_equal(count(ruleset, "table netdev wgcni-wg0 {"), 1);
	assert_int_equal(count(ruleset, "chain egress-" LEG " {"), 1);
	assert_int_equal(count(ruleset, "type filter hook egress device \"" LEG "\" priority filter; "
					"policy drop;"), 1);
	assert_int_equal(count(ruleset, "meta protocol arp accept"), 1);
	assert_int_equal(count(ruleset, "meta mark & 0x20000000 == 0x20000000 accept"), 1);
	assert_int_equal(count(ruleset, "type filter hook output priority filter + 10; policy accept;"), 1);
	assert_int_equal(count(ruleset, "\t\tmeta mark set meta mark | 0x20000000\n"), 1);

	/* CHECK names what was tampered with; apply repairs it. */
	assert_int_equal(sh("nft delete table netdev wgcni-wg0"), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &chained), -ENOENT);
	assert_string_equal(error_message(), "kill switch table netdev wgcni-wg0 is missing");
	error_clear();
	assert_int_equal(nft_killswitch_apply(k->nft, &chained), 0);
	assert_int_equal(sh("nft delete chain netdev wgcni-wg0 egress-" LEG), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &chained), -EBADMSG);
	assert_string_equal(error_message(), "kill switch table netdev wgcni-wg0: chain egress-" LEG
					     " is missing");
	error_clear();
	assert_int_equal(nft_killswitch_apply(k->nft, &chained), 0);
	assert_int_equal(sh("nft chain netdev wgcni-wg0 egress-" LEG " '{ policy accept; }'"), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &chained), -EBADMSG);
	assert_string_equal(error_message(), "kill switch table netdev wgcni-wg0: chain egress-" LEG
					     " policy is accept");
	error_clear();
	assert_int_equal(nft_killswitch_apply(k->nft, &chained), 0);
	assert_int_equal(sh("nft flush chain inet wgcni-wg0 mark-accepted"), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &chained), -EBADMSG);
	assert_string_equal(error_message(), "kill switch table wgcni-wg0: chain mark-accepted has "
					     "0 rules, expected 1");
	error_clear();
	assert_int_equal(nft_killswitch_apply(k->nft, &chained), 0);
	assert_int_equal(nft_killswitch_check(k->nft, &chained), 0);
	/* Applying again replaces both tables: one copy of each. */
	assert_int_equal(count(run("nft list ruleset"), "meta protocol arp accept"), 1);

	assert_int_equal(nft_killswitch_remove(k->nft, "wg0"), 0);
	assert_int_equal(count(run("nft list ruleset"), "table"), 0);
	assert_int_equal(nft_killswitch_remove(k->nft, "wg0"), 0);
}

/*
 * What the kill switch lets out of the leg still leaves (ARP and neighbour
 * discovery included, no static neighbours here); AF_PACKET frames do not,
 * with or without PACKET_QDISC_BYPASS, until the kill switch is removed.
 */
static void test_kernel_packets(void **state)
{
	struct kernel *k = kernel_or_skip(state);

	assert_int_equal(nft_killswitch_apply(k->nft, &chained), 0);
	send_udp(AF_INET, "10.99.5.2");
	send_udp(AF_INET6, "fd99:5::2");
	wait_counter(k, "ok", 2);

	assert_int_equal(send_frame(false), -ENOBUFS);
	assert_int_equal(send_frame(true), -ENOBUFS);
	/* Sent after the frames on the same link: once it is counted, they would be too. */
	send_udp(AF_INET, "10.99.5.2");
	wait_counter(k, "ok", 3);
	assert_int_equal(counter(k, "raw"), 0);

	/* Positive control: the same frames without the kill switch. */
	assert_int_equal(nft_killswitch_remove(k->nft, "wg0"), 0);
	assert_int_equal(send_frame(false), 0);
	assert_int_equal(send_frame(true), 0);
	wait_counter(k, "raw", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_one_batch),
		cmocka_unit_test(test_build_standalone_has_none),
		cmocka_unit_test(test_egress_add),
		cmocka_unit_test(test_build_largest_beside),
		cmocka_unit_test_setup_teardown(test_kernel_apply_check_tamper_remove, kernel_setup,
						kernel_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_packets, kernel_setup, kernel_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
