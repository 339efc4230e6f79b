/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel backend's generic netlink messages ("wireguard" family),
 * exposed for unit tests: build them into a buffer, parse replies.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "wgdev.h"

/*
 * Where the next WG_CMD_SET_DEVICE message continues. A configuration that
 * does not fit one message goes out in several, as wireguard-tools does: the
 * first carries the key, port, fwmark and REPLACE_PEERS; a peer cut short
 * continues in the next message under its public key alone, without
 * REPLACE_ALLOWEDIPS, so its earlier allowed IPs stay.
 */
struct wgkernel_cursor {
	bool device_sent;
	size_t peer;    /* next peer to write */
	size_t allowed; /* next allowed IP of that peer */
	bool head_sent; /* its PSK, endpoint, keepalive and flags are out */
};

/*
 * Build the next message of cfg, at most `size` bytes, into buf; start with
 * a zeroed cursor. Returns NULL when not even one attribute fits.
 */
struct nlmsghdr *wgkernel_build_set(void *buf, size_t size, uint32_t seq, uint16_t family,
				    const char *ifname, const struct wgdev_config *cfg,
				    struct wgkernel_cursor *cur);
/* Has every part of cfg been built? */
bool wgkernel_set_done(const struct wgkernel_cursor *cur, const struct wgdev_config *cfg);

/* WG_CMD_GET_DEVICE, a dump by name. */
struct nlmsghdr *wgkernel_build_get(void *buf, uint32_t seq, uint16_t family, const char *ifname);

/*
 * mnl callback for each message of the GET reply; data is a zeroed struct
 * wgdev_status that accumulates (peers continued across messages are
 * merged). The private key in the reply is never copied.
 */
int wgkernel_parse_device(const struct nlmsghdr *nlh, void *data);
