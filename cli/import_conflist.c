/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The conflist import writes: the wireguard plugin alone, or chained after
 * bridge (host-local IPAM) and portmap so published ports work while every
 * other packet goes through the tunnel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "cli.h"
#include "error.h"
#include "import.h"
#include "key.h"
#include "peers.h"

static json_object *cidrs(const struct cidr *c, size_t n)
{
	json_object *a = json_object_new_array();
	char text[64];

	for (size_t i = 0; i < n; i++) {
		cidr_format(&c[i], text, sizeof(text));
		json_object_array_add(a, json_object_new_string(text));
	}
	return a;
}

static json_object *strings(char *const *s, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(s[i]));
	return a;
}

static json_object *peer_object(const struct peer_conf *p)
{
	json_object *o = json_object_new_object();
	char b64[WG_KEY_B64_LEN + 1], endpoint[300];

	key_to_base64(p->public_key, b64);
	json_object_object_add(o, "publicKey", json_object_new_string(b64));
	if (p->preshared_key_file)
		json_object_object_add(o, "presharedKeyFile",
				       json_object_new_string(p->preshared_key_file));
	if (p->endpoint_host) {
		snprintf(endpoint, sizeof(endpoint), strchr(p->endpoint_host, ':') ? "[%s]:%u" :
			 "%s:%u", p->endpoint_host, p->endpoint_port);
		json_object_object_add(o, "endpoint", json_object_new_string(endpoint));
	}
	json_object_object_add(o, "allowedIPs", cidrs(p->allowed_ips, p->n_allowed_ips));
	if (p->persistent_keepalive)
		json_object_object_add(o, "persistentKeepalive",
				       json_object_new_int(p->persistent_keepalive));
	return o;
}

static json_object *wireguard_object(const struct import_args *a, const struct netconf *conf)
{
	json_object *o = json_object_new_object();
	json_object *peers = json_object_new_array();

	json_object_object_add(o, "type", json_object_new_string("wireguard"));
	json_object_object_add(o, "privateKeyFile", json_object_new_string(conf->private_key_file));
	json_object_object_add(o, "address", cidrs(conf->addresses, conf->n_addresses));
	if (conf->listen_port)
		json_object_object_add(o, "listenPort", json_object_new_int(conf->listen_port));
	if (conf->mtu)
		json_object_object_add(o, "mtu", json_object_new_int64(conf->mtu));
	if (conf->fwmark)
		json_object_object_add(o, "fwmark", json_object_new_int64(conf->fwmark));
	if (conf->has_dns) {
		json_object *dns = json_object_new_object();

		json_object_object_add(dns, "nameservers",
				       strings(conf->dns.nameservers, conf->dns.n_nameservers));
		if (conf->dns.n_search)
			json_object_object_add(dns, "search",
					       strings(conf->dns.search, conf->dns.n_search));
		json_object_object_add(o, "dns", dns);
	}
	if (a->chained)
		json_object_object_add(o, "tunnelInterface", json_object_new_string("wg0"));
	for (size_t i = 0; i < conf->n_peers; i++)
		json_object_array_add(peers, peer_object(&conf->peers[i]));
	json_object_object_add(o, "peers", peers);
	return o;
}

/* bridge with host-local addresses (no default route: the tunnel has it), then portmap. */
static void add_lan_leg(const struct import_args *a, json_object *plugins)
{
	json_object *bridge = json_object_new_object(), *ipam = json_object_new_object();
	json_object *ranges = json_object_new_array(), *range = json_object_new_array();
	json_object *subnet = json_object_new_object(), *portmap = json_object_new_object();
	json_object *caps = json_object_new_object();
	char name[16];

	snprintf(name, sizeof(name), "wgbr-%.10s", a->name);
	json_object_object_add(bridge, "type", json_object_new_string("bridge"));
	json_object_object_add(bridge, "bridge", json_object_new_string(name));
	json_object_object_add(bridge, "isGateway", json_object_new_boolean(1));
	json_object_object_add(bridge, "hairpinMode", json_object_new_boolean(1));
	json_object_object_add(subnet, "subnet", json_object_new_string(a->subnet));
	json_object_array_add(range, subnet);
	json_object_array_add(ranges, range);
	json_object_object_add(ipam, "type", json_object_new_string("host-local"));
	json_object_object_add(ipam, "ranges", ranges);
	json_object_object_add(bridge, "ipam", ipam);
	json_object_array_add(plugins, bridge);

	json_object_object_add(portmap, "type", json_object_new_string("portmap"));
	json_object_object_add(caps, "portMappings", json_object_new_boolean(1));
	json_object_object_add(portmap, "capabilities", caps);
	json_object_array_add(plugins, portmap);
}

int import_write_conflist(const struct import_args *a, const struct netconf *conf,
			  const char *path)
{
	json_object *root = json_object_new_object(), *plugins = json_object_new_array();
	struct cidr check;
	const char *text;
	char *file = NULL;
	int r;

	if (a->chained && cidr_parse(a->subnet, &check) < 0) {
		json_object_put(root);
		json_object_put(plugins);
		return error_config("--subnet \"%s\": not an address/prefix", a->subnet);
	}
	json_object_object_add(root, "cniVersion", json_object_new_string("1.0.0"));
	json_object_object_add(root, "name", json_object_new_string(a->name));
	if (a->chained)
		add_lan_leg(a, plugins);
	json_object_array_add(plugins, wireguard_object(a, conf));
	json_object_object_add(root, "plugins", plugins);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (asprintf(&file, "%s\n", text) < 0)
		r = error_report(-ENOMEM, CNI_ERR_INTERNAL, "writing %s", path);
	else
		r = peers_write_file(path, file, strlen(file), 0644);
	free(file);
	json_object_put(root);
	return r;
}
