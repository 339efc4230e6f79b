/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wireguard, the netavark plugin (podman 5): the same attachment as the CNI
 * plugin, reached through netavark's plugin API. podman runs `create` at
 * `podman network create -d wireguard`; netavark runs `setup NETNS` and
 * `teardown NETNS` around each container. Replies go to stdout as JSON,
 * errors as {"error": ...} with a non-zero exit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "cleanup.h"
#include "cni.h"
#include "error.h"
#include "key.h"
#include "log.h"
#include "netavark.h"
#include "peers.h"

/* Re-report the recorded error under the option that led to it. */
static int blame_option(const struct netavark_network *net, int r)
{
	char message[1024];

	snprintf(message, sizeof(message), "%s", error_recorded() ? error_message() : strerror(-r));
	error_clear();
	error_report(0, CNI_ERR_INVALID_CONFIG, "option %s=%s: %s",
		     net->config_path ? "config" : "wgquick",
		     net->config_path ? net->config_path : net->wgquick_path, message);
	return r;
}

static int load_conf(const struct netavark_network *net, struct cni_request *cni)
{
	_cleanup_free_ char *json = NULL;
	size_t len = 0;
	int r;

	r = netavark_cni_config(net, &json, &len);
	if (r == 0)
		r = cni_request_parse(json, len, cni);
	if (r < 0 && strncmp(error_message(), "option ", 7) != 0)
		return blame_option(net, r);
	/* Server-style networks: the peers `wgcni peer add` stored, as at CNI ADD. */
	return r < 0 ? r : peers_merge(&cni->conf);
}

/* What ADD will need of the keys and the backend, checked now so `create` can say it. */
static int check_keys(const struct netavark_network *net, const struct netconf *conf)
{
	uint8_t psk[WG_KEY_LEN];
	char field[64];
	int r;

	r = attach_status(conf);
	for (size_t i = 0; r == 0 && i < conf->n_peers; i++) {
		if (!conf->peers[i].preshared_key_file)
			continue;
		snprintf(field, sizeof(field), "peers[%zu].presharedKeyFile", i);
		r = key_read_file(conf->peers[i].preshared_key_file, field, psk);
		key_wipe(psk, sizeof(psk));
	}
	return r < 0 ? blame_option(net, r) : 0;
}

static int cmd_create(const char *netns, const char *json, size_t len)
{
	struct netavark_network net = { 0 };
	struct cni_request cni = { 0 };
	int r;

	r = netavark_network_parse(json, len, &net);
	if (r == 0 && net.has_subnets)
		r = error_config("subnets: the tunnel's addresses come from the configuration; "
				 "create the network without --subnet");
	if (r == 0)
		r = load_conf(&net, &cni);
	if (r == 0)
		r = check_keys(&net, &cni.conf);
	if (r == 0)
		r = netavark_create_print(stdout, json, len);
	cni_request_free(&cni);
	netavark_network_free(&net);
	return r;
}

static int cmd_setup(const char *netns, const char *json, size_t len)
{
	struct netavark_request req = { 0 };
	struct cni_request cni = { 0 };
	struct cni_result *result = NULL;
	int r;

	r = netavark_request_parse(json, len, &req);
	if (r == 0) {
		log_context("setup", req.container_id);
		r = load_conf(&req.network, &cni);
	}
	if (r == 0) {
		struct attach_request ar = {
			.conf = &cni.conf,
			.container_id = req.container_id,
			.netns_path = netns,
			.ifname = req.ifname,
			.beside = true,
			.published = req.published,
			.n_published = req.n_published,
		};

		result = cni_result_new();
		/* A failed setup gets no teardown: attach_add undoes its own partial work. */
		r = result ? attach_add(&ar, result) : -ENOMEM;
	}
	if (r == 0)
		r = netavark_status_print(stdout, result, req.ifname);
	cni_result_free(result);
	cni_request_free(&cni);
	netavark_request_free(&req);
	return r;
}

/*
 * Teardown works from the record alone: the configuration file may have
 * changed or gone since setup, and a missing namespace or record is success.
 */
static int cmd_teardown(const char *netns, const char *json, size_t len)
{
	struct netavark_request req = { 0 };
	int r;

	r = netavark_request_parse(json, len, &req);
	if (r == 0) {
		struct netconf conf = { .name = req.network.name };
		struct attach_request ar = {
			.conf = &conf,
			.container_id = req.container_id,
			.netns_path = netns,
			.ifname = req.ifname,
		};

		log_context("teardown", req.container_id);
		r = attach_del(&ar);
	}
	netavark_request_free(&req);
	return r;
}

static const struct {
	const char *name;
	bool takes_netns;
	int (*run)(const char *netns, const char *json, size_t len);
} commands[] = {
	{ "create", false, cmd_create },
	{ "setup", true, cmd_setup },
	{ "teardown", true, cmd_teardown },
};

static int run(const char *name, const char *netns)
{
	_cleanup_free_ char *json = NULL;
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (commands[i].takes_netns && !netns) {
			error_report(0, CNI_ERR_INVALID_ENV, "%s: needs the namespace path", name);
			return -EINVAL;
		}
		if (netavark_read_all(STDIN_FILENO, "stdin", &json, &len) < 0)
			return -EINVAL;
		return commands[i].run(netns, json, len);
	}
	error_report(0, CNI_ERR_INVALID_ENV,
		     "%s: unknown command (info, create, setup NETNS, teardown NETNS)", name);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	const char *command = argc > 1 ? argv[1] : "";

	if (strcmp(command, "info") == 0) {
		netavark_info_print(stdout);
		return 0;
	}
	log_context(command, NULL);
	if (run(command, argc > 2 ? argv[2] : NULL) < 0) {
		/* create is answered to the user by podman; setup and teardown are worth a log line. */
		if (strcmp(command, "create") != 0)
			log_msg("%s", error_message());
		netavark_error_print(stdout, error_message());
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
