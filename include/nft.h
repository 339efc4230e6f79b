/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kill switch: an nftables table of this plugin's own in the container
 * namespace, dual stack, default drop, sent as one batch with every ACK read.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include "config.h"
#include "nl.h"

/* A published port range of the container (podman -p), protocol IPPROTO_TCP/UDP/SCTP. */
struct port_range {
	uint16_t first, last;
	uint8_t protocol;
};

struct killswitch {
	const char *tunnel_ifname; /* the only non-loopback interface allowed by default */
	/*
	 * Chained mode: the previous plugin's interface. Connections that come
	 * in on it to one of lan_addresses are accepted and their conntrack
	 * entry gets lan_mark, which a route chain copies into the packet mark
	 * of the replies (policy routing sends them back by the LAN); out of it
	 * go only those replies and packets to allowed_subnets. NULL: none.
	 */
	const char *lan_ifname;
	const struct cidr *lan_addresses;
	size_t n_lan_addresses;
	const struct cidr *allowed_subnets;
	size_t n_allowed_subnets;
	uint32_t lan_mark;
	/*
	 * netavark (podman 5): other networks' interfaces appear before or after
	 * the tunnel, so every interface but lo and the tunnel is a LAN leg. New
	 * connections to a published port, addressed to the leg they arrive on,
	 * are accepted with lan_mark; out of the legs go only their replies (and
	 * IPv6 neighbour discovery). false: no LAN leg but lan_ifname's.
	 */
	bool lan_any;
	/*
	 * netavark: the legs given an egress chain as lan_ifname's is (AF_PACKET).
	 * A name with no device yet is bound when one appears (Linux 6.16 and later).
	 */
	const char (*egress_legs)[IFNAMSIZ];
	size_t n_egress_legs;
	const struct port_range *published;
	size_t n_published;
	/* socketNamespace "container": UDP carrying this mark (the device's fwmark) may leave. 0: none. */
	uint32_t socket_mark;
	const struct inbound_port *inbound_ports;
	size_t n_inbound_ports;
	/* dnsRedirect: port 53 of each family is DNAT-ed here; NULL: not for that family. */
	const struct cidr *dns_v4, *dns_v6;
};

/* "wgcni-<ifname>": one table per tunnel interface. */
void nft_table_name(const char *tunnel_ifname, char *buf, size_t len);

/* Create (or replace) the table in the namespace of `nft`, in one transaction. */
int nft_killswitch_apply(struct nl_sock *nft, const struct killswitch *ks);
/* Remove it; 0 when it was already gone. */
int nft_killswitch_remove(struct nl_sock *nft, const char *tunnel_ifname);
/* 0 when the table and its chains and rules are as apply() made them, else reports what differs. */
int nft_killswitch_check(struct nl_sock *nft, const struct killswitch *ks);

/* Builder exposed for unit tests: the whole batch, returns its length or -errno. */
int nft_killswitch_build(void *buf, size_t size, uint32_t seq, const struct killswitch *ks);
