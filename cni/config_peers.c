/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "peers" of the network configuration, each checked field by field
 * into struct peer_conf, and the check that no network is routed to two
 * peers. Keys are refused inline and never quoted.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "cleanup.h"
#include "cni_json.h"
#include "config_peers.h"

#define MAX_PEERS 64
#define MAX_ALLOWED_IPS 1024

static bool is_ipv6_host(const char *text)
{
	struct in6_addr a;

	return inet_pton(AF_INET6, text, &a) == 1;
}
static int parse_public_key(json_object *v, const char *path, struct peer_conf *peer)
{
	const char *s = NULL;
	size_t len = 0;

	if (!v)
		return error_config("%s: required", path);
	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	if (strlen(s) != WG_KEY_B64_LEN ||
	    sodium_base642bin(peer->public_key, WG_KEY_LEN, s, WG_KEY_B64_LEN, NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != WG_KEY_LEN)
		return error_config("%s: not a base64 WireGuard key", path);
	return 0;
}

static int parse_preshared_key_file(json_object *v, const char *path, struct peer_conf *peer)
{
	return v ? cni_json_abs_path(v, path, &peer->preshared_key_file) : 0;
}

static int parse_port(const char *text, uint16_t *port)
{
	char *end = NULL;
	unsigned long n;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || *end || n < 1 || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

/* A name is resolved at ADD (endpoint_resolve); here only its shape is checked. */
static bool is_host_name(const char *host, size_t len)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";

	if (len == 0 || len > 253 || host[0] == '-' || host[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!memchr(chars, host[i], sizeof(chars) - 1))
			return false;
	return true;
}

static int parse_endpoint(json_object *v, const char *path, struct peer_conf *peer)
{
	const char *s = NULL, *colon, *host;
	size_t host_len;

	if (!v)
		return 0;
	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	colon = strrchr(s, ':');
	if (!colon || parse_port(colon + 1, &peer->endpoint_port) < 0)
		return error_config("%s: \"%s\" is not host:port with a port 1..65535", path, s);
	host = s;
	host_len = (size_t)(colon - s);
	if (host[0] == '[') {
		_cleanup_free_ char *inner = NULL;

		if (host_len < 2 || host[host_len - 1] != ']' ||
		    !(inner = strndup(host + 1, host_len - 2)) || !is_ipv6_host(inner))
			return error_config("%s: \"%s\" is not [IPv6 address]:port", path, s);
		host++;
		host_len -= 2;
	} else if (memchr(host, ':', host_len)) {
		return error_config("%s: \"%s\": an IPv6 address needs brackets, as in "
				    "[fc00::1]:51820", path, s);
	} else if (!is_host_name(host, host_len)) {
		return error_config("%s: \"%s\" is not an IP address or host name with a port",
				    path, s);
	}
	peer->endpoint_host = strndup(host, host_len);
	return peer->endpoint_host ? 0 : error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
}

static int parse_allowed_ips(json_object *v, const char *path, struct peer_conf *peer)
{
	/* The kernel stores networks; routes are added for the same. */
	return v ? cni_json_networks(v, path, MAX_ALLOWED_IPS, &peer->allowed_ips,
				     &peer->n_allowed_ips) : 0;
}

static int parse_persistent_keepalive(json_object *v, const char *path, struct peer_conf *peer)
{
	int64_t seconds = 0;

	if (v && cni_json_int(v, path, 0, 65535, &seconds) < 0)
		return -EINVAL;
	peer->persistent_keepalive = (uint16_t)seconds;
	return 0;
}

/* A peer's fields, as netconf_fields for the top level. */
static const struct peer_field {
	const char *name;
	int (*parse)(json_object *v, const char *path, struct peer_conf *peer);
} peer_fields[] = {
	{ "publicKey", parse_public_key },
	{ "presharedKeyFile", parse_preshared_key_file },
	{ "endpoint", parse_endpoint },
	{ "allowedIPs", parse_allowed_ips },
	{ "persistentKeepalive", parse_persistent_keepalive },
};

static int parse_peer(json_object *v, const char *path, struct peer_conf *peer)
{
	char field[CNI_PATH_MAX];

	if (cni_json_object(v, path) < 0)
		return -EINVAL;
	json_object_object_foreach(v, key, value) {
		size_t i = 0;

		(void)value;
		if (strcmp(key, "presharedKey") == 0)
			return error_config("%s.presharedKey: keys are not accepted inline "
					    "(runtimes store the configuration on disk); put the "
					    "key in a file and name it in presharedKeyFile", path);
		if (strcmp(key, "privateKey") == 0)
			return error_config("%s.privateKey: keys are not accepted inline; "
					    "this plugin's own key goes in a file named by the "
					    "top-level privateKeyFile", path);
		while (i < ARRAY_SIZE(peer_fields) && strcmp(key, peer_fields[i].name) != 0)
			i++;
		if (i == ARRAY_SIZE(peer_fields))
			return error_config("%s: unknown field \"%s\"", path, key);
	}
	for (size_t i = 0; i < ARRAY_SIZE(peer_fields); i++) {
		json_object *f = NULL;

		cni_path(field, sizeof(field), "%s.%s", path, peer_fields[i].name);
		json_object_object_get_ex(v, peer_fields[i].name, &f);
		if (peer_fields[i].parse(f, field, peer) < 0)
			return -EINVAL;
	}
	return 0;
}

struct allowed_ip_ref {
	const struct cidr *cidr;
	size_t peer, index;
};

static int compare_allowed_ips(const void *pa, const void *pb)
{
	const struct allowed_ip_ref *a = pa, *b = pb;
	int d = memcmp(a->cidr->addr.raw, b->cidr->addr.raw, 16);

	if (a->cidr->family != b->cidr->family)
		return a->cidr->family < b->cidr->family ? -1 : 1;
	if (d)
		return d;
	if (a->cidr->prefix != b->cidr->prefix)
		return a->cidr->prefix < b->cidr->prefix ? -1 : 1;
	/* Ties in the order written, so the message names the later one as the duplicate. */
	if (a->peer != b->peer)
		return a->peer < b->peer ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* One network routed to two places cannot be configured: the second route would fail. */
int cni_check_allowed_ips(const struct netconf *conf)
{
	_cleanup_free_ struct allowed_ip_ref *refs = NULL;
	size_t n = 0, total = 0;

	for (size_t p = 0; p < conf->n_peers; p++)
		total += conf->peers[p].n_allowed_ips;
	refs = calloc(total ? total : 1, sizeof(*refs));
	if (!refs)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "checking allowedIPs");
	for (size_t p = 0; p < conf->n_peers; p++)
		for (size_t i = 0; i < conf->peers[p].n_allowed_ips; i++)
			refs[n++] = (struct allowed_ip_ref){ &conf->peers[p].allowed_ips[i], p, i };
	qsort(refs, n, sizeof(*refs), compare_allowed_ips);
	for (size_t i = 1; i < n; i++)
		if (cidr_equal(refs[i - 1].cidr, refs[i].cidr))
			return error_config("peers[%zu].allowedIPs[%zu]: duplicate of "
					    "peers[%zu].allowedIPs[%zu]", refs[i].peer,
					    refs[i].index, refs[i - 1].peer, refs[i - 1].index);
	return 0;
}

int cni_parse_peers(json_object *v, const char *path, struct netconf *conf)
{
	char item[CNI_PATH_MAX];
	size_t n = 0;

	/* A server-style network may start with no peers and get them from `wgcni peer add`. */
	if (!v && (conf->has_peer_pool || conf->wg_quick_config))
		return 0;
	if (!v)
		return error_config("%s: required", path);
	if (cni_json_array(v, path, 1, MAX_PEERS, &n) < 0)
		return -EINVAL;
	conf->peers = calloc(n, sizeof(*conf->peers));
	if (!conf->peers)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	/* Counted before filling: netconf_free releases whatever a failed peer holds. */
	conf->n_peers = n;
	for (size_t i = 0; i < n; i++) {
		cni_path(item, sizeof(item), "%s[%zu]", path, i);
		if (parse_peer(json_object_array_get_idx(v, i), item, &conf->peers[i]) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (sodium_memcmp(conf->peers[i].public_key, conf->peers[j].public_key,
					  WG_KEY_LEN) == 0)
				return error_config("%s.publicKey: duplicate of %s[%zu]", item,
						    path, j);
	}
	return cni_check_allowed_ips(conf);
}
