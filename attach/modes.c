/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which routing mode an attachment is in, and the kill switch that mode needs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "modes.h"

const char *attach_tunnel_ifname(const struct attachment *rec)
{
	return rec->tunnel_ifname[0] ? rec->tunnel_ifname : rec->ifname;
}

/* dnsRedirect: the first nameserver, and for the other family its first one, if any. */
static void dns_targets(struct modes *m, const struct netconf *conf)
{
	if (!conf->dns_redirect)
		return;
	for (size_t i = 0; i < conf->dns.n_nameservers; i++) {
		struct cidr c = { .family = AF_INET, .prefix = 32 };

		if (inet_pton(AF_INET, conf->dns.nameservers[i], c.addr.raw) != 1) {
			c = (struct cidr){ .family = AF_INET6, .prefix = 128 };
			if (inet_pton(AF_INET6, conf->dns.nameservers[i], c.addr.raw) != 1)
				continue;
		}
		if (c.family == AF_INET && !m->has_dns_v4) {
			m->dns_v4 = c;
			m->has_dns_v4 = true;
		} else if (c.family == AF_INET6 && !m->has_dns_v6) {
			m->dns_v6 = c;
			m->has_dns_v6 = true;
		}
	}
}

/* The first gateway seen of each family wins. */
static void lan_take_gateway(struct lan_leg *lan, const struct cidr *gw)
{
	if (gw->family == AF_INET && !lan->has_gw4) {
		lan->gw4 = *gw;
		lan->has_gw4 = true;
	} else if (gw->family == AF_INET6 && !lan->has_gw6) {
		lan->gw6 = *gw;
		lan->has_gw6 = true;
	}
}

/* The previous plugin's interface in the container, and its gateways. */
static int lan_from_result(struct lan_leg *lan, const struct cni_result *prev, const char *ifname)
{
	size_t idx = 0;

	while (idx < prev->n_interfaces && (strcmp(prev->interfaces[idx].name, ifname) != 0 ||
					    !prev->interfaces[idx].sandbox ||
					    !prev->interfaces[idx].sandbox[0]))
		idx++;
	if (idx == prev->n_interfaces)
		return error_config("prevResult: no interface %s (CNI_IFNAME) inside the container "
				    "to chain after", ifname);
	snprintf(lan->ifname, sizeof(lan->ifname), "%s", ifname);
	/* A default route's gateway first: it is the one the previous plugin routed by. */
	for (size_t i = 0; i < prev->n_routes; i++) {
		const struct cni_route *rt = &prev->routes[i];

		if (rt->dst.prefix != 0 || !rt->has_gw)
			continue;
		lan_take_gateway(lan, &rt->gw);
	}
	for (size_t i = 0; i < prev->n_ips; i++) {
		const struct cni_ip *ip = &prev->ips[i];

		if (!ip->has_gateway || (ip->interface >= 0 && (size_t)ip->interface != idx))
			continue;
		lan_take_gateway(lan, &ip->gateway);
	}
	return 0;
}

static int check_allowed_subnets(const struct netconf *conf, const struct lan_leg *lan)
{
	for (size_t i = 0; i < conf->n_allowed_subnets; i++) {
		bool v4 = conf->allowed_subnets[i].family == AF_INET;

		if (v4 ? !lan->has_gw4 : !lan->has_gw6)
			return error_config("allowedSubnets[%zu]: the previous plugin's interface %s "
					    "has no IPv%d gateway to reach it by", i, lan->ifname,
					    v4 ? 4 : 6);
	}
	return 0;
}

int modes_prepare(struct modes *m, const struct netconf *conf, const char *ifname,
		  const struct cni_result *prev)
{
	memset(m, 0, sizeof(*m));
	m->chained = prev && (prev->n_interfaces > 0 || prev->n_ips > 0);
	m->socket_in_container = conf->socket_namespace == SOCKET_NS_CONTAINER;
	dns_targets(m, conf);
	if (!m->chained) {
		m->tunnel = ifname;
		if (m->socket_in_container)
			return error_config("socketNamespace: \"container\" needs a previous plugin "
					    "(bridge, ptp) whose interface reaches the endpoints, "
					    "but there is no prevResult");
		if (conf->n_allowed_subnets)
			return error_config("allowedSubnets: needs a previous plugin (bridge, ptp) "
					    "whose interface reaches them, but there is no "
					    "prevResult");
		return 0;
	}
	m->tunnel = conf->tunnel_interface ? conf->tunnel_interface : WGCNI_TUNNEL_DEFAULT;
	if (strcmp(m->tunnel, ifname) == 0)
		return error_config("tunnelInterface: \"%s\" is CNI_IFNAME, the previous "
				    "plugin's interface; choose another name", m->tunnel);
	if (lan_from_result(&m->lan, prev, ifname) < 0)
		return -EINVAL;
	return check_allowed_subnets(conf, &m->lan);
}

void modes_from_record(struct modes *m, const struct netconf *conf,
		       const struct attachment *rec)
{
	memset(m, 0, sizeof(*m));
	m->tunnel = attach_tunnel_ifname(rec);
	m->chained = rec->chained;
	m->socket_in_container = rec->socket_in_container;
	m->beside = rec->beside;
	m->published = rec->published;
	m->n_published = rec->n_published;
	m->n_egress_legs = m->n_egress_present = rec->n_egress_legs;
	memcpy(m->egress_legs, rec->egress_legs, sizeof(m->egress_legs));
	if (m->chained)
		snprintf(m->lan.ifname, sizeof(m->lan.ifname), "%s", rec->ifname);
	dns_targets(m, conf);
}

void modes_killswitch(const struct modes *m, const struct netconf *conf, struct killswitch *ks)
{
	*ks = (struct killswitch){
		.tunnel_ifname = m->tunnel,
		.inbound_ports = conf->inbound_ports,
		.n_inbound_ports = conf->n_inbound_ports,
		.dns_v4 = m->has_dns_v4 ? &m->dns_v4 : NULL,
		.dns_v6 = m->has_dns_v6 ? &m->dns_v6 : NULL,
	};
	if (m->socket_in_container)
		ks->socket_mark = fwmark_device_mark(m, conf);
	/* Without published ports nothing may come in on another leg: the standalone table. */
	if (m->beside && m->n_published) {
		ks->lan_any = true;
		ks->published = m->published;
		ks->n_published = m->n_published;
		ks->lan_mark = WGCNI_LAN_MARK;
	}
	if (m->beside) {
		ks->egress_legs = m->egress_legs;
		ks->n_egress_legs = m->n_egress_legs;
	}
	if (!m->chained)
		return;
	ks->lan_ifname = m->lan.ifname;
	ks->lan_addresses = m->lan.addresses;
	ks->n_lan_addresses = m->lan.n_addresses;
	ks->allowed_subnets = conf->allowed_subnets;
	ks->n_allowed_subnets = conf->n_allowed_subnets;
	ks->lan_mark = WGCNI_LAN_MARK;
}
