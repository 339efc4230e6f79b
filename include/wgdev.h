/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A WireGuard device in a container namespace, behind one interface with
 * two backends: the kernel module (generic netlink "wireguard") and
 * userspace wireguard-go (UAPI socket). Both leave the device in the
 * container, down, configured, with its UDP socket in the plugin's own
 * namespace; the caller adds addresses, brings it up and routes.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <net/if.h>
#include "config.h"
#include "nl.h"

struct wgdev_peer {
	const struct peer_conf *conf; /* public key, endpoint (resolved), allowed IPs, keepalive */
	bool has_psk;
	uint8_t psk[WG_KEY_LEN];
};

struct wgdev_config {
	uint8_t private_key[WG_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;
	struct wgdev_peer *peers;
	size_t n_peers;
};

struct wgdev_peer_status {
	uint8_t public_key[WG_KEY_LEN];
	bool has_psk;
	struct sockaddr_storage endpoint; /* ss_family 0: none */
	struct cidr *allowed_ips;
	size_t n_allowed_ips;
	uint16_t persistent_keepalive;
	int64_t last_handshake; /* seconds since the epoch, 0: never */
	uint64_t rx_bytes, tx_bytes;
};

struct wgdev_status {
	uint8_t public_key[WG_KEY_LEN]; /* never the private key */
	uint16_t listen_port;
	uint32_t fwmark;
	struct wgdev_peer_status *peers;
	size_t n_peers;
};
void wgdev_status_free(struct wgdev_status *st);

struct wgdev_ops;

/* One device. The caller owns the sockets and fds; the backend fills the rest. */
struct wgdev {
	const struct wgdev_ops *ops;
	char ifname[IFNAMSIZ];      /* name inside the container */
	int netns_fd;               /* container namespace, -1 when gone */
	struct nl_sock *host_rtnl;  /* bound to the plugin's namespace */
	struct nl_sock *ctr_rtnl;   /* bound to the container's, NULL when gone */
	struct nl_sock *ctr_genl;   /* idem, generic netlink (kernel backend) */
	/* socketNamespace "container": the UDP socket is opened in the container (the
	 * kernel backend creates the device through ctr_rtnl, wireguard-go runs there). */
	bool socket_in_container;
	/* Set by create where it knows them without asking: the device's index in
	 * the container (0: look it up) and whether IPv6 link-local is off already. */
	int ifindex;
	bool ipv6_ll_off;
	/* userspace backend: */
	const char *implementation; /* wireguard-go path */
	char host_ifname[IFNAMSIZ]; /* name wireguard-go created; names its UAPI socket */
	pid_t helper_pid;
	unsigned long long helper_start_time; /* /proc/PID/stat field 22, guards PID reuse */
};

struct wgdev_ops {
	const char *name; /* "kernel", "userspace" */
	enum backend_kind kind;
	/* Optional: begin create's slow part early (userspace: start wireguard-go, which
	 * then creates its TUN in this namespace while the caller works on). */
	int (*start)(struct wgdev *dev);
	/* Optional: undo start when create is not reached. */
	void (*cancel)(struct wgdev *dev);
	/* Create the device in dev->netns_fd named dev->ifname, configured, down. */
	int (*create)(struct wgdev *dev, const struct wgdev_config *cfg, uint32_t mtu);
	/* Replace key, port and the whole peer list of a live device. */
	int (*configure)(struct wgdev *dev, const struct wgdev_config *cfg);
	int (*get)(struct wgdev *dev, struct wgdev_status *out);
	/* Remove the device and anything on the host side. Idempotent: works
	 * with the namespace gone and from recorded state alone. */
	int (*destroy)(struct wgdev *dev);
};

extern const struct wgdev_ops wgdev_kernel_ops;
extern const struct wgdev_ops wgdev_userspace_ops;

/* Is the kernel module's generic netlink family present (via a host genl socket)? */
bool wgdev_kernel_available(void);
/*
 * Find wireguard-go: `configured` if not NULL (must be an absolute path to an
 * executable), else the usual system paths (/usr/bin, /usr/local/bin,
 * /usr/sbin, /usr/local/sbin); never the runtime's PATH. Returns a static
 * string or NULL with an error reported.
 */
const char *wgdev_userspace_find(const char *configured);

/* Pick the backend for `kind` (auto: kernel when the family exists). NULL with error reported. */
const struct wgdev_ops *wgdev_select(enum backend_kind kind, const char *implementation);
