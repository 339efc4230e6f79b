/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netavark plugin protocol (netavark 1.x, podman 5): the network JSON of
 * `create`, the setup/teardown request, the StatusBlock and error replies.
 * The only code of this front door that touches JSON; the attachment itself
 * is attach/'s, reached with the same struct netconf as the CNI door.
 */
#pragma once

#include <stdio.h>
#include "cni.h"
#include "nft.h"

/* A podman network of driver "wireguard", as far as this plugin reads it. */
struct netavark_network {
	char *name;
	char *config_path;  /* option "config": a wgcni JSON configuration */
	char *wgquick_path; /* option "wgquick": a wg-quick file */
	bool has_subnets;
};

/* What netavark sends on stdin to `setup` and `teardown`. */
struct netavark_request {
	char *container_id;
	char *ifname;
	struct netavark_network network;
	/* port_mappings, as container ports: the kill switch answers them on other legs */
	struct port_range *published;
	size_t n_published;
};

/* Read all of fd, at most 1 MiB; `what` names the source in errors. NUL-terminated. */
int netavark_read_all(int fd, const char *what, char **out, size_t *len);

/* `create`'s stdin. Unknown options, a missing or doubled config option are refused by name. */
int netavark_network_parse(const char *json, size_t len, struct netavark_network *net);
int netavark_request_parse(const char *json, size_t len, struct netavark_request *req);
void netavark_network_free(struct netavark_network *net);
void netavark_request_free(struct netavark_request *req);

/*
 * The CNI-style configuration the network's options name, as one plugin
 * object whose "name" is the podman network's, ready for cni_request_parse().
 */
int netavark_cni_config(const struct netavark_network *net, char **json, size_t *len);

/* The network to store: `create`'s stdin with IPAM "none", no subnets and no DNS server. */
int netavark_create_print(FILE *out, const char *json, size_t len);

/* The StatusBlock of a finished setup: `ifname`'s addresses and the DNS servers. */
int netavark_status_print(FILE *out, const struct cni_result *result, const char *ifname);

void netavark_error_print(FILE *out, const char *message);
void netavark_info_print(FILE *out);
