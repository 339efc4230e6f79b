/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * show: every recorded attachment, read live. Each one is looked at
 * through sockets opened once in its container's namespace; what cannot
 * be read is said, not guessed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>

#include "attach.h"
#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "link.h"
#include "netns.h"
#include "nft.h"
#include "route.h"
#include "show.h"

struct ns_socks {
	struct nl_sock *rtnl, *nft, *genl;
};

static int open_socks(void *arg)
{
	struct ns_socks *s = arg;
	int r = nl_open(NETLINK_ROUTE, &s->rtnl);

	if (r == 0)
		r = nl_open(NETLINK_NETFILTER, &s->nft);
	if (r == 0)
		r = nl_open(NETLINK_GENERIC, &s->genl);
	return r;
}

static void close_socks(struct ns_socks *s)
{
	nl_close(s->rtnl);
	nl_close(s->nft);
	nl_close(s->genl);
}

static void take_problem(struct show_entry *e, char *buf, size_t len, int r)
{
	snprintf(buf, len, "%s", error_recorded() ? error_message() : strerror(-r));
	error_clear();
}

/*
 * The kill switch the attachment should have, built as CHECK builds it
 * (attach_killswitch_check) from the record, the network's configuration and the
 * LAN leg as the kernel has it. What cannot be rebuilt is "unverified",
 * never "intact": without the configuration inboundPorts, dnsRedirect,
 * allowedSubnets and the fwmark are unknown, and a netavark attachment
 * recorded by an older version lacks its published ports (then a table that
 * differs from the one without them is unverified, not broken).
 */
static void read_kill_switch(struct show_entry *e, struct ns_socks *s, const char *dir)
{
	struct netconf conf = { 0 };
	char path[PATH_MAX], why[200];
	bool unknown_ports;
	int r;

	if (network_load(dir, e->rec.network, &conf, path, sizeof(path)) < 0) {
		error_clear();
		netconf_free(&conf);
		e->kill_switch = KS_UNVERIFIED;
		snprintf(e->kill_switch_problem, sizeof(e->kill_switch_problem),
			 "no configuration of %.60s in %.100s to rebuild the expected table from",
			 e->rec.network, dir);
		return;
	}
	r = attach_killswitch_check(s->rtnl, s->nft, &conf, &e->rec);
	unknown_ports = e->rec.beside && !e->rec.published_recorded;
	e->kill_switch = r == 0 ? KS_INTACT : unknown_ports ? KS_UNVERIFIED : KS_BROKEN;
	if (r < 0 && unknown_ports) {
		take_problem(e, why, sizeof(why), r);
		snprintf(e->kill_switch_problem, sizeof(e->kill_switch_problem),
			 "published ports are not recorded; not the table without them: %.150s", why);
	} else if (r < 0) {
		take_problem(e, e->kill_switch_problem, sizeof(e->kill_switch_problem), r);
	}
	netconf_free(&conf);
}

static void read_namespace(struct show_entry *e, struct ns_socks *s, const char *dir)
{
	struct link_info info;

	if (link_get(s->rtnl, attach_tunnel_ifname(&e->rec), &info) == 0 &&
	    addr_list(s->rtnl, info.index, &e->addresses, &e->n_addresses) == 0)
		e->addresses_from = "namespace";
	error_clear();
	if (e->rec.kill_switch)
		read_kill_switch(e, s, dir);
}

static void read_device(struct show_entry *e, int netns_fd, struct ns_socks *s)
{
	struct wgdev dev = { 0 };
	int r;

	dev.ops = e->rec.backend == BACKEND_KERNEL ? &wgdev_kernel_ops : &wgdev_userspace_ops;
	snprintf(dev.ifname, sizeof(dev.ifname), "%s", attach_tunnel_ifname(&e->rec));
	snprintf(dev.host_ifname, sizeof(dev.host_ifname), "%s", e->rec.host_ifname);
	dev.netns_fd = netns_fd;
	dev.ctr_rtnl = s->rtnl;
	dev.ctr_genl = s->genl;
	dev.helper_pid = e->rec.helper_pid;
	dev.helper_start_time = e->rec.helper_start_time;
	if (e->rec.backend == BACKEND_KERNEL && netns_fd < 0) {
		snprintf(e->problem, sizeof(e->problem), "the namespace %.200s is gone", e->rec.netns);
		return;
	}
	r = dev.ops->get(&dev, &e->status);
	if (r == 0)
		e->has_status = true;
	else
		take_problem(e, e->problem, sizeof(e->problem), r);
}

static void addresses_from_config(struct show_entry *e, const char *dir)
{
	struct netconf conf = { 0 };
	char path[PATH_MAX];

	if (network_load(dir, e->rec.network, &conf, path, sizeof(path)) == 0 &&
	    conf.n_addresses) {
		e->addresses = TAKE_PTR(conf.addresses);
		e->n_addresses = conf.n_addresses;
		e->addresses_from = "config";
	}
	error_clear();
	netconf_free(&conf);
}

static void inspect(struct show_entry *e, const char *dir)
{
	struct ns_socks s = { 0 };
	_cleanup_close_ int netns_fd = netns_open(e->rec.netns);

	e->addresses_from = "none";
	e->kill_switch = e->rec.kill_switch ? KS_UNKNOWN : KS_OFF;
	error_clear();
	if (netns_fd >= 0 && netns_run(netns_fd, open_socks, &s) < 0) {
		error_clear();
		close_socks(&s);
		memset(&s, 0, sizeof(s));
		close(TAKE_FD(netns_fd));
	}
	if (netns_fd >= 0)
		read_namespace(e, &s, dir);
	read_device(e, netns_fd, &s);
	if (!e->addresses)
		addresses_from_config(e, dir);
	close_socks(&s);
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: %s show [NET] [--json] [--dir DIR]\n", cli_prog);
}

struct show_args {
	const char *dir, *network;
	bool json;
};

static int parse_args(int argc, char **argv, struct show_args *a)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->dir = CLI_DEFAULT_CNI_DIR;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 'j')
			a->json = true;
		else if (c == 'd')
			a->dir = optarg;
		else
			return usage(stderr), CLI_USAGE;
	}
	if (optind < argc)
		a->network = argv[optind++];
	if (optind != argc)
		return usage(stderr), CLI_USAGE;
	return CLI_OK;
}

int show_main(int argc, char **argv)
{
	_cleanup_free_ struct attachment *recs = NULL;
	_cleanup_free_ struct show_entry *entries = NULL;
	struct show_args a = { 0 };
	size_t n = 0;
	int r;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	r = parse_args(argc, argv, &a);
	if (r != CLI_OK)
		return r;
	r = state_list(a.network, &recs, &n);
	if (r < 0 && r != -ENOENT)
		return cli_fail(error_report(r, CNI_ERR_IO, "listing %s", STATE_DIR));
	entries = calloc(n ? n : 1, sizeof(*entries));
	if (!entries)
		return cli_fail(-ENOMEM);
	for (size_t i = 0; i < n; i++) {
		entries[i].rec = recs[i];
		inspect(&entries[i], a.dir);
	}
	r = 0;
	if (a.json)
		r = show_print_json(stdout, entries, n);
	else
		show_print_text(stdout, entries, n);
	for (size_t i = 0; i < n; i++) {
		free(entries[i].addresses);
		wgdev_status_free(&entries[i].status);
	}
	if (r < 0)
		return cli_fail(r);
	if (a.network && n == 0) {
		fprintf(stderr, "%s: no live attachment of network %s\n", cli_prog, a.network);
		return CLI_NOT_FOUND;
	}
	return CLI_OK;
}
