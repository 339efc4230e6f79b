/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tunnel beside other networks (netavark, `podman run --network
 * podman,wgnet`). netavark sets a container's networks up in no fixed order,
 * so a bridge may add its interface and its default route before or after
 * the tunnel exists; nothing here may depend on seeing it. Per family:
 *
 *   rule 5750: fwmark 0x57474e49 lookup main      replies of published ports
 *   rule 5751: lookup main suppress_prefixlength 0  subnets, never a default
 *   rule 5752: lookup 5752                         the tunnel's default routes
 *
 * Unmarked traffic thus skips every default route in main, whoever adds it
 * and when; the bridge keeps its subnet route. The kill switch treats every
 * interface but lo and the tunnel as a LAN leg (nft_modes.c): a published
 * port's connection gets the mark, its replies find main's default route
 * back through the bridge, and nothing else leaves a LAN leg.
 *
 * Frames of AF_PACKET sockets pass no inet hook: each leg gets the egress
 * chain of chained mode (firewall/nft_egress.c), in the kill switch's batch.
 * The legs there at setup are known by name; one netavark adds later is not,
 * but podman names a container's interfaces eth0, eth1, ... in its networks'
 * order, so those names get a chain too, which Linux 6.16 and later bind to
 * the device when it appears.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include "cleanup.h"
#include "error.h"
#include "link.h"
#include "log.h"
#include "modes.h"
#include "netns.h"
#include "route.h"

#define BESIDE_RULES 3
/* eth0 .. eth7: the names podman gives the interfaces of a container's first eight networks. */
#define BESIDE_PODMAN_LEGS 8

static void beside_rules(int family, struct rule out[BESIDE_RULES])
{
	out[0] = (struct rule){ .family = family, .priority = WGCNI_BESIDE_RULE_PRIORITY,
				.table = RT_TABLE_MAIN, .fwmark = WGCNI_LAN_MARK,
				.fwmask = 0xffffffff, .suppress_prefixlen = -1 };
	out[1] = (struct rule){ .family = family, .priority = WGCNI_BESIDE_RULE_PRIORITY + 1,
				.table = RT_TABLE_MAIN, .suppress_prefixlen = 0 };
	out[2] = (struct rule){ .family = family, .priority = WGCNI_BESIDE_RULE_PRIORITY + 2,
				.table = WGCNI_BESIDE_TABLE, .suppress_prefixlen = -1 };
}

/*
 * ARP never reaches the inet table: every leg, also one added later, answers
 * only for its own address (CVE-2019-14899). "all" counts for devices that
 * do not exist yet; the effective value is the larger of "all" and the device's.
 */
static int beside_sysctls(void *arg)
{
	static const char path[] = "/proc/sys/net/ipv4/conf/all/arp_ignore";
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "1", 1) < 0)
		log_msg("writing %s: %s", path, strerror(errno));
	return 0;
}

int beside_routing_add(struct attach_ctx *ctx, const struct netconf *conf)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int r = 0;

	if (conf->kill_switch)
		netns_run(ctx->netns_fd, beside_sysctls, NULL);
	for (size_t f = 0; r == 0 && f < ARRAY_SIZE(families); f++) {
		struct rule rules[BESIDE_RULES];

		beside_rules(families[f], rules);
		for (size_t i = 0; r == 0 && i < BESIDE_RULES; i++) {
			/* Idempotent for a repeated setup: what an earlier one left is replaced. */
			rule_del(ctx->ctr_rtnl, &rules[i]);
			r = rule_add(ctx->ctr_rtnl, &rules[i]);
			if (r < 0)
				error_report(r, CNI_ERR_IO, "adding the IPv%d policy rule %u",
					     families[f] == AF_INET ? 4 : 6, rules[i].priority);
		}
	}
	return r;
}

int beside_routing_del(struct attach_ctx *ctx)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int first = 0;

	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		struct rule rules[BESIDE_RULES];

		beside_rules(families[f], rules);
		for (size_t i = 0; i < BESIDE_RULES; i++) {
			int r = rule_del(ctx->ctr_rtnl, &rules[i]);

			if (r < 0 && r != -ENOENT)
				first = first ?: r;
		}
	}
	/* Table 5752's routes are the tunnel's: they go with the device. */
	return first;
}

static bool leg_listed(const struct modes *m, const char *name)
{
	for (size_t i = 0; i < m->n_egress_legs; i++)
		if (strcmp(m->egress_legs[i], name) == 0)
			return true;
	return false;
}

static int leg_add(struct modes *m, const char *name)
{
	if (strcmp(name, "lo") == 0 || strcmp(name, m->tunnel) == 0 || leg_listed(m, name))
		return 0;
	/* The record lists the legs separated by commas. */
	if (strchr(name, ',') || strlen(name) >= IFNAMSIZ)
		return error_report(-EINVAL, CNI_ERR_INVALID_ENV, "interface \"%s\" in the container: "
				    "a name the kill switch cannot record an egress chain for", name);
	if (m->n_egress_legs == STATE_MAX_LEGS)
		return error_report(-E2BIG, CNI_ERR_INVALID_ENV, "more than %d interfaces beside the "
				    "tunnel in the container: no egress chain for %s", STATE_MAX_LEGS,
				    name);
	snprintf(m->egress_legs[m->n_egress_legs++], IFNAMSIZ, "%s", name);
	return 0;
}

static int present_leg(int ifindex, const char *name, void *data)
{
	return leg_add(data, name);
}

int beside_egress_legs(struct attach_ctx *ctx, struct modes *m)
{
	int r;

	m->n_egress_legs = 0;
	/* The container's interfaces, through the socket already open there. */
	r = link_list(ctx->ctr_rtnl, present_leg, m);
	if (r < 0)
		return error_recorded() ? r : error_report(r, CNI_ERR_IO,
							   "listing the container's interfaces");
	m->n_egress_present = m->n_egress_legs;
	for (int i = 0; r == 0 && i < BESIDE_PODMAN_LEGS && m->n_egress_legs < STATE_MAX_LEGS; i++) {
		char name[IFNAMSIZ];

		snprintf(name, sizeof(name), "eth%d", i);
		r = leg_add(m, name);
	}
	return r;
}

int beside_killswitch_apply(struct attach_ctx *ctx, struct modes *m, const struct netconf *conf)
{
	struct killswitch ks;
	int r;

	modes_killswitch(m, conf, &ks);
	r = nft_killswitch_apply(ctx->ctr_nft, &ks);
	/* ENOENT: a chain named a device that is not there, which Linux < 6.16 refuses. */
	if (r != -ENOENT || m->n_egress_present == m->n_egress_legs)
		return r;
	log_msg("Linux before 6.16: no egress chain for a leg netavark adds after the tunnel "
		"(AF_PACKET frames could leave it); the %zu there now have theirs",
		m->n_egress_present);
	error_clear();
	m->n_egress_legs = m->n_egress_present;
	modes_killswitch(m, conf, &ks);
	return nft_killswitch_apply(ctx->ctr_nft, &ks);
}
