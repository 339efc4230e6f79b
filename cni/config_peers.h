/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to cni/: the "peers" array, a row of config.c's field table (called
 * with NULL when absent), and the allowedIPs check that also runs after a
 * wg-quick file has supplied the peers.
 */
#pragma once

#include <json-c/json.h>
#include "config.h"

int cni_parse_peers(json_object *v, const char *path, struct netconf *conf);
/* No network routed to two peers. 0 or -EINVAL (reported). */
int cni_check_allowed_ips(const struct netconf *conf);
