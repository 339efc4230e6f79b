/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the peer subcommand: its arguments and its two halves. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "config.h"

struct peer_args {
	const char *verb, *network, *name, *png, *endpoint, *dir;
	bool no_qr;
};

/* Store a new peer, print its client configuration (and QR code), apply. */
int peer_add(const struct peer_args *a, struct netconf *conf);
/* Merge the stored peers into conf and reconfigure the live attachments. */
int peer_apply(struct netconf *conf, const struct cidr *stale, size_t n_stale);
