/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A cni_result as JSON in the shape of one cniVersion (0.3.0 .. 1.1.0). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cni_json.h"

/* Take ownership of `value`; NULL is a failed allocation. */
static int put(json_object *o, const char *key, json_object *value)
{
	if (value && json_object_object_add(o, key, value) == 0)
		return 0;
	json_object_put(value);
	return -ENOMEM;
}

static int append(json_object *array, json_object *value)
{
	if (value && json_object_array_add(array, value) == 0)
		return 0;
	json_object_put(value);
	return -ENOMEM;
}

static json_object *address_json(const struct cidr *c, bool with_prefix)
{
	char text[50] = "";

	if (with_prefix)
		cidr_format(c, text, sizeof(text));
	else
		inet_ntop(c->family, c->addr.raw, text, sizeof(text));
	return json_object_new_string(text);
}

static json_object *strings_json(char **strings, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		if (append(a, json_object_new_string(strings[i])) < 0) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

static json_object *dns_json(const struct dns_conf *dns)
{
	_cleanup_json_ json_object *o = json_object_new_object();

	if (!o || (dns->n_nameservers &&
		   put(o, "nameservers", strings_json(dns->nameservers, dns->n_nameservers)) < 0) ||
	    (dns->domain && put(o, "domain", json_object_new_string(dns->domain)) < 0) ||
	    (dns->n_search && put(o, "search", strings_json(dns->search, dns->n_search)) < 0) ||
	    (dns->n_options && put(o, "options", strings_json(dns->options, dns->n_options)) < 0))
		return NULL;
	return TAKE_PTR(o);
}

/* "mtu" in an interface is a 1.1.0 field. */
static json_object *interface_json(const struct cni_iface *i, bool v1_1)
{
	_cleanup_json_ json_object *o = json_object_new_object();

	if (!o || put(o, "name", json_object_new_string(i->name)) < 0 ||
	    (i->mac[0] && put(o, "mac", json_object_new_string(i->mac)) < 0) ||
	    (v1_1 && i->mtu && put(o, "mtu", json_object_new_int64(i->mtu)) < 0) ||
	    (i->sandbox && put(o, "sandbox", json_object_new_string(i->sandbox)) < 0))
		return NULL;
	return TAKE_PTR(o);
}

/* Before 1.0.0 an IP says its family in "version". */
static json_object *ip_json(const struct cni_ip *ip, bool legacy)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	const char *family = ip->address.family == AF_INET ? "4" : "6";

	if (!o || (legacy && put(o, "version", json_object_new_string(family)) < 0) ||
	    put(o, "address", address_json(&ip->address, true)) < 0 ||
	    (ip->has_gateway && put(o, "gateway", address_json(&ip->gateway, false)) < 0) ||
	    (ip->interface >= 0 && put(o, "interface", json_object_new_int(ip->interface)) < 0))
		return NULL;
	return TAKE_PTR(o);
}

static json_object *route_json(const struct cni_route *rt)
{
	_cleanup_json_ json_object *o = json_object_new_object();

	if (!o || put(o, "dst", address_json(&rt->dst, true)) < 0 ||
	    (rt->has_gw && put(o, "gw", address_json(&rt->gw, false)) < 0))
		return NULL;
	return TAKE_PTR(o);
}

static json_object *result_json(const struct cni_result *r, const char *version)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *interfaces = NULL, *ips = NULL, *routes = NULL;
	bool legacy = strncmp(version, "0.", 2) == 0, v1_1 = strcmp(version, "1.1.0") == 0;

	if (!o || put(o, "cniVersion", json_object_new_string(version)) < 0)
		return NULL;
	if (r->n_interfaces && put(o, "interfaces", interfaces = json_object_new_array()) < 0)
		return NULL;
	for (size_t i = 0; i < r->n_interfaces; i++)
		if (append(interfaces, interface_json(&r->interfaces[i], v1_1)) < 0)
			return NULL;
	if (r->n_ips && put(o, "ips", ips = json_object_new_array()) < 0)
		return NULL;
	for (size_t i = 0; i < r->n_ips; i++)
		if (append(ips, ip_json(&r->ips[i], legacy)) < 0)
			return NULL;
	if (r->n_routes && put(o, "routes", routes = json_object_new_array()) < 0)
		return NULL;
	for (size_t i = 0; i < r->n_routes; i++)
		if (append(routes, route_json(&r->routes[i])) < 0)
			return NULL;
	if (r->has_dns && put(o, "dns", dns_json(&r->dns)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int cni_result_print(FILE *out, const struct cni_result *r, const char *version)
{
	_cleanup_json_ json_object *o = NULL;

	if (!version)
		version = "1.1.0";
	if (!cni_version_supported(version)) {
		error_report(0, CNI_ERR_INCOMPATIBLE_VERSION, "unsupported cniVersion \"%s\"",
			     version);
		return -EINVAL;
	}
	o = result_json(r, version);
	if (!o)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "building the result");
	return cni_json_print(out, o);
}
