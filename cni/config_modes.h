/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to cni/: the routing modes' fields of the configuration
 * (docs/modes.md), parsed as rows of config.c's field table: each is called
 * with NULL when its field is absent.
 */
#pragma once

#include <json-c/json.h>
#include "config.h"

int cni_parse_tunnel_interface(json_object *v, const char *path, struct netconf *conf);
int cni_parse_allowed_subnets(json_object *v, const char *path, struct netconf *conf);
int cni_parse_socket_namespace(json_object *v, const char *path, struct netconf *conf);
int cni_parse_inbound_ports(json_object *v, const char *path, struct netconf *conf);
int cni_parse_dns_redirect(json_object *v, const char *path, struct netconf *conf);
/* Fields that depend on others, once all are parsed. 0 or -EINVAL (reported). */
int cni_modes_check(const struct netconf *conf);
