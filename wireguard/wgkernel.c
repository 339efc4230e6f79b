/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The messages of the "wireguard" generic netlink family, built into and
 * parsed from caller buffers; kernel.c sends them. The kernel's side is
 * drivers/net/wireguard/netlink.c: its policies are why lengths are exact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include "wgkernel.h"

static size_t addr_bytes(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

static struct nlmsghdr *put_genl_header(void *buf, uint16_t family, uint8_t cmd, uint16_t flags,
					uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = WG_GENL_VERSION;
	return nlh;
}

/* A listen port of 0 is left out: sent to a live device it would move it to a random port. */
static bool put_device(struct nlmsghdr *nlh, size_t size, const struct wgdev_config *cfg)
{
	return mnl_attr_put_check(nlh, size, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN,
				  cfg->private_key) &&
	       (!cfg->listen_port ||
		mnl_attr_put_u16_check(nlh, size, WGDEVICE_A_LISTEN_PORT, cfg->listen_port)) &&
	       mnl_attr_put_u32_check(nlh, size, WGDEVICE_A_FWMARK, cfg->fwmark) &&
	       mnl_attr_put_u32_check(nlh, size, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
}

static bool put_peer_head(struct nlmsghdr *nlh, size_t size, const struct wgdev_peer *p)
{
	const struct peer_conf *pc = p->conf;
	size_t endpoint_len = 0;

	/* The kernel takes an endpoint only at the exact size of its family. */
	if (pc->endpoint_len && pc->endpoint.ss_family == AF_INET)
		endpoint_len = sizeof(struct sockaddr_in);
	else if (pc->endpoint_len && pc->endpoint.ss_family == AF_INET6)
		endpoint_len = sizeof(struct sockaddr_in6);

	return (!p->has_psk ||
		mnl_attr_put_check(nlh, size, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, p->psk)) &&
	       (!endpoint_len ||
		mnl_attr_put_check(nlh, size, WGPEER_A_ENDPOINT, endpoint_len, &pc->endpoint)) &&
	       mnl_attr_put_u16_check(nlh, size, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				      pc->persistent_keepalive) &&
	       mnl_attr_put_u32_check(nlh, size, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS);
}

static bool put_allowed_ip(struct nlmsghdr *nlh, size_t size, const struct cidr *c)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, 0);

	if (!nest)
		return false;
	if (!mnl_attr_put_u16_check(nlh, size, WGALLOWEDIP_A_FAMILY, (uint16_t)c->family) ||
	    !mnl_attr_put_check(nlh, size, WGALLOWEDIP_A_IPADDR, addr_bytes(c->family),
				c->addr.raw) ||
	    !mnl_attr_put_u8_check(nlh, size, WGALLOWEDIP_A_CIDR_MASK, c->prefix)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/* Write as much of the cursor's peer as fits; true when all of it is in. */
static bool put_peer(struct nlmsghdr *nlh, size_t size, const struct wgdev_peer *p,
		     struct wgkernel_cursor *cur)
{
	const struct peer_conf *pc = p->conf;
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, 0), *ips;
	size_t first;

	if (!nest)
		return false;
	if (!mnl_attr_put_check(nlh, size, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, pc->public_key) ||
	    (!cur->head_sent && !put_peer_head(nlh, size, p))) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	cur->head_sent = true;
	if (cur->allowed < pc->n_allowed_ips) {
		ips = mnl_attr_nest_start_check(nlh, size, WGPEER_A_ALLOWEDIPS);
		first = cur->allowed;
		while (ips && cur->allowed < pc->n_allowed_ips &&
		       put_allowed_ip(nlh, size, &pc->allowed_ips[cur->allowed]))
			cur->allowed++;
		if (ips && cur->allowed == first)
			mnl_attr_nest_cancel(nlh, ips);
		else if (ips)
			mnl_attr_nest_end(nlh, ips);
		if (cur->allowed < pc->n_allowed_ips) {
			mnl_attr_nest_end(nlh, nest);
			return false;
		}
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static void put_peers(struct nlmsghdr *nlh, size_t size, const struct wgdev_config *cfg,
		      struct wgkernel_cursor *cur)
{
	struct nlattr *peers = mnl_attr_nest_start_check(nlh, size, WGDEVICE_A_PEERS);
	const size_t first = cur->peer, first_allowed = cur->allowed;
	const bool started = cur->head_sent;

	if (!peers)
		return;
	while (cur->peer < cfg->n_peers && put_peer(nlh, size, &cfg->peers[cur->peer], cur)) {
		cur->peer++;
		cur->allowed = 0;
		cur->head_sent = false;
	}
	if (cur->peer == first && cur->head_sent == started && cur->allowed == first_allowed)
		mnl_attr_nest_cancel(nlh, peers);
	else
		mnl_attr_nest_end(nlh, peers);
}

struct nlmsghdr *wgkernel_build_set(void *buf, size_t size, uint32_t seq, uint16_t family,
				    const char *ifname, const struct wgdev_config *cfg,
				    struct wgkernel_cursor *cur)
{
	const struct wgkernel_cursor before = *cur;
	struct nlmsghdr *nlh;

	/* libmnl leaves attribute padding as it finds it: no stale bytes to the kernel. */
	memset(buf, 0, size);
	nlh = put_genl_header(buf, family, WG_CMD_SET_DEVICE, 0, seq);

	if (!mnl_attr_put_strz_check(nlh, size, WGDEVICE_A_IFNAME, ifname))
		return NULL;
	if (!cur->device_sent) {
		if (!put_device(nlh, size, cfg))
			return NULL;
		cur->device_sent = true;
	}
	if (cur->peer < cfg->n_peers)
		put_peers(nlh, size, cfg, cur);
	/* A message that moves nothing forward would be sent forever. */
	if (before.device_sent == cur->device_sent && before.peer == cur->peer &&
	    before.allowed == cur->allowed && before.head_sent == cur->head_sent)
		return NULL;
	return nlh;
}

bool wgkernel_set_done(const struct wgkernel_cursor *cur, const struct wgdev_config *cfg)
{
	return cur->device_sent && cur->peer >= cfg->n_peers;
}

struct nlmsghdr *wgkernel_build_get(void *buf, uint32_t seq, uint16_t family, const char *ifname)
{
	struct nlmsghdr *nlh = put_genl_header(buf, family, WG_CMD_GET_DEVICE, NLM_F_DUMP, seq);

	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	return nlh;
}

static int bad_message(void)
{
	errno = EBADMSG;
	return MNL_CB_ERROR;
}

struct allowed_ip_attrs {
	int family, cidr;
	const struct nlattr *addr;
};

static int allowed_ip_attr(const struct nlattr *attr, void *data)
{
	struct allowed_ip_attrs *a = data;

	switch (mnl_attr_get_type(attr)) {
	case WGALLOWEDIP_A_FAMILY:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		a->family = mnl_attr_get_u16(attr);
		break;
	case WGALLOWEDIP_A_CIDR_MASK:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		a->cidr = mnl_attr_get_u8(attr);
		break;
	case WGALLOWEDIP_A_IPADDR:
		a->addr = attr;
		break;
	}
	return MNL_CB_OK;
}

static int parse_allowed_ip(const struct nlattr *nest, struct wgdev_peer_status *p)
{
	struct allowed_ip_attrs a = { .family = AF_UNSPEC, .cidr = -1 };
	struct cidr *grown;
	struct cidr c = { 0 };

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0 ||
	    mnl_attr_parse_nested(nest, allowed_ip_attr, &a) < 0)
		return MNL_CB_ERROR;
	if ((a.family != AF_INET && a.family != AF_INET6) || !a.addr || a.cidr < 0 ||
	    mnl_attr_get_payload_len(a.addr) != addr_bytes(a.family) ||
	    (size_t)a.cidr > 8 * addr_bytes(a.family))
		return bad_message();
	c.family = a.family;
	c.prefix = (uint8_t)a.cidr;
	memcpy(c.addr.raw, mnl_attr_get_payload(a.addr), addr_bytes(a.family));
	grown = realloc(p->allowed_ips, (p->n_allowed_ips + 1) * sizeof(*grown));
	if (!grown) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	grown[p->n_allowed_ips++] = c;
	p->allowed_ips = grown;
	return MNL_CB_OK;
}

static int parse_endpoint(const struct nlattr *attr, struct wgdev_peer_status *p)
{
	uint16_t len = mnl_attr_get_payload_len(attr);
	sa_family_t family;

	if (len != sizeof(struct sockaddr_in) && len != sizeof(struct sockaddr_in6))
		return bad_message();
	memcpy(&family, mnl_attr_get_payload(attr), sizeof(family));
	if ((family == AF_INET && len != sizeof(struct sockaddr_in)) ||
	    (family == AF_INET6 && len != sizeof(struct sockaddr_in6)) ||
	    (family != AF_INET && family != AF_INET6))
		return bad_message();
	memcpy(&p->endpoint, mnl_attr_get_payload(attr), len);
	return MNL_CB_OK;
}

struct peer_parse {
	struct wgdev_peer_status *p;
	bool has_public_key;
};

static int peer_attr(const struct nlattr *attr, void *data)
{
	struct peer_parse *pp = data;
	struct wgdev_peer_status *p = pp->p;
	const struct nlattr *ip;
	struct __kernel_timespec ts;

	switch (mnl_attr_get_type(attr)) {
	case WGPEER_A_PUBLIC_KEY:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, WG_KEY_LEN) < 0)
			return MNL_CB_ERROR;
		memcpy(p->public_key, mnl_attr_get_payload(attr), WG_KEY_LEN);
		pp->has_public_key = true;
		return MNL_CB_OK;
	case WGPEER_A_PRESHARED_KEY:
		/* Always present, all zeroes for none; only whether there is one is kept. */
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, WG_KEY_LEN) < 0)
			return MNL_CB_ERROR;
		p->has_psk = !sodium_is_zero(mnl_attr_get_payload(attr), WG_KEY_LEN);
		return MNL_CB_OK;
	case WGPEER_A_ENDPOINT:
		return parse_endpoint(attr, p);
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		p->persistent_keepalive = mnl_attr_get_u16(attr);
		return MNL_CB_OK;
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, sizeof(ts)) < 0)
			return MNL_CB_ERROR;
		memcpy(&ts, mnl_attr_get_payload(attr), sizeof(ts));
		p->last_handshake = ts.tv_sec;
		return MNL_CB_OK;
	case WGPEER_A_RX_BYTES:
	case WGPEER_A_TX_BYTES:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		if (mnl_attr_get_type(attr) == WGPEER_A_RX_BYTES)
			p->rx_bytes = mnl_attr_get_u64(attr);
		else
			p->tx_bytes = mnl_attr_get_u64(attr);
		return MNL_CB_OK;
	case WGPEER_A_ALLOWEDIPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		mnl_attr_for_each_nested(ip, attr)
			if (parse_allowed_ip(ip, p) < 0)
				return MNL_CB_ERROR;
		return MNL_CB_OK;
	default:
		return MNL_CB_OK;
	}
}

/* A peer whose allowed IPs did not fit one message continues, under the same key, in the next. */
static int merge_continued(struct wgdev_peer_status *last, struct wgdev_peer_status *more)
{
	size_t n = last->n_allowed_ips + more->n_allowed_ips;
	struct cidr *grown;

	if (more->n_allowed_ips) {
		grown = realloc(last->allowed_ips, n * sizeof(*grown));
		if (!grown) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		memcpy(grown + last->n_allowed_ips, more->allowed_ips,
		       more->n_allowed_ips * sizeof(*grown));
		last->allowed_ips = grown;
		last->n_allowed_ips = n;
	}
	free(more->allowed_ips);
	return MNL_CB_OK;
}

static int parse_peer(const struct nlattr *nest, struct wgdev_status *st)
{
	struct wgdev_peer_status p = { 0 };
	struct peer_parse pp = { .p = &p };
	struct wgdev_peer_status *last = st->n_peers ? &st->peers[st->n_peers - 1] : NULL;
	struct wgdev_peer_status *grown;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0 ||
	    mnl_attr_parse_nested(nest, peer_attr, &pp) < 0 || !pp.has_public_key) {
		free(p.allowed_ips);
		return pp.has_public_key ? MNL_CB_ERROR : bad_message();
	}
	if (last && memcmp(last->public_key, p.public_key, WG_KEY_LEN) == 0)
		return merge_continued(last, &p);
	grown = realloc(st->peers, (st->n_peers + 1) * sizeof(*grown));
	if (!grown) {
		free(p.allowed_ips);
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	grown[st->n_peers++] = p;
	st->peers = grown;
	return MNL_CB_OK;
}

static int device_attr(const struct nlattr *attr, void *data)
{
	struct wgdev_status *st = data;
	const struct nlattr *peer;

	/* WGDEVICE_A_PRIVATE_KEY is in the reply too: deliberately never read. */
	switch (mnl_attr_get_type(attr)) {
	case WGDEVICE_A_PUBLIC_KEY:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, WG_KEY_LEN) < 0)
			return MNL_CB_ERROR;
		memcpy(st->public_key, mnl_attr_get_payload(attr), WG_KEY_LEN);
		return MNL_CB_OK;
	case WGDEVICE_A_LISTEN_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		st->listen_port = mnl_attr_get_u16(attr);
		return MNL_CB_OK;
	case WGDEVICE_A_FWMARK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		st->fwmark = mnl_attr_get_u32(attr);
		return MNL_CB_OK;
	case WGDEVICE_A_PEERS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		mnl_attr_for_each_nested(peer, attr)
			if (parse_peer(peer, st) < 0)
				return MNL_CB_ERROR;
		return MNL_CB_OK;
	default:
		return MNL_CB_OK;
	}
}

int wgkernel_parse_device(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return bad_message();
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), device_attr, data);
}
