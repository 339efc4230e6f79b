/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses out of a network's peer pool, and stored peers joined to the configured ones. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "peers.h"

static bool cidr_contains(const struct cidr *net, const struct cidr *c)
{
	unsigned bits = net->prefix;

	if (net->family != c->family)
		return false;
	for (unsigned i = 0; i < 16 && bits; i++) {
		unsigned take = bits < 8 ? bits : 8;
		uint8_t mask = (uint8_t)(0xff << (8 - take));

		if ((net->addr.raw[i] & mask) != (c->addr.raw[i] & mask))
			return false;
		bits -= take;
	}
	return true;
}

static bool address_used(const struct cidr *a, const struct netconf *conf,
			 const struct stored_peer *stored, size_t n)
{
	for (size_t i = 0; i < conf->n_addresses; i++)
		if (!memcmp(conf->addresses[i].addr.raw, a->addr.raw, 16) &&
		    conf->addresses[i].family == a->family)
			return true;
	for (size_t p = 0; p < conf->n_peers; p++)
		for (size_t i = 0; i < conf->peers[p].n_allowed_ips; i++)
			if (cidr_contains(&conf->peers[p].allowed_ips[i], a))
				return true;
	for (size_t i = 0; i < n; i++)
		if (stored[i].address.family == a->family &&
		    !memcmp(stored[i].address.addr.raw, a->addr.raw, 16))
			return true;
	return false;
}

/* Add one to the address in place; false when it wrapped out of the pool. */
static bool address_next(struct cidr *a, const struct cidr *pool)
{
	int last = a->family == AF_INET ? 3 : 15;

	for (int i = last; i >= 0; i--)
		if (++a->addr.raw[i] != 0)
			break;
	return cidr_contains(pool, a);
}

static bool is_ipv4_broadcast(const struct cidr *a, const struct cidr *pool)
{
	struct cidr next = *a;

	return a->family == AF_INET && pool->prefix < 31 && !address_next(&next, pool);
}

int peers_next_address(const struct netconf *conf, const struct stored_peer *stored, size_t n,
		       struct cidr *out)
{
	char text[64];
	struct cidr a = conf->peer_pool;

	cidr_mask(&a);
	a.prefix = a.family == AF_INET ? 32 : 128;
	while (address_next(&a, &conf->peer_pool)) {
		if (is_ipv4_broadcast(&a, &conf->peer_pool))
			break;
		if (!address_used(&a, conf, stored, n)) {
			*out = a;
			return 0;
		}
	}
	cidr_format(&conf->peer_pool, text, sizeof(text));
	return error_report(-ENOSPC, CNI_ERR_INVALID_CONFIG, "peerPool %s: no free address left",
			    text);
}

static int append_peer(struct netconf *conf, const struct stored_peer *s)
{
	struct peer_conf *p = &conf->peers[conf->n_peers];
	char psk[PATH_MAX];

	memset(p, 0, sizeof(*p));
	memcpy(p->public_key, s->public_key, WG_KEY_LEN);
	p->allowed_ips = calloc(1, sizeof(*p->allowed_ips));
	if (!p->allowed_ips)
		return -ENOMEM;
	p->allowed_ips[0] = s->address;
	p->n_allowed_ips = 1;
	if (s->has_psk) {
		peers_psk_path(conf->name, s->name, psk, sizeof(psk));
		p->preshared_key_file = strdup(psk);
		if (!p->preshared_key_file) {
			free(p->allowed_ips);
			return -ENOMEM;
		}
	}
	/* Counted once whole, so netconf_free never sees a half-built peer. */
	conf->n_peers++;
	return 0;
}

int peers_merge(struct netconf *conf)
{
	_cleanup_free_ struct stored_peer *stored = NULL;
	struct peer_conf *grown;
	size_t n = 0;
	int r;

	if (!conf->has_peer_pool)
		return 0;
	/* The stamp first: a change the listing misses renews it after. */
	r = peers_stamp(conf->name, conf->merged.stamp, sizeof(conf->merged.stamp));
	if (r < 0)
		return r;
	conf->merged.done = true;
	conf->merged.first = conf->n_peers;
	r = peers_list(conf->name, &stored, &n);
	if (r < 0 || n == 0)
		return r;
	grown = realloc(conf->peers, (conf->n_peers + n) * sizeof(*grown));
	if (!grown)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "merging the stored peers");
	conf->peers = grown;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < conf->n_peers; j++)
			if (!memcmp(conf->peers[j].public_key, stored[i].public_key, WG_KEY_LEN))
				return error_config("stored peer %s of %s: its public key is "
						    "also in peers", stored[i].name, conf->name);
		r = append_peer(conf, &stored[i]);
		if (r < 0)
			return error_report(r, CNI_ERR_INTERNAL, "merging peer %s", stored[i].name);
	}
	return 0;
}

int peers_changed(const struct netconf *conf)
{
	char now[sizeof(conf->merged.stamp)];
	int r;

	if (!conf->merged.done)
		return 0;
	r = peers_stamp(conf->name, now, sizeof(now));
	return r < 0 ? r : strcmp(now, conf->merged.stamp) != 0;
}

int peers_remerge(struct netconf *conf)
{
	for (size_t i = conf->merged.first; i < conf->n_peers; i++) {
		struct peer_conf *p = &conf->peers[i];

		free(p->preshared_key_file);
		free(p->endpoint_host);
		free(p->allowed_ips);
		memset(p, 0, sizeof(*p));
	}
	conf->n_peers = conf->merged.first;
	return peers_merge(conf);
}
