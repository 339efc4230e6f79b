/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "set=1" request of wireguard-go's UAPI: a whole configuration, written into one buffer. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>

#include "key.h"
#include "uapi.h"

/* Bounds for the request buffer, generous over the longest line of each kind. */
#define SET_HEADER_MAX 256
#define SET_PEER_MAX 512
#define SET_ALLOWED_IP_MAX 80

struct strbuf {
	char *buf;
	size_t len, cap;
	bool overflow;
};

static void put(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->overflow = true;
	else
		b->len += (size_t)n;
}

static void put_key(struct strbuf *b, const char *field, const uint8_t key[WG_KEY_LEN])
{
	char hex[2 * WG_KEY_LEN + 1];

	sodium_bin2hex(hex, sizeof(hex), key, WG_KEY_LEN);
	put(b, "%s=%s\n", field, hex);
	sodium_memzero(hex, sizeof(hex));
}

static void put_endpoint(struct strbuf *b, const struct sockaddr_storage *ss)
{
	char addr[INET6_ADDRSTRLEN] = "";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
		put(b, "endpoint=%s:%u\n", addr, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
		if (in6->sin6_scope_id)
			put(b, "endpoint=[%s%%%u]:%u\n", addr, in6->sin6_scope_id,
			    ntohs(in6->sin6_port));
		else
			put(b, "endpoint=[%s]:%u\n", addr, ntohs(in6->sin6_port));
	}
}

static void put_peer(struct strbuf *b, const struct wgdev_peer *peer)
{
	const struct peer_conf *conf = peer->conf;
	char cidr[64];

	put_key(b, "public_key", conf->public_key);
	if (peer->has_psk)
		put_key(b, "preshared_key", peer->psk);
	if (conf->endpoint_len)
		put_endpoint(b, &conf->endpoint);
	put(b, "persistent_keepalive_interval=%u\n", conf->persistent_keepalive);
	put(b, "replace_allowed_ips=true\n");
	for (size_t i = 0; i < conf->n_allowed_ips; i++) {
		cidr_format(&conf->allowed_ips[i], cidr, sizeof(cidr));
		put(b, "allowed_ip=%s\n", cidr);
	}
}

static bool set_size(const struct wgdev_config *cfg, size_t *out)
{
	size_t size = SET_HEADER_MAX, part;

	for (size_t i = 0; i < cfg->n_peers; i++) {
		if (__builtin_mul_overflow(cfg->peers[i].conf->n_allowed_ips,
					   (size_t)SET_ALLOWED_IP_MAX, &part) ||
		    __builtin_add_overflow(size, part, &size) ||
		    __builtin_add_overflow(size, (size_t)SET_PEER_MAX, &size))
			return false;
	}
	*out = size;
	return true;
}

/*
 * The request carries the private key in hex: the caller must wipe it
 * (sodium_memzero over strlen + 1) before free(). Built in one allocation
 * sized up front so no copy of the key is left behind by a realloc.
 */
char *uapi_build_set(const struct wgdev_config *cfg)
{
	struct strbuf b = { 0 };

	if (!set_size(cfg, &b.cap)) {
		errno = EOVERFLOW;
		return NULL;
	}
	b.buf = malloc(b.cap);
	if (!b.buf)
		return NULL;
	put(&b, "set=1\n");
	put_key(&b, "private_key", cfg->private_key);
	if (cfg->listen_port)
		put(&b, "listen_port=%u\n", cfg->listen_port);
	if (cfg->fwmark)
		put(&b, "fwmark=%u\n", cfg->fwmark);
	put(&b, "replace_peers=true\n");
	for (size_t i = 0; i < cfg->n_peers; i++)
		put_peer(&b, &cfg->peers[i]);
	put(&b, "\n");
	if (b.overflow) {
		sodium_memzero(b.buf, b.cap);
		free(b.buf);
		errno = EOVERFLOW;
		return NULL;
	}
	return b.buf;
}
