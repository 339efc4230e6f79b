/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * peer add|list|remove: the clients of a server-style network. A change is
 * stored first, then pushed to the network's live attachments, so a
 * container started later and one running now see the same peers.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "key.h"
#include "peer.h"
#include "peers.h"
#include "reconfigure.h"


static void usage(FILE *out)
{
	fprintf(out, "Usage: %s peer add NET NAME [--endpoint HOST:PORT] [--png FILE] [--no-qr]"
		     " [--dir DIR]\n"
		     "       %s peer list NET [--dir DIR]\n"
		     "       %s peer remove NET NAME [--dir DIR]\n",
		cli_prog, cli_prog, cli_prog);
}

static int parse_args(int argc, char **argv, struct peer_args *a)
{
	static const struct option options[] = {
		{ "png", required_argument, NULL, 'p' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "dir", required_argument, NULL, 'd' },
		{ "no-qr", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->dir = CLI_DEFAULT_CNI_DIR;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'p': a->png = optarg; break;
		case 'e': a->endpoint = optarg; break;
		case 'd': a->dir = optarg; break;
		case 'n': a->no_qr = true; break;
		default: usage(stderr); return CLI_USAGE;
		}
	}
	a->verb = optind < argc ? argv[optind++] : NULL;
	a->network = optind < argc ? argv[optind++] : NULL;
	a->name = optind < argc ? argv[optind++] : NULL;
	if (!a->verb || !a->network || optind != argc ||
	    (strcmp(a->verb, "list") != 0 && !a->name) || (!strcmp(a->verb, "list") && a->name)) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (a->name && !peers_name_valid(a->name))
		return cli_usage_error("peer", "name \"%s\": use letters, digits, '_', '.', '-' "
					       "(at most %d)", a->name, PEER_NAME_MAX);
	return CLI_OK;
}

static int load_server(const struct peer_args *a, struct netconf *conf)
{
	char path[PATH_MAX];
	int r = network_load(a->dir, a->network, conf, path, sizeof(path));

	if (r < 0)
		return r;
	if (!conf->has_peer_pool)
		return error_config("%s: network %s has no peerPool: peers can be added only "
				    "to a server-style network", path, a->network);
	return 0;
}

/* Push the stored peers to the running containers; the store is already right. */
int peer_apply(struct netconf *conf, const struct cidr *stale, size_t n_stale)
{
	int r = peers_merge(conf);

	if (r == 0)
		r = attach_reconfigure(conf, stale, n_stale);
	if (r >= 0)
		fprintf(stderr, "%d live attachment%s of %s updated\n", r, r == 1 ? "" : "s",
			conf->name);
	return r < 0 ? r : 0;
}

static int peer_list(const struct peer_args *a, struct netconf *conf)
{
	_cleanup_free_ struct stored_peer *peers = NULL;
	size_t n = 0;
	char addr[64], b64[WG_KEY_B64_LEN + 1];
	int r = peers_list(a->network, &peers, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		cidr_format(&peers[i].address, addr, sizeof(addr));
		key_to_base64(peers[i].public_key, b64);
		printf("%s\t%s\t%s\n", peers[i].name, addr, b64);
	}
	return 0;
}

static int peer_remove(const struct peer_args *a, struct netconf *conf)
{
	struct stored_peer p;
	int r = peers_load(a->network, a->name, &p);

	if (r == -ENOENT)
		return error_report(r, CNI_ERR_INVALID_CONFIG, "peer %s of network %s", a->name,
				    a->network);
	if (r < 0)
		return r;
	r = peers_remove(a->network, a->name);
	if (r < 0)
		return r;
	fprintf(stderr, "peer %s removed from %s\n", a->name, a->network);
	return peer_apply(conf, &p.address, 1);
}

int peer_main(int argc, char **argv)
{
	struct peer_args a = { 0 };
	struct netconf conf = { 0 };
	int r;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	r = parse_args(argc, argv, &a);
	if (r != CLI_OK)
		return r;
	if (strcmp(a.verb, "add") && strcmp(a.verb, "list") && strcmp(a.verb, "remove"))
		return cli_usage_error("peer", "unknown verb \"%s\" (add, list, remove)", a.verb);
	r = load_server(&a, &conf);
	if (r == 0 && !strcmp(a.verb, "add"))
		r = peer_add(&a, &conf);
	else if (r == 0 && !strcmp(a.verb, "list"))
		r = peer_list(&a, &conf);
	else if (r == 0)
		r = peer_remove(&a, &conf);
	netconf_free(&conf);
	return r < 0 ? cli_fail(r) : CLI_OK;
}
