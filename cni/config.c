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
#include "config_peers.h"
#include "config_wgquick.h"

#define NAME_MAX_LEN 200
#define MAX_ADDRESSES 16
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

/* Read at parse time, so its errors ("file:line: ...") come with the others, code 7. */
static int parse_wg_quick_config(json_object *v, const char *path, struct netconf *conf)
{
	return v ? cni_json_abs_path(v, path, &conf->wg_quick_config) : 0;
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
	{ "peers", cni_parse_peers },
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
	if (cni_apply_wg_quick(root, conf) < 0)
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
