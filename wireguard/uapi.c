/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The UAPI socket of wireguard-go: the text protocol of
 * https://www.wireguard.com/xplatform/ ("set=1" / "get=1", key=value lines,
 * a blank line ends each message, "errno=N" ends each reply).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sodium.h>

#include "cleanup.h"
#include "error.h"
#include "key.h"
#include "uapi.h"

#define UAPI_MAX_REPLY (1u << 20)
#define UAPI_TIMEOUT_SEC 2
/* Bounds for the request buffer, generous over the longest line of each kind. */
#define SET_HEADER_MAX 256
#define SET_PEER_MAX 512
#define SET_ALLOWED_IP_MAX 80

void uapi_socket_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "/var/run/wireguard/%s.sock", name);
}

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

int uapi_connect(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = UAPI_TIMEOUT_SEC };
	_cleanup_close_ int fd = -1;

	uapi_socket_path(name, sun.sun_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		/* MSG_NOSIGNAL: a helper that died must not kill the plugin with SIGPIPE. */
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A get reply holds the private key in hex: every buffer it passed through is wiped. */
struct reply {
	char *buf;
	size_t len, cap;
};

static void reply_free(struct reply *r)
{
	if (r->buf) {
		sodium_memzero(r->buf, r->len);
		free(r->buf);
	}
	r->buf = NULL;
}

static int reply_grow(struct reply *r)
{
	size_t cap = r->cap ? r->cap * 2 : 4096;
	char *buf;

	if (r->cap >= UAPI_MAX_REPLY)
		return -EMSGSIZE;
	if (cap > UAPI_MAX_REPLY)
		cap = UAPI_MAX_REPLY;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	if (r->buf)
		memcpy(buf, r->buf, r->len);
	reply_free(r);
	r->buf = buf;
	r->cap = cap;
	return 0;
}

/* Read up to and including the first blank line, which ends *msg_len bytes in. */
static int read_reply(int fd, struct reply *r, size_t *msg_len)
{
	for (;;) {
		size_t from = r->len ? r->len - 1 : 0;
		ssize_t n;
		char *end;

		if (r->len == r->cap) {
			int e = reply_grow(r);

			if (e < 0)
				return e;
		}
		n = recv(fd, r->buf + r->len, r->cap - r->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -EPROTO;
		r->len += (size_t)n;
		end = memmem(r->buf + from, r->len - from, "\n\n", 2);
		if (end) {
			*msg_len = (size_t)(end - r->buf) + 2;
			return 0;
		}
	}
}

/* One request, one reply, parsed into st; reports against the socket path. */
static int transact(const char *name, const char *request, const char *what,
		    struct wgdev_status *st)
{
	struct reply r = { 0 };
	size_t len = 0;
	char path[108];
	_cleanup_close_ int fd = -1;
	int e;

	uapi_socket_path(name, path, sizeof(path));
	fd = uapi_connect(name);
	if (fd < 0)
		return error_report(fd, CNI_ERR_INTERNAL, "connecting to %s", path);
	e = send_all(fd, request, strlen(request));
	if (e < 0)
		return error_report(e, CNI_ERR_INTERNAL, "writing to %s", path);
	e = read_reply(fd, &r, &len);
	if (e == 0)
		e = uapi_parse_get(r.buf, len, st);
	reply_free(&r);
	if (e == -EPROTO)
		return error_report(e, CNI_ERR_INTERNAL, "malformed reply from %s", path);
	if (e < 0)
		return error_report(e, CNI_ERR_INTERNAL, "%s through %s", what, path);
	return 0;
}

int uapi_set(const char *name, const struct wgdev_config *cfg)
{
	struct wgdev_status st = { 0 };
	char *request = uapi_build_set(cfg);
	char path[108];
	int e;

	if (!request) {
		uapi_socket_path(name, path, sizeof(path));
		return error_report(-errno, CNI_ERR_INTERNAL, "building the request for %s", path);
	}
	e = transact(name, request, "configuring wireguard-go", &st);
	sodium_memzero(request, strlen(request) + 1);
	free(request);
	wgdev_status_free(&st);
	return e;
}

int uapi_get(const char *name, struct wgdev_status *st)
{
	return transact(name, "get=1\n\n", "reading wireguard-go's configuration", st);
}

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
