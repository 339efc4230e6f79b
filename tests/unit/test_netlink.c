/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink messages built and parsed back, then the same modules against the
 * real kernel (root) in two namespaces of the test's own, made with
 * unshare(CLONE_NEWNET) and gone when the test exits:
 *
 *   +-- "host" netns ------+        +-- "container" netns --+
 *   | wgt-a ==== wgt-b     |  move  |  eth7 (was wgt-a)     |
 *   |  (veth)              | -----> |  addrs, routes, rules |
 *   +----------------------+        +-----------------------+
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/fib_rules.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/time_types.h>
#include <linux/veth.h>
#include <linux/wireguard.h>

#include "cleanup.h"
#include "error.h"
#include "link.h"
#include "nl.h"
#include "route.h"
#include "wgdev.h"
#include "wgkernel.h"

#define MAX_ATTR 64

struct attrs {
	const struct nlattr *tb[MAX_ATTR];
	int count;
};

static int collect(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	uint16_t type = mnl_attr_get_type(attr);

	assert_true(type < MAX_ATTR);
	assert_null(a->tb[type]); /* every attribute once */
	a->tb[type] = attr;
	a->count++;
	return MNL_CB_OK;
}

static void parse(const struct nlmsghdr *nlh, size_t header, struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(mnl_attr_parse(nlh, header, collect, a), MNL_CB_OK);
}

static void parse_nested(const struct nlattr *nest, struct attrs *a)
{
	assert_non_null(nest);
	memset(a, 0, sizeof(*a));
	assert_int_equal(mnl_attr_parse_nested(nest, collect, a), MNL_CB_OK);
}

static struct cidr cidr(const char *text)
{
	struct cidr c;

	assert_int_equal(cidr_parse(text, &c), 0);
	return c;
}

static void assert_payload(const struct nlattr *attr, const void *data, size_t len)
{
	assert_non_null(attr);
	assert_int_equal(mnl_attr_get_payload_len(attr), len);
	assert_memory_equal(mnl_attr_get_payload(attr), data, len);
}

/* ---- rtnetlink builders ------------------------------------------------ */

static void build_create_wireguard(void **state)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = link_build_create_wireguard(buf, 7, 5, "wg0", 1420);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct attrs a, info;

	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(nlh->nlmsg_seq, 7);
	assert_int_equal(ifi->ifi_index, 0);
	parse(nlh, sizeof(*ifi), &a);
	assert_int_equal(a.count, 4);
	assert_string_equal(mnl_attr_get_str(a.tb[IFLA_IFNAME]), "wg0");
	assert_int_equal(mnl_attr_get_u32(a.tb[IFLA_MTU]), 1420);
	assert_int_equal(mnl_attr_get_u32(a.tb[IFLA_NET_NS_FD]), 5);
	parse_nested(a.tb[IFLA_LINKINFO], &info);
	assert_int_equal(info.count, 1);
	assert_string_equal(mnl_attr_get_str(info.tb[IFLA_INFO_KIND]), "wireguard");
}

static void build_move_and_delete(void **state)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = link_build_move(buf, 8, 9, 6, "eth0");
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct attrs a;

	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	/* No CREATE: a move must never make a new device. */
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(ifi->ifi_index, 9);
	parse(nlh, sizeof(*ifi), &a);
	assert_int_equal(a.count, 2);
	assert_int_equal(mnl_attr_get_u32(a.tb[IFLA_NET_NS_FD]), 6);
	assert_string_equal(mnl_attr_get_str(a.tb[IFLA_IFNAME]), "eth0");

	nlh = link_build_delete(buf, 9, "eth0");
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_DELLINK);
	assert_int_equal(ifi->ifi_index, 0);
	parse(nlh, sizeof(*ifi), &a);
	assert_int_equal(a.count, 1);
	assert_string_equal(mnl_attr_get_str(a.tb[IFLA_IFNAME]), "eth0");
}

static void build_addr(void **state)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct cidr v6 = cidr("fc00::2/128"), v4 = cidr("10.1.2.3/24");
	struct nlmsghdr *nlh = addr_build_add(buf, 1, 3, &v6);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct attrs a;

	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 128);
	assert_int_equal(ifa->ifa_flags, IFA_F_NODAD);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(ifa->ifa_index, 3);
	parse(nlh, sizeof(*ifa), &a);
	assert_int_equal(a.count, 3);
	assert_payload(a.tb[IFA_LOCAL], &v6.addr.v6, 16);
	assert_payload(a.tb[IFA_ADDRESS], &v6.addr.v6, 16);
	assert_int_equal(mnl_attr_get_u32(a.tb[IFA_FLAGS]), IFA_F_NODAD);

	nlh = addr_build_add(buf, 2, 4, &v4);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_flags, 0);
	parse(nlh, sizeof(*ifa), &a);
	/* The address itself, not the network: 10.1.2.3 stays. */
	assert_payload(a.tb[IFA_LOCAL], &v4.addr.v4, 4);
	assert_int_equal(mnl_attr_get_u32(a.tb[IFA_FLAGS]), 0);
}

static void build_route(void **state)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct cidr dst = cidr("10.1.2.3/16"), net = cidr("10.1.0.0/16"), any6 = cidr("::/0");
	struct nlmsghdr *nlh = route_build(buf, 3, RTM_NEWROUTE, 4, &dst, RT_TABLE_MAIN);
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct attrs a;

	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 16);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	parse(nlh, sizeof(*rtm), &a);
	assert_int_equal(a.count, 3);
	assert_payload(a.tb[RTA_DST], &net.addr.v4, 4); /* host bits cleared */
	assert_int_equal(mnl_attr_get_u32(a.tb[RTA_OIF]), 4);
	assert_int_equal(mnl_attr_get_u32(a.tb[RTA_TABLE]), RT_TABLE_MAIN);
	assert_null(a.tb[RTA_GATEWAY]);

	nlh = route_build(buf, 4, RTM_DELROUTE, 5, &any6, 51820);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_DELROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(rtm->rtm_family, AF_INET6);
	assert_int_equal(rtm->rtm_dst_len, 0);
	assert_int_equal(rtm->rtm_table, RT_TABLE_UNSPEC); /* 51820 only fits RTA_TABLE */
	parse(nlh, sizeof(*rtm), &a);
	assert_int_equal(mnl_attr_get_u32(a.tb[RTA_TABLE]), 51820);
	assert_payload(a.tb[RTA_DST], &any6.addr.v6, 16);
}

/* Chained mode's routes: via a gateway, and the wildcard delete of another plugin's routes. */
static void build_route_gateway(void **state)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct cidr any4 = cidr("0.0.0.0/0"), gw = cidr("10.89.0.1/32");
	struct nlmsghdr *nlh = route_build_gateway(buf, 3, RTM_NEWROUTE, 4, &any4, &gw, 5747);
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct attrs a;

	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(rtm->rtm_dst_len, 0);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
	assert_int_equal(rtm->rtm_table, RT_TABLE_UNSPEC);
	parse(nlh, sizeof(*rtm), &a);
	assert_int_equal(a.count, 4);
	assert_payload(a.tb[RTA_GATEWAY], &gw.addr.v4, 4);
	assert_int_equal(mnl_attr_get_u32(a.tb[RTA_TABLE]), 5747);
	assert_int_equal(mnl_attr_get_u32(a.tb[RTA_OIF]), 4);

	nlh = route_build_gateway(buf, 4, RTM_DELROUTE, 0, &any4, NULL, RT_TABLE_MAIN);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_NOWHERE);
	assert_int_equal(rtm->rtm_protocol, RTPROT_UNSPEC);
	parse(nlh, sizeof(*rtm), &a);
	assert_null(a.tb[RTA_GATEWAY]);
	assert_int_equal(mnl_attr_get_u32(a.tb[RTA_OIF]), 0);
}

static void build_rule(void **state)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct rule not_marked = { .family = AF_INET, .table = 51820, .fwmark = 0xca6c,
				   .fwmask = 0xffffffff, .invert = true, .suppress_prefixlen = -1 };
	struct rule suppress = { .family = AF_INET6, .priority = 32000, .table = RT_TABLE_MAIN,
				 .suppress_prefixlen = 0 };
	struct nlmsghdr *nlh = rule_build(buf, 5, RTM_NEWRULE, &not_marked);
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct attrs a;

	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(frh->family, AF_INET);
	assert_int_equal(frh->action, FR_ACT_TO_TBL);
	assert_int_equal(frh->flags, FIB_RULE_INVERT);
	assert_int_equal(frh->table, RT_TABLE_UNSPEC);
	parse(nlh, sizeof(*frh), &a);
	assert_int_equal(a.count, 3);
	assert_null(a.tb[FRA_PRIORITY]);
	assert_int_equal(mnl_attr_get_u32(a.tb[FRA_TABLE]), 51820);
	assert_int_equal(mnl_attr_get_u32(a.tb[FRA_FWMARK]), 0xca6c);
	assert_int_equal(mnl_attr_get_u32(a.tb[FRA_FWMASK]), 0xffffffff);

	nlh = rule_build(buf, 6, RTM_DELRULE, &suppress);
	frh = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(frh->family, AF_INET6);
	assert_int_equal(frh->flags, 0);
	assert_int_equal(frh->table, RT_TABLE_MAIN);
	parse(nlh, sizeof(*frh), &a);
	assert_int_equal(a.count, 3);
	assert_int_equal(mnl_attr_get_u32(a.tb[FRA_PRIORITY]), 32000);
	assert_int_equal(mnl_attr_get_u32(a.tb[FRA_SUPPRESS_PREFIXLEN]), 0);
	assert_null(a.tb[FRA_FWMARK]);
}

/* ---- WireGuard generic netlink builders ---------------------------------- */

#define WG_FAMILY 0x1234
#define MAX_SEEN_IPS 2100

struct seen_peer {
	uint8_t key[WG_KEY_LEN];
	int heads; /* messages that carried its flags, PSK, endpoint, keepalive */
	bool has_psk;
	uint8_t psk[WG_KEY_LEN];
	size_t endpoint_len;
	struct sockaddr_storage endpoint;
	uint16_t keepalive;
	uint32_t flags;
	struct cidr ips[MAX_SEEN_IPS];
	size_t n_ips;
};

struct seen {
	int messages, with_device, first_with_device;
	uint8_t private_key[WG_KEY_LEN];
	bool has_port;
	uint16_t port;
	uint32_t fwmark, flags;
	struct seen_peer peers[4];
	size_t n_peers;
};

static void seen_allowed_ips(const struct nlattr *list, struct seen_peer *p)
{
	const struct nlattr *ip;
	struct attrs a;

	mnl_attr_for_each_nested(ip, list) {
		struct cidr c = { 0 };

		parse_nested(ip, &a);
		assert_int_equal(a.count, 3);
		c.family = mnl_attr_get_u16(a.tb[WGALLOWEDIP_A_FAMILY]);
		c.prefix = mnl_attr_get_u8(a.tb[WGALLOWEDIP_A_CIDR_MASK]);
		assert_int_equal(mnl_attr_get_payload_len(a.tb[WGALLOWEDIP_A_IPADDR]),
				 c.family == AF_INET ? 4 : 16);
		memcpy(c.addr.raw, mnl_attr_get_payload(a.tb[WGALLOWEDIP_A_IPADDR]),
		       mnl_attr_get_payload_len(a.tb[WGALLOWEDIP_A_IPADDR]));
		assert_true(p->n_ips < MAX_SEEN_IPS);
		p->ips[p->n_ips++] = c;
	}
}

static void seen_peer_head(const struct attrs *a, struct seen_peer *p)
{
	p->heads++;
	p->flags = mnl_attr_get_u32(a->tb[WGPEER_A_FLAGS]);
	p->keepalive = mnl_attr_get_u16(a->tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
	if (a->tb[WGPEER_A_PRESHARED_KEY]) {
		assert_int_equal(mnl_attr_get_payload_len(a->tb[WGPEER_A_PRESHARED_KEY]), 32);
		p->has_psk = true;
		memcpy(p->psk, mnl_attr_get_payload(a->tb[WGPEER_A_PRESHARED_KEY]), 32);
	}
	if (a->tb[WGPEER_A_ENDPOINT]) {
		p->endpoint_len = mnl_attr_get_payload_len(a->tb[WGPEER_A_ENDPOINT]);
		memcpy(&p->endpoint, mnl_attr_get_payload(a->tb[WGPEER_A_ENDPOINT]),
		       p->endpoint_len);
	}
}

static void seen_peers(const struct nlattr *list, struct seen *s)
{
	const struct nlattr *peer;
	struct attrs a;

	mnl_attr_for_each_nested(peer, list) {
		const uint8_t *key;
		struct seen_peer *p;

		parse_nested(peer, &a);
		assert_int_equal(mnl_attr_get_payload_len(a.tb[WGPEER_A_PUBLIC_KEY]), 32);
		key = mnl_attr_get_payload(a.tb[WGPEER_A_PUBLIC_KEY]);
		p = s->n_peers ? &s->peers[s->n_peers - 1] : NULL;
		if (!p || memcmp(p->key, key, 32) != 0) {
			assert_true(s->n_peers < 4);
			p = &s->peers[s->n_peers++];
			memcpy(p->key, key, 32);
		}
		if (a.tb[WGPEER_A_FLAGS]) {
			seen_peer_head(&a, p);
		} else {
			/* A continuation: nothing but the key and more allowed IPs. */
			assert_null(a.tb[WGPEER_A_PRESHARED_KEY]);
			assert_null(a.tb[WGPEER_A_ENDPOINT]);
			assert_null(a.tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
		}
		if (a.tb[WGPEER_A_ALLOWEDIPS])
			seen_allowed_ips(a.tb[WGPEER_A_ALLOWEDIPS], p);
	}
}

static void seen_message(const struct nlmsghdr *nlh, struct seen *s)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct attrs a;

	assert_int_equal(nlh->nlmsg_type, WG_FAMILY);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(g->cmd, WG_CMD_SET_DEVICE);
	assert_int_equal(g->version, WG_GENL_VERSION);
	parse(nlh, sizeof(*g), &a);
	assert_string_equal(mnl_attr_get_str(a.tb[WGDEVICE_A_IFNAME]), "wg0");
	s->messages++;
	if (a.tb[WGDEVICE_A_PRIVATE_KEY]) {
		if (!s->with_device++)
			s->first_with_device = s->messages;
		assert_int_equal(mnl_attr_get_payload_len(a.tb[WGDEVICE_A_PRIVATE_KEY]), 32);
		memcpy(s->private_key, mnl_attr_get_payload(a.tb[WGDEVICE_A_PRIVATE_KEY]), 32);
		s->flags = mnl_attr_get_u32(a.tb[WGDEVICE_A_FLAGS]);
		s->fwmark = mnl_attr_get_u32(a.tb[WGDEVICE_A_FWMARK]);
		s->has_port = a.tb[WGDEVICE_A_LISTEN_PORT] != NULL;
		if (s->has_port)
			s->port = mnl_attr_get_u16(a.tb[WGDEVICE_A_LISTEN_PORT]);
	} else {
		assert_null(a.tb[WGDEVICE_A_FLAGS]);
		assert_null(a.tb[WGDEVICE_A_FWMARK]);
		assert_null(a.tb[WGDEVICE_A_LISTEN_PORT]);
	}
	if (a.tb[WGDEVICE_A_PEERS])
		seen_peers(a.tb[WGDEVICE_A_PEERS], s);
}

/* Build every message of cfg at `size`, parse each back into *s. */
static void build_all(const struct wgdev_config *cfg, size_t size, struct seen *s)
{
	struct wgkernel_cursor cur = { 0 };
	uint8_t *buf = malloc(size);

	assert_non_null(buf);
	memset(s, 0, sizeof(*s));
	while (!wgkernel_set_done(&cur, cfg)) {
		struct nlmsghdr *nlh = wgkernel_build_set(buf, size, 100, WG_FAMILY, "wg0", cfg, &cur);

		assert_non_null(nlh);
		assert_true(nlh->nlmsg_len <= size);
		seen_message(nlh, s);
		assert_true(s->messages < 1000);
	}
	free(buf);
}

static struct sockaddr_in endpoint4(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	return sin;
}

static struct sockaddr_in6 endpoint6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET6, ip, &sin6.sin6_addr), 1);
	return sin6;
}

struct two_peers {
	struct cidr ips_a[2], ips_b[1];
	struct peer_conf conf[2];
	struct wgdev_peer peers[2];
	struct wgdev_config cfg;
	struct sockaddr_in ep_a;
	struct sockaddr_in6 ep_b;
};

static void two_peers_init(struct two_peers *t)
{
	memset(t, 0, sizeof(*t));
	t->ips_a[0] = cidr("10.0.0.0/24");
	t->ips_a[1] = cidr("fd00::/64");
	t->ips_b[0] = cidr("10.1.0.0/16");
	t->ep_a = endpoint4("192.0.2.1", 51820);
	t->ep_b = endpoint6("2001:db8::1", 51821);
	memset(t->conf[0].public_key, 0xa1, 32);
	memcpy(&t->conf[0].endpoint, &t->ep_a, sizeof(t->ep_a));
	t->conf[0].endpoint_len = sizeof(t->ep_a);
	t->conf[0].allowed_ips = t->ips_a;
	t->conf[0].n_allowed_ips = 2;
	t->conf[0].persistent_keepalive = 25;
	memset(t->conf[1].public_key, 0xb2, 32);
	memcpy(&t->conf[1].endpoint, &t->ep_b, sizeof(t->ep_b));
	t->conf[1].endpoint_len = sizeof(t->ep_b);
	t->conf[1].allowed_ips = t->ips_b;
	t->conf[1].n_allowed_ips = 1;
	t->peers[0] = (struct wgdev_peer){ .conf = &t->conf[0], .has_psk = true };
	memset(t->peers[0].psk, 0x55, 32);
	t->peers[1] = (struct wgdev_peer){ .conf = &t->conf[1] };
	for (int i = 0; i < 32; i++)
		t->cfg.private_key[i] = (uint8_t)(i + 1);
	t->cfg.listen_port = 51820;
	t->cfg.fwmark = 0x10;
	t->cfg.peers = t->peers;
	t->cfg.n_peers = 2;
}

static void wg_set_two_peers(void **state)
{
	struct two_peers *t = malloc(sizeof(*t));
	struct seen *s = malloc(sizeof(*s));
	uint8_t psk[32];

	assert_non_null(t);
	assert_non_null(s);
	two_peers_init(t);
	build_all(&t->cfg, NL_MSG_MAX, s);
	assert_int_equal(s->messages, 1);
	assert_int_equal(s->with_device, 1);
	assert_memory_equal(s->private_key, t->cfg.private_key, 32);
	assert_true(s->has_port);
	assert_int_equal(s->port, 51820);
	assert_int_equal(s->fwmark, 0x10);
	assert_int_equal(s->flags, WGDEVICE_F_REPLACE_PEERS);
	assert_int_equal(s->n_peers, 2);

	memset(psk, 0x55, 32);
	assert_memory_equal(s->peers[0].key, t->conf[0].public_key, 32);
	assert_int_equal(s->peers[0].heads, 1);
	assert_true(s->peers[0].has_psk);
	assert_memory_equal(s->peers[0].psk, psk, 32);
	assert_int_equal(s->peers[0].endpoint_len, sizeof(struct sockaddr_in));
	assert_memory_equal(&s->peers[0].endpoint, &t->ep_a, sizeof(t->ep_a));
	assert_int_equal(s->peers[0].keepalive, 25);
	assert_int_equal(s->peers[0].flags, WGPEER_F_REPLACE_ALLOWEDIPS);
	assert_int_equal(s->peers[0].n_ips, 2);
	assert_true(cidr_equal(&s->peers[0].ips[0], &t->ips_a[0]));
	assert_true(cidr_equal(&s->peers[0].ips[1], &t->ips_a[1]));

	assert_memory_equal(s->peers[1].key, t->conf[1].public_key, 32);
	assert_false(s->peers[1].has_psk);
	assert_int_equal(s->peers[1].endpoint_len, sizeof(struct sockaddr_in6));
	assert_memory_equal(&s->peers[1].endpoint, &t->ep_b, sizeof(t->ep_b));
	assert_int_equal(s->peers[1].keepalive, 0);
	assert_int_equal(s->peers[1].n_ips, 1);
	assert_true(cidr_equal(&s->peers[1].ips[0], &t->ips_b[0]));

	/* Port 0 is "keep what the device has": not sent at all. */
	t->cfg.listen_port = 0;
	build_all(&t->cfg, NL_MSG_MAX, s);
	assert_false(s->has_port);
	free(s);
	free(t);
}

static void wg_set_split(void **state)
{
	struct two_peers *t = malloc(sizeof(*t));
	struct seen *s = malloc(sizeof(*s));
	struct cidr *many = calloc(2000, sizeof(*many));

	assert_non_null(t);
	assert_non_null(s);
	assert_non_null(many);
	two_peers_init(t);
	for (int i = 0; i < 2000; i++) {
		many[i].family = AF_INET;
		many[i].addr.raw[0] = 10;
		many[i].addr.raw[1] = (uint8_t)(i >> 8);
		many[i].addr.raw[2] = (uint8_t)i;
		many[i].prefix = 24;
	}
	t->conf[0].allowed_ips = many;
	t->conf[0].n_allowed_ips = 2000;

	build_all(&t->cfg, 4096, s);
	/* 2000 allowed IPs of 28 bytes each cannot fit fewer than 14 messages of 4 KiB. */
	assert_true(s->messages >= 14);
	assert_int_equal(s->with_device, 1);
	assert_int_equal(s->first_with_device, 1);
	assert_int_equal(s->n_peers, 2);
	assert_int_equal(s->peers[0].heads, 1);
	assert_true(s->peers[0].has_psk);
	assert_int_equal(s->peers[0].n_ips, 2000);
	for (int i = 0; i < 2000; i++)
		assert_true(cidr_equal(&s->peers[0].ips[i], &many[i]));
	assert_int_equal(s->peers[1].heads, 1);
	assert_int_equal(s->peers[1].n_ips, 1);
	assert_true(cidr_equal(&s->peers[1].ips[0], &t->ips_b[0]));

	/* Positive control for the count above: at 64 KiB it is one message. */
	build_all(&t->cfg, 65536, s);
	assert_int_equal(s->messages, 1);
	assert_int_equal(s->peers[0].n_ips, 2000);
	free(many);
	free(s);
	free(t);
}

static void wg_set_too_small(void **state)
{
	struct two_peers t;
	struct wgkernel_cursor cur = { 0 };
	uint8_t buf[NL_MSG_MAX] = { 0 };

	two_peers_init(&t);
	/* Header, name and the 32-byte key alone need more than 64 bytes. */
	assert_null(wgkernel_build_set(buf, 64, 1, WG_FAMILY, "wg0", &t.cfg, &cur));
	assert_false(cur.device_sent);
	assert_non_null(wgkernel_build_set(buf, sizeof(buf), 1, WG_FAMILY, "wg0", &t.cfg, &cur));
}

static void wg_build_get(void **state)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = wgkernel_build_get(buf, 11, WG_FAMILY, "wg0");
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct attrs a;

	assert_int_equal(nlh->nlmsg_type, WG_FAMILY);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	assert_int_equal(g->cmd, WG_CMD_GET_DEVICE);
	parse(nlh, sizeof(*g), &a);
	assert_int_equal(a.count, 1);
	assert_string_equal(mnl_attr_get_str(a.tb[WGDEVICE_A_IFNAME]), "wg0");
}

/* ---- parsing WG_CMD_GET_DEVICE replies ------------------------------------ */

static struct nlmsghdr *reply_header(void *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = WG_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	return nlh;
}

static void reply_allowed_ip(struct nlmsghdr *nlh, const char *text)
{
	struct cidr c = cidr(text);
	struct nlattr *nest = mnl_attr_nest_start(nlh, 0);

	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, c.prefix);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, (uint16_t)c.family);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, c.family == AF_INET ? 4 : 16, c.addr.raw);
	mnl_attr_nest_end(nlh, nest);
}

static void reply_peer_head(struct nlmsghdr *nlh, uint8_t psk_byte, int64_t handshake,
			    const void *endpoint, size_t endpoint_len)
{
	struct __kernel_timespec ts = { .tv_sec = handshake, .tv_nsec = 5 };
	uint8_t psk[32];

	memset(psk, psk_byte, 32);
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, 32, psk);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, psk_byte ? 25 : 0);
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 1000);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 2000);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, endpoint_len, endpoint);
}

/* As the kernel splits it: device and peer A's first IPs, then A continued and B. */
static void reply_messages(uint8_t *first, uint8_t *second, const struct sockaddr_in *ep_a,
			   const struct sockaddr_in6 *ep_b)
{
	uint8_t priv[32], pub[32], key_a[32], key_b[32];
	struct nlmsghdr *nlh = reply_header(first);
	struct nlattr *peers, *peer, *ips;

	memset(priv, 0x77, 32);
	memset(pub, 0x88, 32);
	memset(key_a, 0xa1, 32);
	memset(key_b, 0xb2, 32);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0x20);
	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 5);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, 32, priv);
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, 32, pub);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, key_a);
	reply_peer_head(nlh, 0x55, 1700000000, ep_a, sizeof(*ep_a));
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	reply_allowed_ip(nlh, "10.0.0.0/24");
	reply_allowed_ip(nlh, "fd00::/64");
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);

	nlh = reply_header(second);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, key_a);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	reply_allowed_ip(nlh, "10.0.0.9/32");
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, peer);
	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, key_b);
	reply_peer_head(nlh, 0, 0, ep_b, sizeof(*ep_b));
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
}

static bool status_holds(const struct wgdev_status *st, uint8_t byte)
{
	uint8_t pattern[32];

	memset(pattern, byte, 32);
	if (memmem(st, sizeof(*st), pattern, 32))
		return true;
	for (size_t i = 0; i < st->n_peers; i++)
		if (memmem(&st->peers[i], sizeof(st->peers[i]), pattern, 32))
			return true;
	return false;
}

static void wg_parse_device(void **state)
{
	uint8_t first[NL_MSG_MAX], second[NL_MSG_MAX], pub[32];
	struct sockaddr_in ep_a = endpoint4("192.0.2.1", 51820);
	struct sockaddr_in6 ep_b = endpoint6("2001:db8::1", 51821);
	struct wgdev_status st = { 0 };
	struct cidr c;

	reply_messages(first, second, &ep_a, &ep_b);
	assert_int_equal(wgkernel_parse_device((void *)first, &st), MNL_CB_OK);
	assert_int_equal(wgkernel_parse_device((void *)second, &st), MNL_CB_OK);

	memset(pub, 0x88, 32);
	assert_memory_equal(st.public_key, pub, 32);
	assert_int_equal(st.listen_port, 51820);
	assert_int_equal(st.fwmark, 0x20);
	assert_int_equal(st.n_peers, 2);
	assert_true(st.peers[0].has_psk);
	assert_memory_equal(&st.peers[0].endpoint, &ep_a, sizeof(ep_a));
	assert_int_equal(st.peers[0].persistent_keepalive, 25);
	assert_int_equal(st.peers[0].last_handshake, 1700000000);
	assert_int_equal(st.peers[0].rx_bytes, 2000);
	assert_int_equal(st.peers[0].tx_bytes, 1000);
	assert_int_equal(st.peers[0].n_allowed_ips, 3);
	c = cidr("10.0.0.0/24");
	assert_true(cidr_equal(&st.peers[0].allowed_ips[0], &c));
	c = cidr("fd00::/64");
	assert_true(cidr_equal(&st.peers[0].allowed_ips[1], &c));
	c = cidr("10.0.0.9/32");
	assert_true(cidr_equal(&st.peers[0].allowed_ips[2], &c));
	assert_false(st.peers[1].has_psk);
	assert_memory_equal(&st.peers[1].endpoint, &ep_b, sizeof(ep_b));
	assert_int_equal(st.peers[1].last_handshake, 0);
	assert_int_equal(st.peers[1].n_allowed_ips, 0);

	/* The private key (0x77) is in the reply but nowhere in the status;
	 * the same search finds the public key (0x88) that is. */
	assert_false(status_holds(&st, 0x77));
	assert_false(status_holds(&st, 0x55));
	assert_true(status_holds(&st, 0x88));
	wgdev_status_free(&st);
}

enum corruption { GOOD, SHORT_KEY, ENDPOINT_SIZE, CIDR_TOO_LONG, ADDR_SIZE, NO_KEY, SHORT_TIME };

static void corrupt_reply(uint8_t *buf, enum corruption how)
{
	struct nlmsghdr *nlh = reply_header(buf);
	struct sockaddr_in6 ep = endpoint6("2001:db8::1", 1);
	struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	struct nlattr *peer = mnl_attr_nest_start(nlh, 0), *ips, *ip;
	uint8_t key[32], addr[16] = { 10 };
	int64_t sec = 1;

	memset(key, 0xa1, 32);
	if (how != NO_KEY)
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, how == SHORT_KEY ? 31 : 32, key);
	if (how == ENDPOINT_SIZE)
		ep.sin6_family = AF_INET; /* an IPv4 family at the IPv6 size */
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(ep), &ep);
	if (how == SHORT_TIME)
		mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(sec), &sec);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	ip = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, how == ADDR_SIZE ? 16 : 4, addr);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, how == CIDR_TOO_LONG ? 33 : 32);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
}

static void wg_parse_rejects(void **state)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct wgdev_status st = { 0 };

	corrupt_reply(buf, GOOD);
	assert_int_equal(wgkernel_parse_device((void *)buf, &st), MNL_CB_OK);
	assert_int_equal(st.n_peers, 1);
	assert_int_equal(st.peers[0].n_allowed_ips, 1);
	wgdev_status_free(&st);

	for (enum corruption how = SHORT_KEY; how <= SHORT_TIME; how++) {
		memset(&st, 0, sizeof(st));
		corrupt_reply(buf, how);
		assert_int_equal(wgkernel_parse_device((void *)buf, &st), MNL_CB_ERROR);
		assert_int_equal(st.n_peers, 0);
		wgdev_status_free(&st);
	}
}

/* ---- the real kernel, in namespaces of our own ---------------------------- */

static struct {
	bool ready;
	int host_fd, ctr_fd;
	struct nl_sock *host, *ctr;
} k = { .host_fd = -1, .ctr_fd = -1 };

static int new_netns(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

/* The process's own namespaces: nothing to remove, they go when it exits. */
static int kernel_setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	k.host_fd = new_netns();
	k.ctr_fd = k.host_fd >= 0 ? new_netns() : -1;
	if (k.ctr_fd < 0 || nl_open(NETLINK_ROUTE, &k.ctr) < 0 ||
	    setns(k.host_fd, CLONE_NEWNET) < 0 || nl_open(NETLINK_ROUTE, &k.host) < 0) {
		print_error("cannot set up namespaces: %s\n", strerror(errno));
		return -1;
	}
	k.ready = true;
	return 0;
}

static int kernel_teardown(void **state)
{
	nl_closep(&k.host);
	nl_closep(&k.ctr);
	if (k.host_fd >= 0)
		close(k.host_fd);
	if (k.ctr_fd >= 0)
		close(k.ctr_fd);
	return 0;
}

#define NEED_ROOT()                                   \
	do {                                          \
		if (!k.ready)                         \
			skip();                       \
		error_clear();                        \
	} while (0)

/* A veth pair whose first end gets the given index (0: the kernel picks). */
static void make_veth_at(struct nl_sock *s, const char *name, const char *peer_name, int index)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *info, *data, *peer;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = index;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	assert_int_equal(nl_request(s, nlh, NULL, NULL), 0);
}

static void make_veth(struct nl_sock *s, const char *name, const char *peer_name)
{
	make_veth_at(s, name, peer_name, 0);
}


static int ctr_index(void)
{
	struct link_info info;

	assert_int_equal(link_get(k.ctr, "eth7", &info), 0);
	return info.index;
}

static void kernel_link_move(void **state)
{
	struct link_info info;

	NEED_ROOT();
	make_veth(k.host, "wgt-a", "wgt-b");
	assert_int_equal(link_get(k.host, "wgt-a", &info), 0);
	assert_string_equal(info.kind, "veth");

	assert_int_equal(link_move(k.host, "wgt-a", k.ctr_fd, "eth7"), 0);
	assert_int_equal(link_get(k.host, "wgt-a", &info), -ENODEV);
	/* Renamed by the same request: the old name never shows in the container. */
	assert_int_equal(link_get(k.ctr, "wgt-a", &info), -ENODEV);
	assert_int_equal(link_get(k.ctr, "eth7", &info), 0);
	assert_string_equal(info.kind, "veth");
	assert_int_equal(info.mtu, 1500);
	assert_false(info.flags & IFF_UP);
	assert_true(info.index > 0);
	assert_int_equal(error_recorded(), 0);

	assert_int_equal(link_move(k.host, "nope0", k.ctr_fd, "eth8"), -ENODEV);
	assert_string_equal(error_message(),
			    "moving nope0 into the container namespace: No such device");
}

/* The index is kept where it is free in the target, and the move still succeeds where not. */
static void kernel_link_move_index(void **state)
{
	struct link_info info;
	unsigned done;
	int index;

	NEED_ROOT();
	make_veth(k.host, "wgt-e", "wgt-f");
	assert_int_equal(link_get(k.host, "wgt-e", &info), 0);
	index = info.index;
	assert_int_equal(link_move_index(k.host, index, k.ctr_fd, "eth9", 1400,
					 LINK_MOVE_KEEP_INDEX | LINK_MOVE_NO_IPV6_LL, &done), 0);
	assert_int_equal(done, LINK_MOVE_KEEP_INDEX | LINK_MOVE_NO_IPV6_LL);
	assert_int_equal(link_get(k.ctr, "eth9", &info), 0);
	assert_int_equal(info.index, index);
	assert_int_equal(info.mtu, 1400);
	assert_int_equal(link_get(k.host, "wgt-e", &info), -ENODEV);

	/* The container has a device with the moving one's index already. */
	make_veth(k.host, "wgt-g", "wgt-h");
	assert_int_equal(link_get(k.host, "wgt-g", &info), 0);
	index = info.index;
	make_veth_at(k.ctr, "wgt-i", "wgt-j", index);
	assert_int_equal(link_get(k.ctr, "wgt-i", &info), 0);
	assert_int_equal(info.index, index);
	assert_int_equal(link_move_index(k.host, index, k.ctr_fd, "eth10", 0,
					 LINK_MOVE_KEEP_INDEX | LINK_MOVE_NO_IPV6_LL, &done), 0);
	assert_int_equal(done, LINK_MOVE_NO_IPV6_LL);
	assert_int_equal(link_get(k.ctr, "eth10", &info), 0);
	assert_int_not_equal(info.index, index);
	assert_int_equal(error_recorded(), 0);

	assert_int_equal(link_move_index(k.host, 999999, k.ctr_fd, "eth11", 0,
					 LINK_MOVE_KEEP_INDEX, &done), -ENODEV);
	assert_int_equal(done, 0);
	assert_int_equal(link_delete(k.ctr, "eth10"), 0);
	assert_int_equal(link_delete(k.ctr, "wgt-i"), 0);
}

static void kernel_link_settings(void **state)
{
	struct link_info info;
	char name[IFNAMSIZ];
	int index;

	NEED_ROOT();
	index = ctr_index();
	assert_int_equal(link_get_name(k.ctr, index, name), 0);
	assert_string_equal(name, "eth7");
	assert_int_equal(link_set_mtu(k.ctr, index, 1380), 0);
	assert_int_equal(link_set_up(k.ctr, index), 0);
	assert_int_equal(link_get(k.ctr, "eth7", &info), 0);
	assert_int_equal(info.mtu, 1380);
	assert_true(info.flags & IFF_UP);
	assert_int_equal(link_set_down(k.ctr, index), 0);
	assert_int_equal(link_get(k.ctr, "eth7", &info), 0);
	assert_false(info.flags & IFF_UP);
	assert_int_equal(link_set_up(k.ctr, index), 0);

	assert_int_equal(link_set_mtu(k.ctr, index, 10), -EINVAL);
	assert_string_equal(error_message(), "setting MTU 10 on eth7: Invalid argument");
}

static bool holds(const struct cidr *list, size_t n, const char *text)
{
	struct cidr c = cidr(text);

	for (size_t i = 0; i < n; i++)
		if (cidr_equal(&list[i], &c))
			return true;
	return false;
}

static void kernel_addresses(void **state)
{
	struct cidr v6 = cidr("fc00::2/128"), v4 = cidr("10.9.8.7/32"), c;
	struct cidr *list = NULL;
	size_t n = 0;
	int index;

	NEED_ROOT();
	index = ctr_index();
	assert_int_equal(addr_add(k.ctr, index, &v6), 0);
	assert_int_equal(addr_add(k.ctr, index, &v4), 0);
	assert_int_equal(addr_list(k.ctr, index, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_true(holds(list, n, "fc00::2/128"));
	assert_true(holds(list, n, "10.9.8.7/32"));
	free(list);
	/* Filtered by device: an address on lo is not eth7's, and is lo's. */
	c = cidr("10.77.0.1/32");
	assert_int_equal(addr_add(k.ctr, 1, &c), 0);
	assert_int_equal(addr_list(k.ctr, index, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_false(holds(list, n, "10.77.0.1/32"));
	free(list);
	assert_int_equal(addr_list(k.ctr, 1, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_true(holds(list, n, "10.77.0.1/32"));
	free(list);

	assert_int_equal(addr_add(k.ctr, index, &v6), -EEXIST);
	assert_string_equal(error_message(), "adding address fc00::2/128 to eth7: File exists");
}

static void kernel_routes(void **state)
{
	static const char *const in_100[] = { "0.0.0.0/0", "::/0", "10.20.0.0/16",
					      "fd00:1::/64" };
	struct cidr *list = NULL, c;
	size_t n = 0;
	int index;

	NEED_ROOT();
	index = ctr_index();
	for (size_t i = 0; i < ARRAY_SIZE(in_100); i++) {
		c = cidr(in_100[i]);
		assert_int_equal(route_add(k.ctr, index, &c, 100), 0);
	}
	c = cidr("10.30.0.0/16");
	assert_int_equal(route_add(k.ctr, index, &c, RT_TABLE_MAIN), 0);

	assert_int_equal(route_list(k.ctr, index, 100, &list, &n), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < ARRAY_SIZE(in_100); i++)
		assert_true(holds(list, n, in_100[i]));
	free(list);
	assert_int_equal(route_list(k.ctr, index, RT_TABLE_MAIN, &list, &n), 0);
	assert_true(holds(list, n, "10.30.0.0/16"));
	assert_false(holds(list, n, "0.0.0.0/0"));
	assert_false(holds(list, n, "::/0"));
	free(list);

	c = cidr("0.0.0.0/0");
	assert_int_equal(route_del(k.ctr, index, &c, 100), 0);
	assert_int_equal(route_del(k.ctr, index, &c, 100), -ESRCH);
	assert_int_equal(error_recorded(), 0); /* already gone is not news */
	assert_int_equal(route_list(k.ctr, index, 100, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_false(holds(list, n, "0.0.0.0/0"));
	assert_true(holds(list, n, "::/0"));
	free(list);

	c = cidr("10.30.0.0/16");
	assert_int_equal(route_add(k.ctr, index, &c, RT_TABLE_MAIN), -EEXIST);
	assert_string_equal(error_message(),
			    "adding route 10.30.0.0/16 dev eth7 table 254: File exists");
}

struct found_rule {
	uint32_t priority;
	bool found;
	struct rule r;
};

static int rule_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct found_rule *f = data;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct attrs a;

	parse(nlh, sizeof(*frh), &a);
	if (!a.tb[FRA_PRIORITY] || mnl_attr_get_u32(a.tb[FRA_PRIORITY]) != f->priority)
		return MNL_CB_OK;
	f->found = true;
	f->r.family = frh->family;
	f->r.priority = f->priority;
	f->r.table = a.tb[FRA_TABLE] ? mnl_attr_get_u32(a.tb[FRA_TABLE]) : frh->table;
	f->r.invert = frh->flags & FIB_RULE_INVERT;
	f->r.fwmark = a.tb[FRA_FWMARK] ? mnl_attr_get_u32(a.tb[FRA_FWMARK]) : 0;
	f->r.fwmask = a.tb[FRA_FWMASK] ? mnl_attr_get_u32(a.tb[FRA_FWMASK]) : 0;
	f->r.suppress_prefixlen = a.tb[FRA_SUPPRESS_PREFIXLEN] ?
		(int)mnl_attr_get_u32(a.tb[FRA_SUPPRESS_PREFIXLEN]) : -1;
	return MNL_CB_OK;
}

static struct found_rule find_rule(uint32_t priority)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct found_rule f = { .priority = priority };
	struct fib_rule_hdr *frh;

	nlh->nlmsg_type = RTM_GETRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = AF_UNSPEC;
	assert_int_equal(nl_request(k.ctr, nlh, rule_dump_cb, &f), 0);
	return f;
}

static void kernel_rules(void **state)
{
	struct rule not_marked = { .family = AF_INET, .priority = 32000, .table = 51820,
				   .fwmark = 0xca6c, .fwmask = 0xffffffff, .invert = true,
				   .suppress_prefixlen = -1 };
	struct rule suppress = { .family = AF_INET6, .priority = 32001, .table = RT_TABLE_MAIN,
				 .suppress_prefixlen = 0 };
	struct found_rule f;

	NEED_ROOT();
	assert_false(find_rule(32000).found);
	assert_int_equal(rule_add(k.ctr, &not_marked), 0);
	assert_int_equal(rule_add(k.ctr, &suppress), 0);
	f = find_rule(32000);
	assert_true(f.found);
	assert_int_equal(f.r.family, AF_INET);
	assert_int_equal(f.r.table, 51820);
	assert_true(f.r.invert);
	assert_int_equal(f.r.fwmark, 0xca6c);
	assert_int_equal(f.r.fwmask, 0xffffffff);
	assert_int_equal(f.r.suppress_prefixlen, -1);
	f = find_rule(32001);
	assert_true(f.found);
	assert_int_equal(f.r.family, AF_INET6);
	assert_int_equal(f.r.table, RT_TABLE_MAIN);
	assert_false(f.r.invert);
	assert_int_equal(f.r.fwmark, 0);
	assert_int_equal(f.r.suppress_prefixlen, 0);

	assert_int_equal(rule_add(k.ctr, &not_marked), -EEXIST);
	assert_string_equal(error_message(), "adding rule \"IPv4 priority 32000 not fwmark "
			    "0xca6c/0xffffffff table 51820\": File exists");
	error_clear();
	assert_int_equal(rule_del(k.ctr, &not_marked), 0);
	assert_int_equal(rule_del(k.ctr, &suppress), 0);
	assert_false(find_rule(32000).found);
	assert_false(find_rule(32001).found);
	assert_int_equal(rule_del(k.ctr, &not_marked), -ENOENT);
	assert_int_equal(error_recorded(), 0);
}

static bool rule_listed(int family, const struct rule *want)
{
	struct rule *list = NULL;
	size_t n = 0;
	bool found = false;

	assert_int_equal(rule_list(k.ctr, family, &list, &n), 0);
	for (size_t i = 0; i < n; i++)
		found = found || rule_equal(&list[i], want);
	free(list);
	return found;
}

/* rule_list() reads back exactly what rule_add() wrote, per family. */
static void kernel_rule_list(void **state)
{
	struct rule lan = { .family = AF_INET, .priority = 5747, .table = 5747,
			    .fwmark = 0x57474e49, .fwmask = 0xffffffff, .suppress_prefixlen = -1 };
	struct rule suppress = { .family = AF_INET6, .priority = 5748, .table = RT_TABLE_MAIN,
				 .suppress_prefixlen = 0 };
	struct rule lan6 = lan;

	NEED_ROOT();
	lan6.family = AF_INET6;
	assert_int_equal(rule_add(k.ctr, &lan), 0);
	assert_int_equal(rule_add(k.ctr, &suppress), 0);
	assert_true(rule_listed(AF_INET, &lan));
	assert_false(rule_listed(AF_INET6, &lan6));
	assert_true(rule_listed(AF_INET6, &suppress));
	suppress.suppress_prefixlen = -1;
	assert_false(rule_listed(AF_INET6, &suppress));
	suppress.suppress_prefixlen = 0;
	assert_int_equal(rule_del(k.ctr, &lan), 0);
	assert_int_equal(rule_del(k.ctr, &suppress), 0);
	assert_false(rule_listed(AF_INET, &lan));
}

/* Addresses 10.50.<i / 256>.<i % 256>/32 on eth7, in one batch; with
 * `dup_middle`, the middle message adds 10.50.0.1 again (without NLM_F_ACK
 * when `middle_no_ack`). */
static uint8_t *address_batch(int index, int first, int count, bool dup_middle,
			      bool middle_no_ack, size_t *len)
{
	uint8_t *buf = calloc((size_t)count, 128);
	size_t used = 0;

	assert_non_null(buf);
	for (int i = 0; i < count; i++) {
		int number = dup_middle && i == count / 2 ? 1 : first + i;
		struct cidr c = { .family = AF_INET, .prefix = 32,
				  .addr.raw = { 10, 50, (uint8_t)(number / 256),
						(uint8_t)(number % 256) } };
		struct nlmsghdr *nlh = addr_build_add(buf + used, nl_next_seq(k.ctr), index, &c);

		if (dup_middle && i == count / 2 && middle_no_ack)
			nlh->nlmsg_flags &= ~NLM_F_ACK;
		used += nlh->nlmsg_len;
	}
	*len = used;
	return buf;
}

static size_t address_count(int index)
{
	struct cidr *list = NULL;
	size_t n = 0;

	assert_int_equal(addr_list(k.ctr, index, &list, &n), 0);
	free(list);
	return n;
}

static void kernel_batch(void **state)
{
	int index;
	size_t len, before;
	uint8_t *batch;

	NEED_ROOT();
	index = ctr_index();
	before = address_count(index);
	batch = address_batch(index, 1, 1000, false, false, &len);
	assert_int_equal(nl_batch(k.ctr, batch, len), 0);
	free(batch);
	assert_int_equal(address_count(index), before + 1000);

	/* The middle one exists: its error is the answer, and the others still go in. */
	batch = address_batch(index, 1001, 3, true, false, &len);
	assert_int_equal(nl_batch(k.ctr, batch, len), -EEXIST);
	free(batch);
	assert_int_equal(address_count(index), before + 1002);

	/* An error for a message that asked no ACK is still read, the ACKs
	 * after it too, and the socket stays in step for the next request. */
	batch = address_batch(index, 1004, 3, true, true, &len);
	assert_int_equal(nl_batch(k.ctr, batch, len), -EEXIST);
	free(batch);
	assert_int_equal(address_count(index), before + 1004);
}

static int refuse(const struct nlmsghdr *nlh, void *data)
{
	int *calls = data;

	(*calls)++;
	errno = ECANCELED;
	return MNL_CB_ERROR;
}

/* A dump of 1000+ addresses spans several reads: a failing callback must
 * not leave the rest for the next request. */
static void kernel_request_drains(void **state)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	int calls = 0, index;

	NEED_ROOT();
	index = ctr_index();
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	assert_int_equal(nl_request(k.ctr, nlh, refuse, &calls), -ECANCELED);
	assert_int_equal(calls, 1);
	assert_int_equal(address_count(index), 1006); /* 1004, fc00::2, 10.9.8.7 */
}

static bool wireguard_module_exists(void)
{
	struct utsname u;
	char path[256];

	if (access("/sys/module/wireguard", F_OK) == 0)
		return true;
	if (uname(&u) < 0)
		return false;
	snprintf(path, sizeof(path), "/lib/modules/%s/kernel/drivers/net/wireguard", u.release);
	return access(path, F_OK) == 0;
}

static void kernel_genl(void **state)
{
	_cleanup_nl_ struct nl_sock *genl = NULL;
	uint16_t id = 0;

	NEED_ROOT();
	assert_int_equal(nl_open(NETLINK_GENERIC, &genl), 0);
	assert_int_equal(nl_genl_family(genl, "nlctrl", &id), 0);
	assert_int_equal(id, GENL_ID_CTRL);
	if (wireguard_module_exists()) {
		assert_int_equal(nl_genl_family(genl, "wireguard", &id), 0);
		assert_true(wgdev_kernel_available());
		return;
	}
	assert_int_equal(nl_genl_family(genl, "wireguard", &id), -ENOENT);
	assert_false(wgdev_kernel_available());
	assert_int_equal(link_create_wireguard(k.host, k.ctr_fd, "wg0", 1420), -EOPNOTSUPP);
	assert_string_equal(error_message(), "creating WireGuard device wg0: "
			    "the kernel has no wireguard module: Operation not supported");
}

static void kernel_link_delete(void **state)
{
	struct link_info info;

	NEED_ROOT();
	assert_int_equal(link_get(k.host, "wgt-b", &info), 0);
	assert_int_equal(link_delete(k.ctr, "eth7"), 0);
	assert_int_equal(link_delete(k.ctr, "eth7"), -ENODEV);
	assert_int_equal(error_recorded(), 0);
	/* The veth's other end goes with it. */
	assert_int_equal(link_get(k.host, "wgt-b", &info), -ENODEV);
}

/*
 * Deleted from a child, returned from at the unlisting: the name is free at
 * once, the socket holds nothing afterwards (no late ACK), and the child,
 * the only one this process has, exits by itself.
 */
static void kernel_link_delete_unlisted(void **state)
{
	struct pollfd pfd = { .events = POLLIN };
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct link_info info;
	struct nlmsghdr *nlh;
	int status = -1;

	NEED_ROOT();
	make_veth(k.ctr, "wgt-c", "wgt-d");
	assert_int_equal(link_delete_unlisted(k.ctr, "wgt-c"), 0);
	assert_int_equal(link_get(k.ctr, "wgt-c", &info), -ENODEV);
	assert_int_equal(link_get(k.ctr, "wgt-d", &info), -ENODEV);
	/* The name is free for an immediate re-creation. */
	make_veth(k.ctr, "wgt-c", "wgt-d");
	assert_int_equal(waitpid(-1, &status, 0) > 0, 1);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pfd.fd = nl_fd(k.ctr);
	assert_int_equal(poll(&pfd, 1, 100), 0);
	/* The positive control of that poll: a reply left unread is seen. */
	nlh = link_build_delete(buf, nl_next_seq(k.ctr), "wgt-none");
	nlh->nlmsg_flags |= NLM_F_ACK;
	assert_int_equal(send(pfd.fd, nlh, nlh->nlmsg_len, 0), (ssize_t)nlh->nlmsg_len);
	assert_int_equal(poll(&pfd, 1, 100), 1);
	assert_true(recv(pfd.fd, buf, sizeof(buf), 0) > 0);
	assert_int_equal(link_delete_unlisted(k.ctr, "wgt-c"), 0);
	assert_int_equal(waitpid(-1, &status, 0) > 0, 1);
	assert_int_equal(link_delete_unlisted(k.ctr, "wgt-c"), -ENODEV);
	assert_int_equal(error_recorded(), 0);
	/* On failure the child is waited for: none is left. */
	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(link_get(k.ctr, "wgt-c", &info), -ENODEV);
	assert_int_equal(poll(&pfd, 1, 100), 0);
}

struct listed {
	char names[32][IFNAMSIZ];
	int indexes[32];
	int n;
	int stop_at; /* each fails (E2BIG) at this call, 0: never */
};

static int list_each(int ifindex, const char *name, void *data)
{
	struct listed *l = data;

	if (++l->n == l->stop_at)
		return -E2BIG;
	assert_true(l->n <= 32);
	snprintf(l->names[l->n - 1], IFNAMSIZ, "%s", name);
	l->indexes[l->n - 1] = ifindex;
	return 0;
}

static int listed_index(const struct listed *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return l->indexes[i];
	return 0;
}

/*
 * Every device of the namespace, a comma in a name included, with the index
 * link_get sees; a callback's failure stops the calls, is returned as is,
 * and the rest of the dump is drained (the next request works).
 */
static void kernel_link_list(void **state)
{
	struct listed l = { 0 };
	struct link_info info;

	NEED_ROOT();
	make_veth(k.ctr, "wgl,a", "wgl-b");
	assert_int_equal(link_list(k.ctr, list_each, &l), 0);
	assert_true(l.n >= 3);
	assert_int_equal(listed_index(&l, "lo"), 1);
	for (int i = 0; i < l.n; i++) {
		assert_int_equal(link_get(k.ctr, l.names[i], &info), 0);
		assert_int_equal(info.index, l.indexes[i]);
		assert_int_equal(listed_index(&l, l.names[i]), l.indexes[i]); /* listed once */
	}
	assert_int_not_equal(listed_index(&l, "wgl,a"), 0);
	assert_int_not_equal(listed_index(&l, "wgl-b"), 0);
	/* The other namespace's devices are not listed; listed through its own socket. */
	assert_int_equal(listed_index(&l, "wgt-f"), 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(link_list(k.host, list_each, &l), 0);
	assert_int_not_equal(listed_index(&l, "wgt-f"), 0);
	assert_int_equal(listed_index(&l, "wgl,a"), 0);

	memset(&l, 0, sizeof(l));
	l.stop_at = 2;
	assert_int_equal(link_list(k.ctr, list_each, &l), -E2BIG);
	assert_int_equal(l.n, 2);
	assert_int_equal(link_get(k.ctr, "wgl-b", &info), 0);
	assert_int_equal(error_recorded(), 0);
	assert_int_equal(link_delete(k.ctr, "wgl,a"), 0);
}

int main(void)
{
	const struct CMUnitTest builders[] = {
		cmocka_unit_test(build_create_wireguard),
		cmocka_unit_test(build_move_and_delete),
		cmocka_unit_test(build_addr),
		cmocka_unit_test(build_route),
		cmocka_unit_test(build_route_gateway),
		cmocka_unit_test(build_rule),
		cmocka_unit_test(wg_set_two_peers),
		cmocka_unit_test(wg_set_split),
		cmocka_unit_test(wg_set_too_small),
		cmocka_unit_test(wg_build_get),
		cmocka_unit_test(wg_parse_device),
		cmocka_unit_test(wg_parse_rejects),
	};
	/* In order: each step works on the device the previous ones left. */
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(kernel_link_move),
		cmocka_unit_test(kernel_link_move_index),
		cmocka_unit_test(kernel_link_settings),
		cmocka_unit_test(kernel_addresses),
		cmocka_unit_test(kernel_routes),
		cmocka_unit_test(kernel_rules),
		cmocka_unit_test(kernel_rule_list),
		cmocka_unit_test(kernel_batch),
		cmocka_unit_test(kernel_request_drains),
		cmocka_unit_test(kernel_genl),
		cmocka_unit_test(kernel_link_delete),
		cmocka_unit_test(kernel_link_delete_unlisted),
		cmocka_unit_test(kernel_link_list),
	};
	int failed = cmocka_run_group_tests_name("builders", builders, NULL, NULL);

	failed += cmocka_run_group_tests_name("kernel", kernel, kernel_setup, kernel_teardown);
	return failed;
}
