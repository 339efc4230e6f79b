/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The routing modes' fields: tunnelInterface, allowedSubnets, socketNamespace, inboundPorts, dnsRedirect. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "cni_json.h"
#include "config_modes.h"

#define MAX_ALLOWED_SUBNETS 64
#define MAX_INBOUND_PORTS 64

/* The kernel's dev_valid_name(), so a bad name fails here and not halfway through ADD. */
int cni_parse_tunnel_interface(json_object *v, const char *path, struct netconf *conf)
{
	const char *s = NULL;
	size_t len;

	if (!v)
		return 0;
	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	len = strlen(s);
	if (len == 0 || len >= 16 || !strcmp(s, ".") || !strcmp(s, "..") ||
	    strpbrk(s, "/: \t\n\v\f\r"))
		return error_config("%s: \"%s\" is not a valid interface name", path, s);
	return cni_json_strdup(v, path, &conf->tunnel_interface);
}

int cni_parse_allowed_subnets(json_object *v, const char *path, struct netconf *conf)
{
	if (!v)
		return 0;
	if (cni_json_networks(v, path, MAX_ALLOWED_SUBNETS, &conf->allowed_subnets,
			      &conf->n_allowed_subnets) < 0)
		return -EINVAL;
	/* A /0 here would be a default route around the tunnel. */
	for (size_t i = 0; i < conf->n_allowed_subnets; i++)
		if (conf->allowed_subnets[i].prefix == 0)
			return error_config("%s[%zu]: a default route is not a local network", path, i);
	return 0;
}

int cni_parse_socket_namespace(json_object *v, const char *path, struct netconf *conf)
{
	const char *s = NULL;

	conf->socket_namespace = SOCKET_NS_HOST;
	if (!v)
		return 0;
	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	if (strcmp(s, "container") == 0)
		conf->socket_namespace = SOCKET_NS_CONTAINER;
	else if (strcmp(s, "host") != 0)
		return error_config("%s: \"%s\" is not one of host, container", path, s);
	return 0;
}

/* {"port": 8080, "protocol": "tcp"} */
static int parse_inbound_port(json_object *v, const char *path, struct inbound_port *out)
{
	char field[CNI_PATH_MAX];
	json_object *port = NULL, *protocol = NULL;
	const char *s = NULL;
	int64_t n = 0;

	if (cni_json_object(v, path) < 0)
		return -EINVAL;
	json_object_object_foreach(v, key, value) {
		(void)value;
		if (strcmp(key, "port") != 0 && strcmp(key, "protocol") != 0)
			return error_config("%s: unknown field \"%s\"", path, key);
	}
	cni_path(field, sizeof(field), "%s.port", path);
	if (!json_object_object_get_ex(v, "port", &port) || !port)
		return error_config("%s: required", field);
	if (cni_json_int(port, field, 1, 65535, &n) < 0)
		return -EINVAL;
	out->port = (uint16_t)n;
	cni_path(field, sizeof(field), "%s.protocol", path);
	if (!json_object_object_get_ex(v, "protocol", &protocol) || !protocol)
		return error_config("%s: required", field);
	if (cni_json_string(protocol, field, &s) < 0)
		return -EINVAL;
	if (strcmp(s, "tcp") != 0 && strcmp(s, "udp") != 0)
		return error_config("%s: \"%s\" is not one of tcp, udp", field, s);
	out->protocol = s[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
	return 0;
}

int cni_parse_inbound_ports(json_object *v, const char *path, struct netconf *conf)
{
	char item[CNI_PATH_MAX];
	size_t n = 0;

	if (!v)
		return 0;
	if (cni_json_array(v, path, 0, MAX_INBOUND_PORTS, &n) < 0)
		return -EINVAL;
	conf->inbound_ports = calloc(n ? n : 1, sizeof(*conf->inbound_ports));
	if (!conf->inbound_ports)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	for (size_t i = 0; i < n; i++) {
		struct inbound_port *p = &conf->inbound_ports[i];

		cni_path(item, sizeof(item), "%s[%zu]", path, i);
		if (parse_inbound_port(json_object_array_get_idx(v, i), item, p) < 0)
			return -EINVAL;
		conf->n_inbound_ports++;
		for (size_t j = 0; j < i; j++)
			if (conf->inbound_ports[j].port == p->port &&
			    conf->inbound_ports[j].protocol == p->protocol)
				return error_config("%s: duplicate of %s[%zu]", item, path, j);
	}
	return 0;
}

int cni_parse_dns_redirect(json_object *v, const char *path, struct netconf *conf)
{
	conf->dns_redirect = false;
	return v ? cni_json_bool(v, path, &conf->dns_redirect) : 0;
}

/* Fields that depend on others; whether a prevResult is there is checked at ADD. */
int cni_modes_check(const struct netconf *conf)
{
	if (conf->fwmark == WGCNI_LAN_MARK)
		return error_config("fwmark: 0x%x is reserved for the replies of published ports",
				    WGCNI_LAN_MARK);
	if (conf->dns_redirect && (!conf->has_dns || conf->dns.n_nameservers == 0))
		return error_config("dnsRedirect: needs a resolver in dns.nameservers");
	return 0;
}
