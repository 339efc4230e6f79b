/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Results in a version-neutral form: built by ADD, read back from a
 * runtime's prevResult in any version's shape (result_parse.c), printed in
 * the version the configuration asked for (result_print.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
