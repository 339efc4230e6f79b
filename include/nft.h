/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kill switch: an nftables table of this plugin's own in the container
 * namespace, dual stack, default drop, sent as one batch with every ACK read.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "nl.h"

struct killswitch {
	const char *tunnel_ifname; /* the only non-loopback interface allowed */
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
