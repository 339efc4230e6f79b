/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network devices over rtnetlink: create, move, configure, delete, inspect. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include "nl.h"

struct link_info {
	int index;
	uint32_t mtu;
	unsigned flags; /* IFF_* */
	char kind[32];  /* IFLA_INFO_KIND, "" if none (TUN reports "tun") */
};

/*
 * Create a WireGuard device named `ifname`, down, directly inside the
 * namespace `netns_fd` (IFLA_NET_NS_FD), sent through `host`: the device's
 * UDP socket is opened in the namespace of the creating socket, so it stays
 * in the host while the device lives in the container.
 */
int link_create_wireguard(struct nl_sock *host, int netns_fd, const char *ifname, uint32_t mtu);

/* Move `name` (in host's namespace) into `netns_fd`, renamed to `new_name`, in one request. */
int link_move(struct nl_sock *host, const char *name, int netns_fd, const char *new_name);
/* The same, with the MTU set in that request too (the kernel applies it after the move). */
int link_move_mtu(struct nl_sock *host, const char *name, int netns_fd, const char *new_name,
		  uint32_t mtu);
/*
 * Move device `index` (in host's namespace) into `netns_fd` as `new_name`
 * with `mtu` (0: unchanged), in one request, with the extras asked for in
 * `want`: LINK_MOVE_KEEP_INDEX (the same index in the target, so nothing
 * needs looking up after) and LINK_MOVE_NO_IPV6_LL (link_set_no_ipv6_ll,
 * in the target). An extra the kernel refuses is dropped and the move
 * retried; `done` tells which were applied. Reports nothing.
 */
#define LINK_MOVE_KEEP_INDEX 1u
#define LINK_MOVE_NO_IPV6_LL 2u
int link_move_index(struct nl_sock *host, int index, int netns_fd, const char *new_name,
		    uint32_t mtu, unsigned want, unsigned *done);
/* Down, then renamed: frees `ifname` at once where deleting would wait for a grace period. */
int link_retire(struct nl_sock *s, const char *ifname, const char *new_name);

/* Fill info for `ifname`; -ENODEV when there is none. */
int link_get(struct nl_sock *s, const char *ifname, struct link_info *out);

/* The name of ifindex as seen through s; -ENODEV when there is none. Reports nothing. */
int link_get_name(struct nl_sock *s, int ifindex, char name[IFNAMSIZ]);
/* For error messages: the name of ifindex, or "interface #7" when it cannot be read. */
void link_describe(struct nl_sock *s, int ifindex, char *out, size_t len);

/*
 * Every device of the namespace s speaks to (one RTM_GETLINK dump), each
 * given to `each` with its index and name. A negative return of `each`
 * stops the calls and is returned as is. A dump the kernel fails part way
 * returns its error after `each` saw the devices before. Reports nothing:
 * `each` reports its own failures, the caller knows which namespace it was.
 */
int link_list(struct nl_sock *s, int (*each)(int ifindex, const char *name, void *data),
	      void *data);

int link_set_mtu(struct nl_sock *s, int ifindex, uint32_t mtu);
int link_set_up(struct nl_sock *s, int ifindex);
/* Before up: no IPv6 link-local address (IN6_ADDR_GEN_MODE_NONE). */
int link_set_no_ipv6_ll(struct nl_sock *s, int ifindex);
int link_set_down(struct nl_sock *s, int ifindex);

/* Delete by name; -ENODEV when it is already gone. */
int link_delete(struct nl_sock *s, const char *ifname);
/*
 * The same, returning as soon as the device is unlisted: its name is free
 * and it is gone from the namespace, while a child process waits out the
 * rest of the kernel's teardown (RCU barrier, the driver's destructor).
 */
int link_delete_unlisted(struct nl_sock *s, const char *ifname);

/* Message builders, exposed for unit tests: return the built header. */
struct nlmsghdr *link_build_create_wireguard(void *buf, uint32_t seq, int netns_fd,
					     const char *ifname, uint32_t mtu);
struct nlmsghdr *link_build_move(void *buf, uint32_t seq, int ifindex, int netns_fd,
				 const char *new_name);
struct nlmsghdr *link_build_delete(void *buf, uint32_t seq, const char *ifname);

/* link_get's callback for one reply message, exposed for fuzzing: an MNL_CB_* value. */
int link_parse_reply(const struct nlmsghdr *nlh, struct link_info *info, char name[IFNAMSIZ]);
