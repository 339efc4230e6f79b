/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to attach/: the routing modes (docs/modes.md). Standalone, the
 * tunnel is CNI_IFNAME and has the container to itself. Chained after a
 * plugin such as bridge, CNI_IFNAME is that plugin's interface, the "LAN
 * leg"; the tunnel gets its own name and the default routes, and the LAN
 * leg keeps its subnet, the replies of published ports and allowedSubnets.
 * socketNamespace "container" adds wg-quick's fwmark policy routing.
 */
#pragma once

#include <stdbool.h>
#include <net/if.h>
#include "attach.h"
#include "cni.h"
#include "config.h"
#include "nft.h"
#include "sockets.h"
#include "state.h"

#define LAN_MAX_ADDRESSES 16

struct lan_leg {
	char ifname[IFNAMSIZ];
	int ifindex;
	struct cidr addresses[LAN_MAX_ADDRESSES]; /* as the kernel has them */
	size_t n_addresses;
	bool has_gw4, has_gw6;
	struct cidr gw4, gw6;
};

struct modes {
	const char *tunnel; /* the WireGuard device's name */
	bool chained;
	bool socket_in_container;
	struct lan_leg lan; /* chained only */
	/*
	 * netavark: the tunnel beside other networks set up before or after it
	 * (beside.c); podman's published ports are answered on their legs.
	 */
	bool beside;
	const struct port_range *published;
	size_t n_published;
	/* beside, with the kill switch: the legs' egress chains (beside.c), present ones first. */
	char egress_legs[STATE_MAX_LEGS][IFNAMSIZ];
	size_t n_egress_legs, n_egress_present;
	bool has_dns_v4, has_dns_v6;
	struct cidr dns_v4, dns_v6;
};

/*
 * Fill m for an ADD: chained when `prev` (the previous plugin's result) has
 * anything in it. Reports configuration errors (code 7) naming the field.
 */
int modes_prepare(struct modes *m, const struct netconf *conf, const char *ifname,
		  const struct cni_result *prev);
/* The same from a record, for CHECK (no prevResult needed). */
void modes_from_record(struct modes *m, const struct netconf *conf,
		       const struct attachment *rec);
/* What the kill switch must be for m; ks points into m and conf. */
void modes_killswitch(const struct modes *m, const struct netconf *conf, struct killswitch *ks);

/* The LAN leg as the container's kernel has it: index and addresses. */
int lan_read(struct attach_ctx *ctx, struct lan_leg *lan);
/*
 * Policy routing of LAN replies and allowedSubnets routes; the LAN leg's
 * default routes in main are removed unless keep_defaults (socket inside).
 */
int lan_routing_add(struct attach_ctx *ctx, const struct netconf *conf, const struct lan_leg *lan,
		    bool keep_defaults);
/* Remove what lan_routing_add() added; best effort. conf NULL: allowedSubnets stay. */
int lan_routing_del(struct attach_ctx *ctx, const struct netconf *conf, const char *lan_ifname);
/* CHECK: the rule and table 5747 agree, no default route is back, allowedSubnets routed. */
int lan_routing_check(struct attach_ctx *ctx, const struct netconf *conf,
		      const struct lan_leg *lan, bool keep_defaults);
/* The previous plugin's default routes leave the result with the kernel's. */
void lan_result_drop_defaults(struct cni_result *result);

/* netavark's side by side: the policy rules (beside.c), both families; del is best effort. */
int beside_routing_add(struct attach_ctx *ctx, const struct netconf *conf);
int beside_routing_del(struct attach_ctx *ctx);
/*
 * The legs to give an egress chain: every interface there but lo and the
 * tunnel, then the names podman gives the others (eth0, eth1, ...) not there yet.
 */
int beside_egress_legs(struct attach_ctx *ctx, struct modes *m);
/*
 * The kill switch of a beside attachment. A kernel that binds no chain to a
 * device not there yet (before Linux 6.16) gets the present legs' chains only,
 * logged; anything else it refuses fails. m keeps the legs installed.
 */
int beside_killswitch_apply(struct attach_ctx *ctx, struct modes *m, const struct netconf *conf);

/* The table a tunnel route to dst goes in: wg-quick's for default routes with the socket inside. */
uint32_t fwmark_route_table(const struct modes *m, const struct cidr *dst);
/* The fwmark the device gets: the configured one, or wg-quick's default with the socket inside. */
uint32_t fwmark_device_mark(const struct modes *m, const struct netconf *conf);
int fwmark_rules_add(struct attach_ctx *ctx, const struct netconf *conf);
int fwmark_rules_del(struct attach_ctx *ctx);
/* CHECK: both rules, in both families, with the configured mark. */
int fwmark_rules_check(struct attach_ctx *ctx, const struct netconf *conf);
