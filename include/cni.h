/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CNI protocol: environment, configuration JSON, results and errors,
 * in every version this plugin speaks. The only module that touches JSON.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>
#include "config.h"

extern const char *const cni_supported_versions[]; /* NULL-terminated */

enum cni_command {
	CNI_CMD_NONE, CNI_CMD_ADD, CNI_CMD_DEL, CNI_CMD_CHECK,
	CNI_CMD_STATUS, CNI_CMD_GC, CNI_CMD_VERSION,
};

struct cni_env {
	enum cni_command command;
	char container_id[256];
	char netns[4096]; /* "" when absent (DEL may send none) */
	char ifname[IFNAMSIZ];
	char args[4096];
};

/*
 * Read and validate CNI_* for the command found in CNI_COMMAND, following
 * the table in the CNI spec (which variables each verb requires). Reports
 * the variable by name with code 4; returns 0 or -EINVAL.
 */
int cni_env_read(struct cni_env *env);

/*
 * What the runtime sent on stdin, parsed. `conf` is this plugin's network;
 * prev_result is the runtime's prevResult (DEL, CHECK, chained ADD) or NULL.
 */
struct cni_result;
struct cni_request {
	struct netconf conf;
	struct cni_result *prev_result;
	char **valid_attachments; /* GC: "containerID\tifname" entries */
	size_t n_valid_attachments;
	bool has_valid_attachments;
};

/*
 * Read at most 1 MiB from fd and parse it. Errors name the field
 * ("peers[0].publicKey: not a base64 key") with code 7, 6 for undecodable
 * JSON, 1 for an unsupported cniVersion. Returns 0 or a negative errno.
 */
int cni_request_read(int fd, struct cni_request *req);
int cni_request_parse(const char *json, size_t len, struct cni_request *req);
void cni_request_free(struct cni_request *req);

/* Just the "cniVersion" of a config, for VERSION and error replies; may be NULL. */
char *cni_peek_version(const char *json, size_t len);

/* A result in version-neutral form; rendered per cniVersion on output. */
struct cni_iface {
	char name[IFNAMSIZ];
	char mac[18];
	unsigned mtu; /* 0: omitted */
	char *sandbox; /* NULL: host interface */
};
struct cni_ip {
	struct cidr address;
	bool has_gateway;
	struct cidr gateway; /* prefix ignored */
	int interface; /* index into interfaces, -1: none */
};
struct cni_route {
	struct cidr dst;
	bool has_gw;
	struct cidr gw;
};
struct cni_result {
	struct cni_iface *interfaces;
	size_t n_interfaces;
	struct cni_ip *ips;
	size_t n_ips;
	struct cni_route *routes;
	size_t n_routes;
	bool has_dns;
	struct dns_conf dns;
};

struct cni_result *cni_result_new(void);
void cni_result_free(struct cni_result *r);
/* Append; return the new element's index or -ENOMEM. */
int cni_result_add_interface(struct cni_result *r, const struct cni_iface *i);
int cni_result_add_ip(struct cni_result *r, const struct cni_ip *ip);
int cni_result_add_route(struct cni_result *r, const struct cni_route *rt);
int cni_result_set_dns(struct cni_result *r, const struct dns_conf *dns);

/* Print a result to `out` in `version` (0.3.0 .. 1.1.0). Returns 0 or -errno. */
int cni_result_print(FILE *out, const struct cni_result *r, const char *version);

/* {"cniVersion":"1.1.0","supportedVersions":[...]}; `version` may be NULL. */
void cni_version_print(FILE *out, const char *version);

/*
 * Print the recorded error (error.h) as a CNI error object. `version` may
 * be NULL (then 1.1.0). Never prints key material: messages are built by
 * callers that know not to.
 */
void cni_error_print(FILE *out, const char *version);

bool cni_version_supported(const char *version);
