/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network configuration on stdin, checked field by field into struct
 * netconf. Every refusal names the field; none quotes anything that could be
 * key material.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "cleanup.h"
#include "cni_json.h"
#include "config.h"
#include "config_modes.h"
#include "wgquick.h"

#define NAME_MAX_LEN 200
#define MAX_ADDRESSES 16
#define MAX_PEERS 64
#define MAX_ALLOWED_IPS 1024
#define MTU_DEFAULT 1420
#define MTU_MIN 576
#define MTU_MIN_IPV6 1280

/* What runtimes add to a plugin's object; accepted and, but for a few, ignored. */
static const char *const runtime_fields[] = {
	"cniVersion", "name", "type", "capabilities", "runtimeConfig", "args", "prevResult",
	"ipMasq", "ipam", "cni.dev/valid-attachments", "cni.dev/attachments",
};

static bool in_list(const char *key, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, list[i]) == 0)
			return true;
	return false;
}

static bool is_ipv6_host(const char *text)
{
	struct in6_addr a;

	return inet_pton(AF_INET6, text, &a) == 1;
}

static int parse_backend(json_object *v, const char *path, struct netconf *conf)
{
	static const struct {
		const char *name;
		enum backend_kind kind;
	} names[] = {
		{ "auto", BACKEND_AUTO },
		{ "kernel", BACKEND_KERNEL },
		{ "userspace", BACKEND_USERSPACE },
	};
	const char *s = NULL;

	conf->backend = BACKEND_AUTO;
	if (!v)
		return 0;
	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i].name) == 0) {
			conf->backend = names[i].kind;
			return 0;
		}
	return error_config("%s: \"%s\" is not one of auto, kernel, userspace", path, s);
}

static int parse_private_key_file(json_object *v, const char *path, struct netconf *conf)
{
	if (!v && conf->wg_quick_config)
		return 0;
	if (!v)
		return error_config("%s: required", path);
	return cni_json_abs_path(v, path, &conf->private_key_file);
}

int cni_json_cidr(json_object *v, const char *path, struct cidr *out)
{
	const char *s = NULL;

	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	if (cidr_parse(s, out) < 0)
		return error_config("%s: not an IP prefix: \"%s\"", path, s);
	return 0;
}

int cni_json_networks(json_object *v, const char *path, size_t max, struct cidr **out, size_t *n)
{
	char item[CNI_PATH_MAX];
	size_t len = 0;

	if (cni_json_array(v, path, 0, max, &len) < 0)
		return -EINVAL;
	*out = calloc(len ? len : 1, sizeof(**out));
	if (!*out)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	for (size_t i = 0; i < len; i++) {
		cni_path(item, sizeof(item), "%s[%zu]", path, i);
		if (cni_json_cidr(json_object_array_get_idx(v, i), item, &(*out)[i]) < 0)
			return -EINVAL;
		cidr_mask(&(*out)[i]);
		(*n)++;
	}
	return 0;
}

static bool same_address(const struct cidr *a, const struct cidr *b)
{
	return a->family == b->family && memcmp(a->addr.raw, b->addr.raw, sizeof(a->addr)) == 0;
}

static int parse_addresses(json_object *v, const char *path, struct netconf *conf)
{
	char item[CNI_PATH_MAX];
	size_t n = 0;

	if (!v && conf->wg_quick_config)
		return 0;
	if (!v)
		return error_config("%s: required", path);
	if (cni_json_array(v, path, 1, MAX_ADDRESSES, &n) < 0)
		return -EINVAL;
	conf->addresses = calloc(n, sizeof(*conf->addresses));
	if (!conf->addresses)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	for (size_t i = 0; i < n; i++) {
		cni_path(item, sizeof(item), "%s[%zu]", path, i);
		if (cni_json_cidr(json_object_array_get_idx(v, i), item, &conf->addresses[i]) < 0)
			return -EINVAL;
		conf->n_addresses++;
		/* The same address twice, whatever the prefix, is refused by the kernel. */
		for (size_t j = 0; j < i; j++)
			if (same_address(&conf->addresses[j], &conf->addresses[i]))
				return error_config("%s: duplicate of %s[%zu]", item, path, j);
	}
	return 0;
}

static int parse_listen_port(json_object *v, const char *path, struct netconf *conf)
{
	int64_t port = 0;

	if (v && cni_json_int(v, path, 1, 65535, &port) < 0)
		return -EINVAL;
	conf->listen_port = (uint16_t)port;
	return 0;
}

static int parse_mtu(json_object *v, const char *path, struct netconf *conf)
{
	int64_t mtu = MTU_DEFAULT;

	if (v && cni_json_int(v, path, MTU_MIN, 65535, &mtu) < 0)
		return -EINVAL;
	conf->mtu = (uint32_t)mtu;
	return 0;
}

/* Marks are often written in hex, which JSON numbers cannot be: accept "0x..." too. */
static int parse_fwmark(json_object *v, const char *path, struct netconf *conf)
{
	const char *s = NULL;
	char *end = NULL;
	int64_t mark = 0;
	unsigned long long hex;

	conf->fwmark = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		if (cni_json_int(v, path, 0, UINT32_MAX, &mark) < 0)
			return -EINVAL;
		conf->fwmark = (uint32_t)mark;
		return 0;
	}
	s = json_object_get_string(v);
	if (strncmp(s, "0x", 2) != 0 || !isxdigit((unsigned char)s[2]))
		return error_config("%s: \"%s\" is neither an integer nor a hex string \"0x...\"",
				    path, s);
	errno = 0;
	hex = strtoull(s + 2, &end, 16);
	if (errno || *end || hex > UINT32_MAX)
		return error_config("%s: \"%s\" is not a 32-bit hex number", path, s);
	conf->fwmark = (uint32_t)hex;
	return 0;
}

static int parse_dns(json_object *v, const char *path, struct netconf *conf)
{
	conf->has_dns = v != NULL;
	return v ? cni_dns_parse(v, path, &conf->dns) : 0;
}

static int parse_kill_switch(json_object *v, const char *path, struct netconf *conf)
{
	conf->kill_switch = true;
	return v ? cni_json_bool(v, path, &conf->kill_switch) : 0;
}

static int parse_userspace_implementation(json_object *v, const char *path, struct netconf *conf)
{
	return v ? cni_json_abs_path(v, path, &conf->userspace_implementation) : 0;
}

static int parse_peer_pool(json_object *v, const char *path, struct netconf *conf)
{
	const char *s = NULL;

	if (!v)
		return 0;
	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	if (cidr_parse(s, &conf->peer_pool) < 0)
		return error_config("%s: \"%s\" is not an address/prefix", path, s);
	cidr_mask(&conf->peer_pool);
	conf->has_peer_pool = true;
	return 0;
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
static int check_allowed_ips(const struct netconf *conf)
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

static int parse_peers(json_object *v, const char *path, struct netconf *conf)
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
	return check_allowed_ips(conf);
}

/* Read at parse time, so its errors ("file:line: ...") come with the others, code 7. */
static int parse_wg_quick_config(json_object *v, const char *path, struct netconf *conf)
{
	return v ? cni_json_abs_path(v, path, &conf->wg_quick_config) : 0;
}

#define SWAP(a, b) do { __typeof__(a) _t = (a); (a) = (b); (b) = _t; } while (0)

/* The wg-quick file's values for the fields the JSON leaves out: explicit fields win. */
static void take_from_file(json_object *root, struct netconf *conf, struct netconf *file)
{
	json_object *v = NULL;

#define ABSENT(name) (!json_object_object_get_ex(root, name, &v) || !v)
	if (ABSENT("privateKeyFile") && file->has_private_key) {
		memcpy(conf->private_key, file->private_key, WG_KEY_LEN);
		conf->has_private_key = true;
	}
	if (ABSENT("address")) {
		SWAP(conf->addresses, file->addresses);
		SWAP(conf->n_addresses, file->n_addresses);
	}
	if (ABSENT("mtu") && file->mtu)
		conf->mtu = file->mtu;
	if (ABSENT("listenPort"))
		conf->listen_port = file->listen_port;
	if (ABSENT("fwmark"))
		conf->fwmark = file->fwmark;
	if (ABSENT("dns") && file->has_dns) {
		SWAP(conf->dns, file->dns);
		conf->has_dns = true;
	}
	if (ABSENT("peers")) {
		SWAP(conf->peers, file->peers);
		SWAP(conf->n_peers, file->n_peers);
	}
#undef ABSENT
}

static int apply_wg_quick(json_object *root, struct netconf *conf)
{
	struct netconf file = { 0 };
	const char *name = conf->wg_quick_config;
	int r;

	if (!name)
		return 0;
	r = wgquick_parse_file(name, &file);
	if (r == 0)
		take_from_file(root, conf, &file);
	netconf_free(&file);
	if (r < 0)
		return r;
	if (!conf->private_key_file && !conf->has_private_key)
		return error_config("privateKeyFile: required (wgQuickConfig %s has no PrivateKey)",
				    name);
	if (conf->n_addresses == 0)
		return error_config("address: required (wgQuickConfig %s has no Address)", name);
	if (conf->n_peers == 0 && !conf->has_peer_pool)
		return error_config("peers: required (wgQuickConfig %s has no [Peer])", name);
	return check_allowed_ips(conf);
}

/*
 * This plugin's own fields, in the order they are checked. A parser is called
 * with NULL when its field is absent (or null), to set the default or refuse.
 */
static const struct netconf_field {
	const char *name;
	int (*parse)(json_object *v, const char *path, struct netconf *conf);
} netconf_fields[] = {
	{ "wgQuickConfig", parse_wg_quick_config },
	{ "backend", parse_backend },
	{ "privateKeyFile", parse_private_key_file },
	{ "address", parse_addresses },
	{ "listenPort", parse_listen_port },
	{ "mtu", parse_mtu },
	{ "fwmark", parse_fwmark },
	{ "dns", parse_dns },
	{ "killSwitch", parse_kill_switch },
	{ "userspaceImplementation", parse_userspace_implementation },
	{ "peerPool", parse_peer_pool },
	{ "tunnelInterface", cni_parse_tunnel_interface },
	{ "allowedSubnets", cni_parse_allowed_subnets },
	{ "socketNamespace", cni_parse_socket_namespace },
	{ "inboundPorts", cni_parse_inbound_ports },
	{ "dnsRedirect", cni_parse_dns_redirect },
	{ "peers", parse_peers },
};

static bool is_own_field(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(netconf_fields); i++)
		if (strcmp(key, netconf_fields[i].name) == 0)
			return true;
	return false;
}

static int check_known_fields(json_object *root)
{
	json_object_object_foreach(root, key, value) {
		(void)value;
		/* libcni caches the configuration on disk: a key written inline ends up there. */
		if (strcmp(key, "privateKey") == 0)
			return error_config("privateKey: keys are not accepted inline (runtimes "
					    "store the configuration on disk); put the key in a "
					    "file readable only by root and name it in "
					    "privateKeyFile");
		if (!is_own_field(key) && !in_list(key, runtime_fields, ARRAY_SIZE(runtime_fields)))
			return error_config("unknown field \"%s\"", key);
	}
	return 0;
}

static int parse_version(json_object *root, struct netconf *conf)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(root, "cniVersion", &v) || !v)
		return error_config("cniVersion: required");
	if (cni_json_strdup(v, "cniVersion", &conf->cni_version) < 0)
		return -EINVAL;
	if (!cni_version_supported(conf->cni_version)) {
		error_report(0, CNI_ERR_INCOMPATIBLE_VERSION, "unsupported cniVersion \"%s\"",
			     conf->cni_version);
		return -EINVAL;
	}
	return 0;
}

/* The name becomes a directory name: no separators, no dot-only names. */
static int parse_name(json_object *root, struct netconf *conf)
{
	json_object *v = NULL;
	const char *s = NULL;
	size_t len;

	if (!json_object_object_get_ex(root, "name", &v) || !v)
		return error_config("name: required");
	if (cni_json_string(v, "name", &s) < 0)
		return -EINVAL;
	len = strlen(s);
	if (len == 0)
		return error_config("name: must not be empty");
	if (len > NAME_MAX_LEN)
		return error_config("name: longer than %d characters", NAME_MAX_LEN);
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != len)
		return error_config("name: \"%s\" may contain only letters, digits, '_', '.', "
				    "'-'", s);
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return error_config("name: \"%s\" is not a usable name", s);
	return cni_json_strdup(v, "name", &conf->name);
}

static int check_mtu(const struct netconf *conf)
{
	char text[50];

	if (conf->mtu >= MTU_MIN_IPV6)
		return 0;
	for (size_t i = 0; i < conf->n_addresses; i++)
		if (conf->addresses[i].family == AF_INET6) {
			cidr_format(&conf->addresses[i], text, sizeof(text));
			return error_config("mtu: %u is below %d, the minimum for IPv6 "
					    "(address %s)", conf->mtu, MTU_MIN_IPV6, text);
		}
	return 0;
}

int cni_netconf_parse(json_object *root, struct netconf *conf)
{
	if (parse_version(root, conf) < 0 || parse_name(root, conf) < 0 ||
	    check_known_fields(root) < 0)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(netconf_fields); i++) {
		json_object *v = NULL;

		json_object_object_get_ex(root, netconf_fields[i].name, &v);
		if (netconf_fields[i].parse(v, netconf_fields[i].name, conf) < 0)
			return -EINVAL;
	}
	if (apply_wg_quick(root, conf) < 0)
		return -EINVAL;
	if (check_mtu(conf) < 0)
		return -EINVAL;
	return cni_modes_check(conf);
}

void netconf_free(struct netconf *conf)
{
	free(conf->cni_version);
	free(conf->name);
	free(conf->private_key_file);
	free(conf->wg_quick_config);
	sodium_memzero(conf->private_key, sizeof(conf->private_key));
	free(conf->addresses);
	cni_dns_free(&conf->dns);
	for (size_t i = 0; i < conf->n_peers; i++) {
		sodium_memzero(conf->peers[i].preshared_key, WG_KEY_LEN);
		free(conf->peers[i].preshared_key_file);
		free(conf->peers[i].endpoint_host);
		free(conf->peers[i].allowed_ips);
	}
	free(conf->peers);
	free(conf->userspace_implementation);
	free(conf->tunnel_interface);
	free(conf->allowed_subnets);
	free(conf->inbound_ports);
	memset(conf, 0, sizeof(*conf));
}
