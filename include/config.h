/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network configuration, as plain C. cni/config.c fills it from JSON;
 * nothing else here knows JSON. Key material is held only when a wg-quick
 * file carries it inline (32 bytes, wiped by netconf_free()); otherwise only
 * the paths of key files, which attach/ reads at the moment it needs them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define WG_KEY_LEN 32
#define WG_KEY_B64_LEN 44

enum backend_kind { BACKEND_AUTO, BACKEND_KERNEL, BACKEND_USERSPACE };

/* Where the WireGuard UDP socket lives: the plugin's namespace, or the container's. */
enum socket_namespace { SOCKET_NS_HOST, SOCKET_NS_CONTAINER };

struct inbound_port {
	uint16_t port;
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
};

/*
 * Marks and tables of the routing modes. They are fixed: each container has
 * a namespace of its own, so nothing else shares its rules, and a fixed
 * value is one a reader can find with `ip rule` without the state files.
 */
#define WGCNI_LAN_MARK 0x57474e49u  /* "WGNI": connections that came in on the LAN leg */
#define WGCNI_LAN_TABLE 5747u       /* their replies' route: the LAN gateway */
#define WGCNI_LAN_RULE_PRIORITY 5747u
/*
 * One bit, set on every packet the kill switch lets out of a non-tunnel
 * interface; a LAN leg's egress chain drops frames without it (AF_PACKET).
 * Clear in WGCNI_LAN_MARK and in wg-quick's 51820.
 */
#define WGCNI_EGRESS_MARK 0x20000000u
#define WGCNI_FWMARK_DEFAULT 51820u /* socketNamespace "container", as wg-quick */
#define WGCNI_FWMARK_TABLE 51820u
#define WGCNI_FWMARK_RULE_PRIORITY 5748u /* and 5749 for "not fwmark" */
#define WGCNI_TUNNEL_DEFAULT "wg0"
/* netavark: 5750 fwmark LAN_MARK lookup main, 5751 main suppress 0, 5752 lookup 5752 */
#define WGCNI_BESIDE_RULE_PRIORITY 5750u
#define WGCNI_BESIDE_TABLE 5752u /* the tunnel's default routes */

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t raw[16];
	} addr;
	uint8_t prefix;
};

struct peer_conf {
	uint8_t public_key[WG_KEY_LEN];
	char *preshared_key_file; /* NULL: none */
	char *endpoint_host;      /* NULL: no endpoint; IP literal or host name, no brackets */
	uint16_t endpoint_port;
	struct sockaddr_storage endpoint; /* filled by endpoint_resolve() at ADD */
	socklen_t endpoint_len;           /* 0 until resolved */
	struct cidr *allowed_ips;
	size_t n_allowed_ips;
	uint16_t persistent_keepalive; /* seconds, 0 = off */
	/* Inline in a wg-quick file (wgQuickConfig); wiped by netconf_free(). */
	bool has_preshared_key;
	uint8_t preshared_key[WG_KEY_LEN];
};

struct dns_conf {
	char **nameservers;
	size_t n_nameservers;
	char *domain;
	char **search;
	size_t n_search;
	char **options;
	size_t n_options;
};

struct netconf {
	char *cni_version;
	char *name;
	enum backend_kind backend;
	char *private_key_file;
	struct cidr *addresses;
	size_t n_addresses;
	uint16_t listen_port; /* 0: kernel/wireguard-go picks */
	uint32_t mtu;         /* default 1420 */
	uint32_t fwmark;      /* 0: none */
	bool has_dns;
	struct dns_conf dns;
	struct peer_conf *peers;
	size_t n_peers;
	char *userspace_implementation; /* NULL: search the system paths */
	bool kill_switch;               /* default true */
	/* wg-quick file (NULL: none); its fields fill in what the JSON leaves out. */
	char *wg_quick_config;
	/* Inline in that file; wiped by netconf_free(). privateKeyFile overrides it. */
	bool has_private_key;
	uint8_t private_key[WG_KEY_LEN];
	/* Server-style networks: addresses handed to peers stored by `wgcni peer add`. */
	bool has_peer_pool;
	struct cidr peer_pool;
	/* Set by peers_merge(): the store's stamp it read and where the stored peers start. */
	struct {
		bool done;
		size_t first;
		char stamp[33];
	} merged;
	/* Routing modes (docs/modes.md). */
	char *tunnel_interface;         /* chained: the tunnel's name; NULL: "wg0" */
	struct cidr *allowed_subnets;   /* chained: networks reached by the LAN leg */
	size_t n_allowed_subnets;
	enum socket_namespace socket_namespace;
	struct inbound_port *inbound_ports; /* accepted new inbound from the tunnel */
	size_t n_inbound_ports;
	bool dns_redirect; /* port 53 DNAT to the first dns.nameservers entry */
};

void netconf_free(struct netconf *conf);

/* "10.0.0.1/24" or "fc00::1/64" <-> struct cidr. Parse returns 0 or -EINVAL. */
int cidr_parse(const char *text, struct cidr *out);
/* Writes at most 50 bytes including the terminator. */
void cidr_format(const struct cidr *c, char *buf, size_t len);
/* Same address family, address and prefix. */
bool cidr_equal(const struct cidr *a, const struct cidr *b);
/* Zero the host bits: 10.0.0.1/24 -> 10.0.0.0/24. */
void cidr_mask(struct cidr *c);

/*
 * Resolve every peer's endpoint in the calling (host) namespace. IP literals
 * are taken as they are; names go through getaddrinfo. Reports the peer
 * index and host on failure (code 7) and returns -EINVAL or -EAGAIN.
 */
int endpoint_resolve(struct netconf *conf);
