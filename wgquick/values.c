/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The values of a wg-quick file's keys, with the meaning wg(8) and
 * wg-quick(8) give them: keys in base64, comma lists, "off" for numbers.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "key.h"
#include "parser.h"

#define MAX_ADDRESSES 16
#define MAX_DNS 32
#define MAX_ALLOWED_IPS 1024
#define MTU_MIN 576

static int parse_key(const struct parser *p, const char *key, const char *value,
		     uint8_t out[WG_KEY_LEN])
{
	if (key_from_base64(value, strlen(value), out) < 0)
		return wgquick_fail(p, "%s: not a base64 WireGuard key", key);
	return 0;
}

static bool to_number(const char *value, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end = NULL;

	if (!isdigit((unsigned char)value[0]))
		return false;
	errno = 0;
	*out = strtoul(value, &end, 0);
	return !errno && !*end && *out >= min && *out <= max;
}

static int parse_number(const struct parser *p, const char *key, const char *value,
			unsigned long max, bool off_is_zero, unsigned long *out)
{
	if (off_is_zero && strcasecmp(value, "off") == 0) {
		*out = 0;
		return 0;
	}
	if (!to_number(value, 0, max, out))
		return wgquick_fail(p, "%s: %s is not a number in 0..%lu",
				    key, wgquick_shown(value), max);
	return 0;
}

/* wg-quick passes an address without a prefix to ip(8), which takes the full length. */
static int parse_prefix(const char *item, struct cidr *out)
{
	char with_prefix[64];

	if (strchr(item, '/'))
		return cidr_parse(item, out);
	if (strlen(item) > 46)
		return -EINVAL;
	snprintf(with_prefix, sizeof(with_prefix), "%s/%d", item, strchr(item, ':') ? 128 : 32);
	return cidr_parse(with_prefix, out);
}

static int add_address(const struct parser *p, const char *item)
{
	struct netconf *conf = p->conf;
	struct cidr c;
	struct cidr *grown = NULL;

	if (parse_prefix(item, &c) < 0)
		return wgquick_fail(p, "Address: %s is not an IP address or prefix",
				    wgquick_shown(item));
	for (size_t i = 0; i < conf->n_addresses; i++)
		if (conf->addresses[i].family == c.family &&
		    memcmp(conf->addresses[i].addr.raw, c.addr.raw, sizeof(c.addr)) == 0)
			return wgquick_fail(p, "Address: %s is listed twice", wgquick_shown(item));
	if (conf->n_addresses == MAX_ADDRESSES)
		return wgquick_fail(p, "Address: more than %d addresses", MAX_ADDRESSES);
	grown = realloc(conf->addresses, (conf->n_addresses + 1) * sizeof(*grown));
	if (!grown)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s:%u", p->name, p->line);
	grown[conf->n_addresses++] = c;
	conf->addresses = grown;
	return 0;
}

static int add_allowed_ip(const struct parser *p, const char *item)
{
	struct peer_conf *peer = wgquick_current_peer(p);
	struct cidr c;
	struct cidr *grown = NULL;

	if (parse_prefix(item, &c) < 0)
		return wgquick_fail(p, "AllowedIPs: %s is not an IP prefix", wgquick_shown(item));
	if (peer->n_allowed_ips == MAX_ALLOWED_IPS)
		return wgquick_fail(p, "AllowedIPs: more than %d entries", MAX_ALLOWED_IPS);
	grown = realloc(peer->allowed_ips, (peer->n_allowed_ips + 1) * sizeof(*grown));
	if (!grown)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s:%u", p->name, p->line);
	/* The kernel stores networks, as cni/config.c does for allowedIPs. */
	cidr_mask(&c);
	grown[peer->n_allowed_ips++] = c;
	peer->allowed_ips = grown;
	return 0;
}

static int strv_append(const struct parser *p, char ***v, size_t *n, const char *s)
{
	char **grown = NULL;

	if (*n == MAX_DNS)
		return wgquick_fail(p, "DNS: more than %d entries of a kind", MAX_DNS);
	grown = realloc(*v, (*n + 1) * sizeof(*grown));
	if (!grown)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s:%u", p->name, p->line);
	*v = grown;
	grown[*n] = strdup(s);
	if (!grown[*n])
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s:%u", p->name, p->line);
	(*n)++;
	return 0;
}

static bool is_host_name(const char *s, size_t len)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789.-_";

	if (len == 0 || len > 253 || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!memchr(chars, s[i], sizeof(chars) - 1))
			return false;
	return true;
}

/* As wg-quick: an IP address is a nameserver, anything else a search domain. */
static int add_dns(const struct parser *p, const char *item)
{
	struct dns_conf *dns = &p->conf->dns;
	struct in6_addr a;

	p->conf->has_dns = true;
	if (inet_pton(AF_INET, item, &a) == 1 || inet_pton(AF_INET6, item, &a) == 1)
		return strv_append(p, &dns->nameservers, &dns->n_nameservers, item);
	if (!is_host_name(item, strlen(item)))
		return wgquick_fail(p, "DNS: %s is neither an IP address nor a domain",
				    wgquick_shown(item));
	return strv_append(p, &dns->search, &dns->n_search, item);
}

/* Empty items are skipped, as wg-quick's word splitting does. */
static int for_each_item(const struct parser *p, char *value,
			 int (*add)(const struct parser *p, const char *item))
{
	char *item = NULL;

	while ((item = strsep(&value, ",")))
		if (*item && add(p, item) < 0)
			return -EINVAL;
	return 0;
}

static int parse_endpoint(const struct parser *p, const char *value)
{
	struct peer_conf *peer = wgquick_current_peer(p);
	const char *colon = strrchr(value, ':'), *host = value;
	unsigned long port = 0;
	size_t len;

	if (!colon || !to_number(colon + 1, 1, 65535, &port))
		return wgquick_fail(p, "Endpoint: %s is not host:port", wgquick_shown(value));
	len = (size_t)(colon - value);
	if (host[0] == '[') {
		char inner[INET6_ADDRSTRLEN];
		struct in6_addr a;

		if (len < 3 || len - 2 >= sizeof(inner) || host[len - 1] != ']')
			return wgquick_fail(p, "Endpoint: %s is not [IPv6 address]:port",
					    wgquick_shown(value));
		memcpy(inner, host + 1, len - 2);
		inner[len - 2] = '\0';
		if (inet_pton(AF_INET6, inner, &a) != 1)
			return wgquick_fail(p, "Endpoint: %s is not [IPv6 address]:port",
					    wgquick_shown(value));
		host++;
		len -= 2;
	} else if (!is_host_name(host, len)) {
		return wgquick_fail(p, "Endpoint: %s is not an IPv4 address, [IPv6 address] or "
			    "host name with a port", wgquick_shown(value));
	}
	free(peer->endpoint_host);
	peer->endpoint_host = strndup(host, len);
	peer->endpoint_port = (uint16_t)port;
	return peer->endpoint_host ? 0 : error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s:%u",
							p->name, p->line);
}

int wgquick_interface_value(const struct parser *p, const char *key, char *value)
{
	struct netconf *conf = p->conf;
	unsigned long n = 0;

	if (strcasecmp(key, "PrivateKey") == 0) {
		conf->has_private_key = parse_key(p, "PrivateKey", value, conf->private_key) == 0;
		return conf->has_private_key ? 0 : -EINVAL;
	}
	if (strcasecmp(key, "Address") == 0)
		return for_each_item(p, value, add_address);
	if (strcasecmp(key, "DNS") == 0)
		return for_each_item(p, value, add_dns);
	if (strcasecmp(key, "MTU") == 0) {
		if (parse_number(p, "MTU", value, 65535, false, &n) < 0)
			return -EINVAL;
		if (n < MTU_MIN)
			return wgquick_fail(p, "MTU: %lu is below %d", n, MTU_MIN);
		conf->mtu = (uint32_t)n;
		return 0;
	}
	if (strcasecmp(key, "ListenPort") == 0) {
		if (parse_number(p, "ListenPort", value, 65535, false, &n) < 0)
			return -EINVAL;
		conf->listen_port = (uint16_t)n;
		return 0;
	}
	if (strcasecmp(key, "FwMark") == 0) {
		if (parse_number(p, "FwMark", value, UINT32_MAX, true, &n) < 0)
			return -EINVAL;
		conf->fwmark = (uint32_t)n;
		return 0;
	}
	return wgquick_unknown(p, "unknown key", key, " in [Interface]");
}

int wgquick_peer_value(const struct parser *p, const char *key, char *value)
{
	struct peer_conf *peer = wgquick_current_peer(p);
	unsigned long n = 0;

	if (strcasecmp(key, "PublicKey") == 0)
		return parse_key(p, "PublicKey", value, peer->public_key);
	if (strcasecmp(key, "PresharedKey") == 0) {
		peer->has_preshared_key = parse_key(p, "PresharedKey", value,
						    peer->preshared_key) == 0;
		return peer->has_preshared_key ? 0 : -EINVAL;
	}
	if (strcasecmp(key, "Endpoint") == 0)
		return parse_endpoint(p, value);
	if (strcasecmp(key, "AllowedIPs") == 0)
		return for_each_item(p, value, add_allowed_ip);
	if (strcasecmp(key, "PersistentKeepalive") == 0) {
		if (parse_number(p, "PersistentKeepalive", value, 65535, true, &n) < 0)
			return -EINVAL;
		peer->persistent_keepalive = (uint16_t)n;
		return 0;
	}
	return wgquick_unknown(p, "unknown key", key, " in [Peer]");
}
