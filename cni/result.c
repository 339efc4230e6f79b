/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Results in a version-neutral form: built by ADD, read back from a
 * runtime's prevResult in any version's shape, printed in the version the
 * configuration asked for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cni_json.h"

struct cni_result *cni_result_new(void)
{
	return calloc(1, sizeof(struct cni_result));
}

void cni_strings_free(char **strings, size_t n)
{
	if (!strings)
		return;
	for (size_t i = 0; i < n; i++)
		free(strings[i]);
	free(strings);
}

void cni_dns_free(struct dns_conf *dns)
{
	cni_strings_free(dns->nameservers, dns->n_nameservers);
	free(dns->domain);
	cni_strings_free(dns->search, dns->n_search);
	cni_strings_free(dns->options, dns->n_options);
	memset(dns, 0, sizeof(*dns));
}

void cni_result_free(struct cni_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_interfaces; i++)
		free(r->interfaces[i].sandbox);
	free(r->interfaces);
	free(r->ips);
	free(r->routes);
	cni_dns_free(&r->dns);
	free(r);
}

/* Grow an array by one element; the caller fills it and counts it. */
static void *grow(void *array, size_t n, size_t size)
{
	return reallocarray(array, n + 1, size);
}

int cni_result_add_interface(struct cni_result *r, const struct cni_iface *i)
{
	struct cni_iface *bigger = grow(r->interfaces, r->n_interfaces, sizeof(*i));
	char *sandbox = NULL;

	if (!bigger)
		return -ENOMEM;
	r->interfaces = bigger;
	if (i->sandbox && !(sandbox = strdup(i->sandbox)))
		return -ENOMEM;
	bigger[r->n_interfaces] = *i;
	bigger[r->n_interfaces].sandbox = sandbox;
	return (int)r->n_interfaces++;
}

int cni_result_add_ip(struct cni_result *r, const struct cni_ip *ip)
{
	struct cni_ip *bigger = grow(r->ips, r->n_ips, sizeof(*ip));

	if (!bigger)
		return -ENOMEM;
	r->ips = bigger;
	bigger[r->n_ips] = *ip;
	return (int)r->n_ips++;
}

int cni_result_add_route(struct cni_result *r, const struct cni_route *rt)
{
	struct cni_route *bigger = grow(r->routes, r->n_routes, sizeof(*rt));

	if (!bigger)
		return -ENOMEM;
	r->routes = bigger;
	bigger[r->n_routes] = *rt;
	return (int)r->n_routes++;
}

static int strings_copy(char **from, size_t n, char ***to)
{
	*to = calloc(n ? n : 1, sizeof(char *));
	if (!*to)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!((*to)[i] = strdup(from[i])))
			return -ENOMEM;
	return 0;
}

int cni_result_set_dns(struct cni_result *r, const struct dns_conf *dns)
{
	struct dns_conf copy = { 0 };

	/* Counts are set first so that cni_dns_free releases a partial copy. */
	copy.n_nameservers = dns->n_nameservers;
	copy.n_search = dns->n_search;
	copy.n_options = dns->n_options;
	if (strings_copy(dns->nameservers, dns->n_nameservers, &copy.nameservers) < 0 ||
	    strings_copy(dns->search, dns->n_search, &copy.search) < 0 ||
	    strings_copy(dns->options, dns->n_options, &copy.options) < 0 ||
	    (dns->domain && !(copy.domain = strdup(dns->domain)))) {
		cni_dns_free(&copy);
		return -ENOMEM;
	}
	cni_dns_free(&r->dns);
	r->dns = copy;
	r->has_dns = true;
	return 0;
}

int cni_json_strings(json_object *v, const char *path, char ***out, size_t *n,
		     int (*check)(const char *s, const char *item_path))
{
	char item[CNI_PATH_MAX];
	size_t count = 0;

	if (cni_json_array(v, path, 0, SIZE_MAX, &count) < 0)
		return -EINVAL;
	*out = calloc(count ? count : 1, sizeof(char *));
	if (!*out)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	for (size_t i = 0; i < count; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *s = NULL;

		cni_path(item, sizeof(item), "%s[%zu]", path, i);
		if (cni_json_string(e, item, &s) < 0 || (check && check(s, item) < 0))
			return -EINVAL;
		if (!((*out)[i] = strdup(s)))
			return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", item);
		(*n)++;
	}
	return 0;
}

static int check_ip(const char *s, const char *path)
{
	struct in6_addr a;

	if (inet_pton(AF_INET, s, &a) != 1 && inet_pton(AF_INET6, s, &a) != 1)
		return error_config("%s: not an IP address: \"%s\"", path, s);
	return 0;
}

int cni_dns_parse(json_object *v, const char *path, struct dns_conf *dns)
{
	char field[CNI_PATH_MAX];
	int r = 0;

	if (cni_json_object(v, path) < 0)
		return -EINVAL;
	json_object_object_foreach(v, key, value) {
		cni_path(field, sizeof(field), "%s.%s", path, key);
		if (!value)
			continue;
		if (strcmp(key, "nameservers") == 0)
			r = cni_json_strings(value, field, &dns->nameservers, &dns->n_nameservers,
					     check_ip);
		else if (strcmp(key, "domain") == 0)
			r = cni_json_strdup(value, field, &dns->domain);
		else if (strcmp(key, "search") == 0)
			r = cni_json_strings(value, field, &dns->search, &dns->n_search, NULL);
		else if (strcmp(key, "options") == 0)
			r = cni_json_strings(value, field, &dns->options, &dns->n_options, NULL);
		else
			r = error_config("%s: unknown field \"%s\"", path, key);
		if (r < 0)
			return r;
	}
	return 0;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* Fixed-size text fields of struct cni_iface; longer values cannot be a real interface. */
static int copy_bounded(json_object *v, const char *path, char *out, size_t size)
{
	const char *s = NULL;

	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	if (strlen(s) >= size)
		return error_config("%s: \"%.64s\" is longer than %zu characters", path, s,
				    size - 1);
	strcpy(out, s);
	return 0;
}

static int parse_interface(json_object *v, const char *path, struct cni_result *r)
{
	char field[CNI_PATH_MAX];
	struct cni_iface iface = { 0 };
	_cleanup_free_ char *sandbox = NULL;
	int64_t mtu = 0;

	if (cni_json_object(v, path) < 0)
		return -EINVAL;
	cni_path(field, sizeof(field), "%s.name", path);
	if (!member(v, "name"))
		return error_config("%s: required", field);
	if (copy_bounded(member(v, "name"), field, iface.name, sizeof(iface.name)) < 0)
		return -EINVAL;
	cni_path(field, sizeof(field), "%s.mac", path);
	if (member(v, "mac") &&
	    copy_bounded(member(v, "mac"), field, iface.mac, sizeof(iface.mac)) < 0)
		return -EINVAL;
	cni_path(field, sizeof(field), "%s.mtu", path);
	if (member(v, "mtu") && cni_json_int(member(v, "mtu"), field, 0, UINT32_MAX, &mtu) < 0)
		return -EINVAL;
	iface.mtu = (unsigned)mtu;
	cni_path(field, sizeof(field), "%s.sandbox", path);
	if (member(v, "sandbox") && cni_json_strdup(member(v, "sandbox"), field, &sandbox) < 0)
		return -EINVAL;
	/* An empty sandbox is how Go's omitempty-less writers say "host". */
	iface.sandbox = sandbox && *sandbox ? sandbox : NULL;
	if (cni_result_add_interface(r, &iface) < 0)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	return 0;
}

static int parse_prefix(json_object *v, const char *path, struct cidr *out)
{
	const char *s = NULL;

	if (!v)
		return error_config("%s: required", path);
	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	if (cidr_parse(s, out) < 0)
		return error_config("%s: not an IP prefix: \"%s\"", path, s);
	return 0;
}

/* Gateways are bare addresses; they are held as host prefixes. */
static int parse_gateway(json_object *v, const char *path, struct cidr *out)
{
	const char *s = NULL;

	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->addr.v4) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, s, &out->addr.v6) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
	} else {
		return error_config("%s: not an IP address: \"%s\"", path, s);
	}
	return 0;
}

static int parse_ip(json_object *v, const char *path, struct cni_result *r)
{
	char field[CNI_PATH_MAX];
	struct cni_ip ip = { .interface = -1 };
	int64_t index = 0;

	if (cni_json_object(v, path) < 0)
		return -EINVAL;
	cni_path(field, sizeof(field), "%s.address", path);
	if (parse_prefix(member(v, "address"), field, &ip.address) < 0)
		return -EINVAL;
	cni_path(field, sizeof(field), "%s.gateway", path);
	if (member(v, "gateway") && parse_gateway(member(v, "gateway"), field, &ip.gateway) < 0)
		return -EINVAL;
	ip.has_gateway = member(v, "gateway") != NULL;
	cni_path(field, sizeof(field), "%s.interface", path);
	if (member(v, "interface")) {
		if (r->n_interfaces == 0)
			return error_config("%s: there are no interfaces to refer to", field);
		if (cni_json_int(member(v, "interface"), field, 0, (int64_t)r->n_interfaces - 1,
				 &index) < 0)
			return -EINVAL;
		ip.interface = (int)index;
	}
	/* "version" (before 1.0.0) follows from the address; it is not kept. */
	if (cni_result_add_ip(r, &ip) < 0)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	return 0;
}

static int parse_route(json_object *v, const char *path, struct cni_result *r)
{
	char field[CNI_PATH_MAX];
	struct cni_route rt = { 0 };

	if (cni_json_object(v, path) < 0)
		return -EINVAL;
	cni_path(field, sizeof(field), "%s.dst", path);
	if (parse_prefix(member(v, "dst"), field, &rt.dst) < 0)
		return -EINVAL;
	cni_path(field, sizeof(field), "%s.gw", path);
	if (member(v, "gw") && parse_gateway(member(v, "gw"), field, &rt.gw) < 0)
		return -EINVAL;
	rt.has_gw = member(v, "gw") != NULL;
	if (cni_result_add_route(r, &rt) < 0)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	return 0;
}

static int parse_list(json_object *v, const char *path, struct cni_result *r,
		      int (*parse)(json_object *v, const char *path, struct cni_result *r))
{
	char item[CNI_PATH_MAX];
	size_t n = 0;

	if (!v)
		return 0;
	if (cni_json_array(v, path, 0, SIZE_MAX, &n) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		cni_path(item, sizeof(item), "%s[%zu]", path, i);
		if (parse(json_object_array_get_idx(v, i), item, r) < 0)
			return -EINVAL;
	}
	return 0;
}

int cni_result_parse(json_object *v, const char *path, struct cni_result **out)
{
	struct cni_result *r = NULL;
	char field[CNI_PATH_MAX];
	json_object *dns = NULL;

	*out = NULL;
	if (cni_json_object(v, path) < 0)
		return -EINVAL;
	r = cni_result_new();
	if (!r)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	/* Interfaces first: ips refer to them by index. */
	cni_path(field, sizeof(field), "%s.interfaces", path);
	if (parse_list(member(v, "interfaces"), field, r, parse_interface) < 0)
		goto fail;
	cni_path(field, sizeof(field), "%s.ips", path);
	if (parse_list(member(v, "ips"), field, r, parse_ip) < 0)
		goto fail;
	cni_path(field, sizeof(field), "%s.routes", path);
	if (parse_list(member(v, "routes"), field, r, parse_route) < 0)
		goto fail;
	cni_path(field, sizeof(field), "%s.dns", path);
	dns = member(v, "dns");
	if (dns && cni_dns_parse(dns, field, &r->dns) < 0)
		goto fail;
	r->has_dns = dns != NULL;
	*out = r;
	return 0;
fail:
	cni_result_free(r);
	return -EINVAL;
}

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
