/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reply to "get=1" from wireguard-go's UAPI, parsed line by line into a wgdev_status. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "cleanup.h"
#include "key.h"
#include "uapi.h"

/* Longest legitimate line: an IPv6 endpoint with a zone, well under this. */
#define UAPI_MAX_LINE 512

struct parser {
	struct wgdev_status *st;
	struct wgdev_peer_status *peer; /* being filled; NULL before the first public_key */
	size_t peers_cap, ips_cap;
	bool done; /* errno seen: only the blank line may follow */
	int err;
};

/* Decimal digits only: no sign, no spaces, no overflow, at most max. */
static int parse_number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EPROTO;
	for (; *s; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (*s < '0' || *s > '9' || d > max || v > (max - d) / 10)
			return -EPROTO;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_key(const char *hex, uint8_t out[WG_KEY_LEN])
{
	const char *end = NULL;
	size_t n = 0;

	if (strlen(hex) != 2 * WG_KEY_LEN ||
	    sodium_hex2bin(out, WG_KEY_LEN, hex, 2 * WG_KEY_LEN, NULL, &n, &end) != 0 ||
	    n != WG_KEY_LEN || end != hex + 2 * WG_KEY_LEN)
		return -EPROTO;
	return 0;
}

/* "192.0.2.1:51820" or "[2001:db8::1]:51820", the latter with an optional %zone. */
static int parse_endpoint(char *v, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char *host = v, *port_text = NULL, *zone = NULL;
	uint64_t port = 0, scope = 0;

	memset(ss, 0, sizeof(*ss));
	if (*v == '[') {
		char *close = strchr(v, ']');

		if (!close || close[1] != ':')
			return -EPROTO;
		*close = '\0';
		host = v + 1;
		port_text = close + 2;
		zone = strchr(host, '%');
		if (zone)
			*zone++ = '\0';
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EPROTO;
		if (zone && parse_number(zone, UINT32_MAX, &scope) < 0)
			scope = *zone ? if_nametoindex(zone) : 0;
		in6->sin6_scope_id = (uint32_t)scope;
		in6->sin6_family = AF_INET6;
	} else {
		port_text = strrchr(v, ':');
		if (!port_text)
			return -EPROTO;
		*port_text++ = '\0';
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EPROTO;
		in->sin_family = AF_INET;
	}
	if (parse_number(port_text, UINT16_MAX, &port) < 0)
		return -EPROTO;
	/* sin_port and sin6_port share their offset. */
	in->sin_port = htons((uint16_t)port);
	return 0;
}

static int new_peer(struct parser *p, const char *hex)
{
	struct wgdev_status *st = p->st;
	struct wgdev_peer_status *peers;

	if (st->n_peers == p->peers_cap) {
		size_t cap = p->peers_cap ? p->peers_cap * 2 : 4;

		peers = reallocarray(st->peers, cap, sizeof(*peers));
		if (!peers)
			return -ENOMEM;
		st->peers = peers;
		p->peers_cap = cap;
	}
	p->peer = &st->peers[st->n_peers++];
	memset(p->peer, 0, sizeof(*p->peer));
	p->ips_cap = 0;
	return parse_key(hex, p->peer->public_key);
}

static int add_allowed_ip(struct parser *p, const char *text)
{
	struct wgdev_peer_status *peer = p->peer;
	struct cidr c;

	if (cidr_parse(text, &c) < 0)
		return -EPROTO;
	if (peer->n_allowed_ips == p->ips_cap) {
		size_t cap = p->ips_cap ? p->ips_cap * 2 : 4;
		struct cidr *ips = reallocarray(peer->allowed_ips, cap, sizeof(*ips));

		if (!ips)
			return -ENOMEM;
		peer->allowed_ips = ips;
		p->ips_cap = cap;
	}
	peer->allowed_ips[peer->n_allowed_ips++] = c;
	return 0;
}

/* 1: not a device key. */
static int device_line(struct parser *p, const char *key, const char *value)
{
	uint8_t private_key[WG_KEY_LEN];
	uint64_t n = 0;
	int e;

	if (!strcmp(key, "private_key")) {
		e = parse_key(value, private_key);
		if (e == 0)
			key_public(private_key, p->st->public_key);
		key_wipe(private_key, sizeof(private_key));
		return e;
	}
	if (!strcmp(key, "listen_port")) {
		e = parse_number(value, UINT16_MAX, &n);
		p->st->listen_port = (uint16_t)n;
		return e;
	}
	if (!strcmp(key, "fwmark")) {
		e = parse_number(value, UINT32_MAX, &n);
		p->st->fwmark = (uint32_t)n;
		return e;
	}
	return 1;
}

static int peer_number(const char *key, const char *value, struct wgdev_peer_status *peer)
{
	static const struct {
		const char *key;
		uint64_t max;
	} fields[] = {
		{ "persistent_keepalive_interval", UINT16_MAX },
		{ "last_handshake_time_sec", INT64_MAX },
		{ "last_handshake_time_nsec", 999999999 },
		{ "rx_bytes", UINT64_MAX },
		{ "tx_bytes", UINT64_MAX },
		{ "protocol_version", UINT32_MAX },
	};
	uint64_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (strcmp(key, fields[i].key))
			continue;
		if (parse_number(value, fields[i].max, &n) < 0)
			return -EPROTO;
		if (i == 0)
			peer->persistent_keepalive = (uint16_t)n;
		else if (i == 1)
			peer->last_handshake = (int64_t)n;
		else if (i == 3)
			peer->rx_bytes = n;
		else if (i == 4)
			peer->tx_bytes = n;
		return 0;
	}
	return 1;
}

/* 1: not a peer key. Peer keys before the first public_key are malformed. */
static int peer_line(struct parser *p, const char *key, char *value)
{
	struct wgdev_peer_status orphan = { 0 };
	struct wgdev_peer_status *peer = p->peer ? p->peer : &orphan;
	uint8_t psk[WG_KEY_LEN];
	int e;

	if (!strcmp(key, "preshared_key")) {
		e = parse_key(value, psk);
		peer->has_psk = e == 0 && !sodium_is_zero(psk, sizeof(psk));
		key_wipe(psk, sizeof(psk));
	} else if (!strcmp(key, "endpoint")) {
		e = parse_endpoint(value, &peer->endpoint);
	} else if (!strcmp(key, "allowed_ip")) {
		e = p->peer ? add_allowed_ip(p, value) : -EPROTO;
	} else {
		e = peer_number(key, value, peer);
	}
	return e != 1 && !p->peer ? -EPROTO : e;
}

static int parse_line(struct parser *p, char *line, size_t len)
{
	char *value = strchr(line, '=');
	uint64_t n = 0;
	int e;

	if (p->done || strlen(line) != len || !value || value == line)
		return -EPROTO;
	*value++ = '\0';
	if (!strcmp(line, "errno")) {
		/* wireguard-go has sent both "errno=22" and "errno=-22". */
		if (parse_number(value + (*value == '-'), INT32_MAX, &n) < 0)
			return -EPROTO;
		p->done = true;
		p->err = -(int)n;
		return 0;
	}
	if (!strcmp(line, "public_key"))
		return new_peer(p, value);
	e = device_line(p, line, value);
	if (e <= 0)
		return p->peer ? -EPROTO : e;
	e = peer_line(p, line, value);
	return e == 1 ? 0 : e; /* unknown keys are for newer versions: ignored */
}

int uapi_parse_get(const char *reply, size_t len, struct wgdev_status *st)
{
	struct parser p = { .st = st };
	char line[UAPI_MAX_LINE + 1];
	size_t pos = 0;
	int e = -EPROTO;

	memset(st, 0, sizeof(*st));
	while (pos < len) {
		size_t avail = len - pos < sizeof(line) ? len - pos : sizeof(line);
		const char *nl = memchr(reply + pos, '\n', avail);
		size_t n;

		if (!nl)
			break; /* truncated, or a line too long */
		n = (size_t)(nl - (reply + pos));
		if (n == 0) {
			e = p.done && pos + 1 == len ? p.err : -EPROTO;
			break;
		}
		memcpy(line, reply + pos, n);
		line[n] = '\0';
		e = parse_line(&p, line, n);
		sodium_memzero(line, n);
		if (e < 0)
			break;
		e = -EPROTO;
		pos += n + 1;
	}
	if (e < 0)
		wgdev_status_free(st);
	return e;
}
