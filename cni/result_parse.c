/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A runtime's prevResult, in the shape of any supported version, into a cni_result. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cni_json.h"

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
	if (!v)
		return error_config("%s: required", path);
	return cni_json_cidr(v, path, out);
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
