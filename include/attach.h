/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A container's WireGuard attachment: everything the plugin does to the
 * kernel, shared by every front door (CNI verbs, netavark plugin API).
 */
#pragma once

#include <stdbool.h>
#include "cni.h"
#include "config.h"
#include "nft.h"
#include "state.h"

struct attach_request {
	struct netconf *conf; /* endpoints are resolved in place at ADD */
	const char *container_id;
	const char *netns_path; /* may be "" on DEL */
	const char *ifname;
	/*
	 * netavark: the tunnel beside networks set up in any order, and the
	 * container's published ports, answered on their networks' legs.
	 */
	bool beside;
	const struct port_range *published;
	size_t n_published;
};

/*
 * Build the tunnel: kill switch first, then the device, addresses, link up,
 * routes; record it. On failure every change already made is undone in
 * reverse order and the first error stays reported. Appends this
 * attachment's interface, ips, routes and dns to `result`. A `result` that
 * arrives with interfaces or ips in it is the previous plugin's: the
 * attachment is then chained behind it (docs/modes.md), and that plugin's
 * default routes leave the result.
 */
int attach_add(const struct attach_request *req, struct cni_result *result);

/* Undo an attachment from its record (and the namespace, if it still exists). Idempotent. */
int attach_del(const struct attach_request *req);

/* 0 when everything ADD made is still as it made it; else reports what differs. */
int attach_check(const struct attach_request *req);

/*
 * The kill switch of a recorded attachment against the one its mode and conf
 * call for, through sockets already in the container's namespace (as CHECK).
 */
int attach_killswitch_check(struct nl_sock *ctr_rtnl, struct nl_sock *ctr_nft,
			    const struct netconf *conf, const struct attachment *rec);

/* The tunnel's name in the container: CNI_IFNAME, or tunnelInterface when chained. */
const char *attach_tunnel_ifname(const struct attachment *rec);

/* 0 when an ADD could work now (key readable, backend available). */
int attach_status(const struct netconf *conf);

/*
 * Remove every attachment of conf's network for which keep() is false, as
 * DEL would with conf (its allowedSubnets routes too). Keeps going past errors.
 */
int attach_gc(const struct netconf *conf, bool (*keep)(const struct attachment *a, void *data),
	      void *data);
