/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Apply a network's changed peer list to its live attachments, without restarting containers. */
#pragma once

#include <stddef.h>
#include "config.h"
#include "state.h"

/*
 * For every live attachment of conf->name: replace the device's peer list
 * with conf's (configured and stored peers, as merged by peers_merge()),
 * add routes for allowed IPs it lacks and delete the routes to `stale`
 * (allowed IPs of removed peers) that no peer still wants. Endpoints are
 * resolved in place. Keeps going past a failed attachment; returns the
 * number updated, or the first -errno (reported, naming the container).
 */
int attach_reconfigure(struct netconf *conf, const struct cidr *stale, size_t n_stale);

/*
 * ADD's last step, for its new attachment `rec`: when conf's stored peers
 * changed since peers_merge() read them, merge them again and apply them to
 * the device as attach_reconfigure() would. 0, or -errno (reported).
 */
int attach_reconfigure_added(struct netconf *conf, const struct attachment *rec);
