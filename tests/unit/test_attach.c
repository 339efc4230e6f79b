/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ADD's ordering and rollback, with failures injected at the seams: the
 * netlink transport (nl_request, nl_batch), the namespace door and the
 * WireGuard backend are substituted (-Wl,--wrap); the state module is real,
 * in a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include "attach.h"
#include "error.h"
#include "key.h"
#include "nl.h"
#include "state.h"
#include "wgdev.h"

/* What the kernel saw, one word an operation. */
static char trace[64][24];
static size_t n_trace;
static int fail_at;   /* fail the Nth changing operation (1-based), 0: never */
static int changes;
static int fail_err = -EIO; /* what the failing change returns */
static bool device_exists;
static bool lan_exists; /* chained: the previous plugin's eth0, always there */
static size_t netdev_chains; /* in the last kill switch batch: the egress chains */
/* The container's devices, as an RTM_GETLINK dump lists them (index = position + 1). */
static const char *dump_names[24];
static size_t n_dump_names;
static int dump_fail_after = -1; /* the kernel ends the dump with ENOBUFS after this many */

static void note(const char *what)
{
	if (n_trace < 64)
		snprintf(trace[n_trace++], sizeof(trace[0]), "%s", what);
}

/* A changing operation: counted, and failed when its turn comes. */
static int change(const char *what)
{
	note(what);
	if (++changes == fail_at)
		return fail_err;
	return 0;
}

/* Room for the real struct: nl_next_seq() writes into it. */
static uint64_t fake_storage[16];
#define fake_sock ((struct nl_sock *)fake_storage)

int __wrap_nl_open(int protocol, struct nl_sock **out);
int __wrap_nl_open(int protocol, struct nl_sock **out)
{
	*out = fake_sock;
	return 0;
}

void __wrap_nl_close(struct nl_sock *s);
void __wrap_nl_close(struct nl_sock *s)
{
}

static int reply_link(mnl_cb_t cb, void *data)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1420);
	return cb(nlh, data) < 0 ? -EPROTO : 0;
}

/* As nl_request delivers a dump: the callback stops the calls, the first failure is returned. */
static int reply_dump(mnl_cb_t cb, void *data)
{
	for (size_t i = 0; i < n_dump_names; i++) {
		char buf[512];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct ifinfomsg *ifi;
		int r;

		if ((int)i == dump_fail_after)
			return -ENOBUFS;
		nlh->nlmsg_type = RTM_NEWLINK;
		nlh->nlmsg_flags = NLM_F_MULTI;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_index = (int)i + 1;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, dump_names[i]);
		errno = 0;
		r = cb(nlh, data);
		if (r == MNL_CB_STOP)
			return 0;
		if (r == MNL_CB_ERROR)
			return errno > 0 ? -errno : -EIO;
	}
	return 0;
}

int __wrap_nl_request(struct nl_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data);
int __wrap_nl_request(struct nl_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	switch (req->nlmsg_type) {
	case RTM_GETLINK: {
		const struct nlattr *name = NULL, *attr;

		mnl_attr_for_each(attr, req, sizeof(struct ifinfomsg))
			if (mnl_attr_get_type(attr) == IFLA_IFNAME)
				name = attr;
		if (req->nlmsg_flags & NLM_F_DUMP) {
			note("getlink-dump");
			return reply_dump(cb, data);
		}
		note("getlink");
		if (lan_exists && name && strcmp(mnl_attr_get_str(name), "eth0") == 0)
			return reply_link(cb, data);
		return device_exists ? reply_link(cb, data) : -ENODEV;
	}
	case RTM_NEWRULE:
		return change("rule");
	case RTM_DELRULE:
		note("delrule");
		return -ENOENT;
	case RTM_DELROUTE:
		note("delroute");
		return -ESRCH;
	case RTM_NEWADDR:
		return change("addr");
	case RTM_NEWLINK: {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(req);

		return change(ifi->ifi_change & IFF_UP ? "up" : "no-ll");
	}
	case RTM_NEWROUTE:
		return change("route");
	case RTM_DELLINK:
		note("dellink");
		device_exists = false;
		return 0;
	default:
		note("other");
		return 0;
	}
}

int __wrap_nl_batch(struct nl_sock *s, const void *buf, size_t len);
int __wrap_nl_batch(struct nl_sock *s, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;
	bool creates = false, netdev = false;
	size_t chains = 0;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN)) {
			creates = true;
			chains += nfg->nfgen_family == NFPROTO_NETDEV;
		}
		if (nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE))
			netdev = nfg->nfgen_family == NFPROTO_NETDEV;
	}
	if (creates) {
		netdev_chains = chains;
		return change("nft-apply");
	}
	/* The inet table, then the LAN legs' egress table, each a transaction. */
	note(netdev ? "nft-remove-egress" : "nft-remove");
	return 0;
}

int __wrap_netns_open(const char *path);
int __wrap_netns_open(const char *path)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int __wrap_netns_run(int fd, int (*fn)(void *arg), void *arg);
int __wrap_netns_run(int fd, int (*fn)(void *arg), void *arg)
{
	return fn(arg);
}

int __wrap_key_read_file(const char *path, const char *field, uint8_t out[WG_KEY_LEN]);
int __wrap_key_read_file(const char *path, const char *field, uint8_t out[WG_KEY_LEN])
{
	memset(out, 0x42, WG_KEY_LEN);
	return 0;
}

static int fake_create(struct wgdev *dev, const struct wgdev_config *cfg, uint32_t mtu)
{
	int r = change("create");

	if (r == 0)
		device_exists = true;
	else
		error_report(r, CNI_ERR_IO, "fake create");
	return r;
}

static int fake_destroy(struct wgdev *dev)
{
	note("destroy");
	return 0;
}

static const struct wgdev_ops fake_ops = {
	.name = "fake", .kind = BACKEND_KERNEL, .create = fake_create, .destroy = fake_destroy,
};

/* Like userspace: a helper started early, stopped by cancel or by a failing create. */
static int fake_start(struct wgdev *dev)
{
	note("start");
	snprintf(dev->host_ifname, sizeof(dev->host_ifname), "wgc000000000001");
	dev->helper_pid = 4242;
	dev->helper_start_time = 99;
	return 0;
}

static void fake_cancel(struct wgdev *dev)
{
	note("cancel");
	dev->helper_pid = 0;
}

static int fake_started_create(struct wgdev *dev, const struct wgdev_config *cfg, uint32_t mtu)
{
	int r = fake_create(dev, cfg, mtu);

	if (r < 0)
		dev->helper_pid = 0; /* the backend stops its own helper */
	return r;
}

static const struct wgdev_ops fake_started_ops = {
	.name = "fake-started", .kind = BACKEND_KERNEL, .start = fake_start,
	.cancel = fake_cancel, .create = fake_started_create, .destroy = fake_destroy,
};

static const struct wgdev_ops *selected_ops = &fake_ops;

const struct wgdev_ops *__wrap_wgdev_select(enum backend_kind kind, const char *impl);
const struct wgdev_ops *__wrap_wgdev_select(enum backend_kind kind, const char *impl)
{
	return selected_ops;
}

static char state_dir[64];

static int setup(void **unused)
{
	snprintf(state_dir, sizeof(state_dir), "/tmp/wgcni-test-attach-%d", (int)getpid());
	state_set_dir(state_dir);
	n_trace = 0;
	changes = 0;
	device_exists = false;
	lan_exists = false;
	dump_names[0] = "lo";
	n_dump_names = 1;
	dump_fail_after = -1;
	selected_ops = &fake_ops;
	error_clear();
	return 0;
}

static int teardown(void **unused)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", state_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct cidr addresses[2];
static struct cidr allowed[2];
static struct peer_conf peer = { .allowed_ips = allowed, .n_allowed_ips = 2 };
static struct netconf conf = {
	.cni_version = "1.0.0", .name = "wgtest", .private_key_file = "/k",
	.addresses = addresses, .n_addresses = 2, .mtu = 1420, .peers = &peer, .n_peers = 1,
	.kill_switch = true,
};
static const struct attach_request request = {
	.conf = &conf, .container_id = "c0ffee", .netns_path = "/run/netns/x", .ifname = "eth0",
};

static void init_conf(void)
{
	assert_int_equal(cidr_parse("10.64.0.2/32", &addresses[0]), 0);
	assert_int_equal(cidr_parse("fc00:bbbb::2/128", &addresses[1]), 0);
	assert_int_equal(cidr_parse("0.0.0.0/0", &allowed[0]), 0);
	assert_int_equal(cidr_parse("::/0", &allowed[1]), 0);
	memset(peer.public_key, 0x11, WG_KEY_LEN);
}

static void assert_trace(const char *const *want, size_t n)
{
	for (size_t i = 0; i < n && i < n_trace; i++)
		assert_string_equal(trace[i], want[i]);
	assert_int_equal(n_trace, n);
}

static void add_orders_kill_switch_first(void **unused)
{
	static const char *const want[] = {
		"getlink", "nft-apply", "create", "getlink", "addr", "addr", "no-ll", "up", "route",
		"route",
	};
	struct cni_result *result = cni_result_new();
	struct attachment rec;

	init_conf();
	fail_at = 0;
	assert_int_equal(attach_add(&request, result), 0);
	assert_trace(want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(result->n_interfaces, 1);
	assert_string_equal(result->interfaces[0].name, "eth0");
	assert_string_equal(result->interfaces[0].mac, "00:00:00:00:00:00");
	assert_int_equal(result->n_ips, 2);
	assert_int_equal(result->n_routes, 2);
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), 0);
	assert_int_equal(rec.backend, BACKEND_KERNEL);
	cni_result_free(result);
}

/* Fail each changing step in turn: everything before it is undone, newest first. */
static void add_rolls_back_each_step(void **unused)
{
	static const char *const undo_device[] = { "destroy", "dellink", "nft-remove",
						    "nft-remove-egress" };
	static const char *const undo_table[] = { "nft-remove", "nft-remove-egress" };
	struct attachment rec;

	init_conf();
	for (fail_at = 1; fail_at <= 8; fail_at++) {
		struct cni_result *result = cni_result_new();
		size_t before;

		setup(NULL);
		assert_int_not_equal(attach_add(&request, result), 0);
		assert_true(error_recorded());
		/* The first failure's report survives the rollback. */
		assert_non_null(strstr(error_message(), fail_at == 2 ? "fake create" : "Input/output error"));
		before = (size_t)changes;
		if (fail_at == 1) {
			assert_int_equal(n_trace, 2);
		} else if (fail_at == 2) {
			assert_int_equal(n_trace, before + 1 + 2);
			for (size_t i = 0; i < 2; i++)
				assert_string_equal(trace[n_trace - 2 + i], undo_table[i]);
		} else {
			for (size_t i = 0; i < 4; i++)
				assert_string_equal(trace[n_trace - 4 + i], undo_device[i]);
		}
		assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), -ENOENT);
		cni_result_free(result);
	}
}

/* bridge's result, as the runtime passes it on: eth0 in the container, a default route. */
static struct cni_result *bridge_result(void)
{
	struct cni_result *r = cni_result_new();
	struct cni_iface eth0 = { .name = "eth0", .sandbox = "/run/netns/x" };
	struct cni_ip ip = { .has_gateway = true, .interface = 0 };
	struct cni_route dflt = { 0 };

	assert_int_equal(cidr_parse("10.89.0.2/24", &ip.address), 0);
	assert_int_equal(cidr_parse("10.89.0.1/32", &ip.gateway), 0);
	assert_int_equal(cidr_parse("0.0.0.0/0", &dflt.dst), 0);
	assert_int_equal(cni_result_add_interface(r, &eth0), 0);
	assert_int_equal(cni_result_add_ip(r, &ip), 0);
	assert_int_equal(cni_result_add_route(r, &dflt), 0);
	return r;
}

/*
 * Chained: the kill switch still first; the LAN leg's default routes go
 * before the tunnel's are added (they would collide), then the LAN-reply
 * route and rule. The result keeps eth0 and loses bridge's default route.
 */
static void add_chained(void **unused)
{
	static const char *const want[] = {
		"getlink", "other", "getlink", "nft-apply", "create", "getlink",
		"delroute", "delroute", "delrule", "delroute", "route", "rule",
		"addr", "addr", "no-ll", "up", "route", "route",
	};
	struct cni_result *result = bridge_result();
	struct attachment rec;

	init_conf();
	fail_at = 0;
	lan_exists = true;
	assert_int_equal(attach_add(&request, result), 0);
	assert_trace(want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(result->n_interfaces, 2);
	assert_string_equal(result->interfaces[1].name, "wg0");
	assert_int_equal(result->n_ips, 3);
	assert_int_equal(result->ips[2].interface, 1);
	assert_int_equal(result->n_routes, 2); /* the tunnel's 0.0.0.0/0 and ::/0, no gateway */
	assert_false(result->routes[0].has_gw);
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), 0);
	assert_string_equal(rec.tunnel_ifname, "wg0");
	assert_true(rec.chained);
	assert_false(rec.socket_in_container);
	cni_result_free(result);
}

/* A failed policy rule: rule, device and table are undone; the LAN device is left alone. */
static void add_chained_rolls_back(void **unused)
{
	static const char *const undo[] = {
		"delrule", "delroute", "delrule", "delroute", "getlink", "destroy", "dellink",
		"nft-remove", "nft-remove-egress",
	};
	struct cni_result *result = bridge_result();
	struct attachment rec;

	init_conf();
	lan_exists = true;
	fail_at = 4; /* nft-apply, create, route (table 5747), rule */
	assert_int_not_equal(attach_add(&request, result), 0);
	assert_non_null(strstr(error_message(), "adding rule \"IPv4 priority 5747 fwmark "
						"0x57474e49/0xffffffff table 5747\""));
	assert_true(n_trace >= 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(trace[n_trace - 9 + i], undo[i]);
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), -ENOENT);
	cni_result_free(result);
}

/*
 * The kernel refuses the kill switch's batch (as one without the netdev
 * egress hook refuses the LAN leg's chain): ADD fails closed, naming the leg,
 * before any device exists, and leaves no record behind.
 */
static void add_chained_egress_refused(void **unused)
{
	struct cni_result *result = bridge_result();
	struct attachment rec;

	init_conf();
	lan_exists = true;
	fail_at = 1; /* nft-apply */
	fail_err = -EOPNOTSUPP; /* an unknown hook */
	assert_int_not_equal(attach_add(&request, result), 0);
	fail_err = -EIO;
	assert_non_null(strstr(error_message(), "with the egress chain of LAN leg eth0"));
	for (size_t i = 0; i < n_trace; i++)
		assert_string_not_equal(trace[i], "create");
	/* The refused transaction changed nothing: nothing to undo in the namespace. */
	assert_string_equal(trace[n_trace - 1], "nft-apply");
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), -ENOENT);
	cni_result_free(result);
}

/*
 * netavark beside: the kill switch's batch has an egress chain for each leg
 * podman may add (eth1..eth7 beside the tunnel eth0; this namespace has only
 * lo), and the record names them for CHECK. A kernel without the egress hook
 * fails ADD before any device exists; one before 6.16, which refuses a chain
 * on a device not there (ENOENT), gets the present legs' only (none here).
 */
static void add_beside_egress(void **unused)
{
	struct attach_request req = request;
	struct cni_result *result = cni_result_new();
	struct attachment rec;

	init_conf();
	req.beside = true;
	fail_at = 1;
	fail_err = -EOPNOTSUPP;
	assert_int_not_equal(attach_add(&req, result), 0);
	assert_int_equal(netdev_chains, 7);
	assert_non_null(strstr(error_message(), "with the egress chain of LAN leg eth1 and the "
					       "other legs"));
	for (size_t i = 0; i < n_trace; i++)
		assert_string_not_equal(trace[i], "create");
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), -ENOENT);

	error_clear();
	fail_at = 0;
	assert_int_equal(attach_add(&req, result), 0);
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), 0);
	assert_int_equal(rec.n_egress_legs, 7);
	assert_string_equal(rec.egress_legs[0], "eth1");
	assert_string_equal(rec.egress_legs[6], "eth7");
	state_key_release(&rec);
	assert_int_equal(state_remove(&rec), 0);

	cni_result_free(result);
	result = cni_result_new();
	changes = 0;
	device_exists = false;
	fail_at = 1;
	fail_err = -ENOENT;
	if (attach_add(&req, result) != 0)
		fail_msg("%s", error_message());
	fail_err = -EIO;
	assert_int_equal(netdev_chains, 0);
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), 0);
	assert_int_equal(rec.n_egress_legs, 0);
	cni_result_free(result);
}

static size_t count_in_trace(const char *what);

/*
 * beside, a refusal of the container's interfaces: with a helper started
 * early (userspace), which is stopped, and nothing else done or recorded.
 */
static void assert_beside_refused(int err, enum cni_code code, const char *message)
{
	struct attach_request req = request;
	struct cni_result *result = cni_result_new();
	struct attachment rec;

	req.beside = true;
	selected_ops = &fake_started_ops;
	fail_at = 0;
	n_trace = 0;
	assert_int_equal(attach_add(&req, result), err);
	assert_int_equal(error_code(), code);
	if (!strstr(error_message(), message))
		fail_msg("\"%s\" does not say \"%s\"", error_message(), message);
	assert_int_equal(count_in_trace("getlink-dump"), 1);
	assert_int_equal(count_in_trace("cancel"), 1);
	assert_int_equal(changes, 0);
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), -ENOENT);
	cni_result_free(result);
	error_clear();
}

/* The same request succeeds: the control of a refusal. Returns the recorded legs. */
static void assert_beside_accepted(struct attachment *rec)
{
	struct attach_request req = request;
	struct cni_result *result = cni_result_new();

	req.beside = true;
	fail_at = 0;
	if (attach_add(&req, result) != 0)
		fail_msg("%s", error_message());
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", rec), 0);
	state_key_release(rec);
	assert_int_equal(state_remove(rec), 0);
	device_exists = false;
	cni_result_free(result);
}

/* The record lists the legs separated by commas: a leg with one in its name is refused. */
static void add_beside_leg_name_refused(void **unused)
{
	struct attachment rec;

	init_conf();
	dump_names[1] = "wb,1";
	n_dump_names = 2;
	assert_beside_refused(-EINVAL, CNI_ERR_INVALID_ENV, "interface \"wb,1\" in the container: "
			      "a name the kill switch cannot record an egress chain for");

	setup(NULL);
	dump_names[1] = "wb1";
	n_dump_names = 2;
	assert_beside_accepted(&rec);
	assert_int_equal(rec.n_egress_legs, 8); /* wb1, then eth1..eth7 */
	assert_string_equal(rec.egress_legs[0], "wb1");
	assert_string_equal(rec.egress_legs[1], "eth1");
}

/* 16 legs beside the tunnel fill the record (no room for eth1..eth7); a 17th is refused. */
static void add_beside_too_many_legs(void **unused)
{
	static char names[17][IFNAMSIZ];
	struct attachment rec;

	init_conf();
	for (size_t i = 0; i < 17; i++) {
		snprintf(names[i], sizeof(names[i]), "leg%zu", i);
		dump_names[i + 1] = names[i];
	}
	n_dump_names = 18;
	assert_beside_refused(-E2BIG, CNI_ERR_INVALID_ENV, "more than 16 interfaces beside the "
			      "tunnel in the container: no egress chain for leg16");

	setup(NULL);
	for (size_t i = 0; i < 16; i++)
		dump_names[i + 1] = names[i];
	n_dump_names = 17;
	assert_beside_accepted(&rec);
	assert_int_equal(rec.n_egress_legs, 16);
	assert_string_equal(rec.egress_legs[0], "leg0");
	assert_string_equal(rec.egress_legs[15], "leg15");
}

/* A dump the kernel ends with an error after some devices: ADD fails on it, even with the
 * devices seen so far all acceptable. */
static void add_beside_dump_fails(void **unused)
{
	init_conf();
	dump_names[1] = "wb1";
	dump_names[2] = "wb2";
	n_dump_names = 3;
	dump_fail_after = 2;
	assert_beside_refused(-ENOBUFS, CNI_ERR_IO, "listing the container's interfaces: "
			      "No buffer space available");
}

/* socketNamespace "container" without a previous plugin: refused before any change. */
static void add_socket_in_container_needs_chain(void **unused)
{
	struct cni_result *result = cni_result_new();

	init_conf();
	fail_at = 0;
	conf.socket_namespace = SOCKET_NS_CONTAINER;
	assert_int_equal(attach_add(&request, result), -EINVAL);
	conf.socket_namespace = SOCKET_NS_HOST;
	assert_int_equal(error_code(), CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(error_message(), "socketNamespace: \"container\" needs a previous"));
	assert_int_equal(n_trace, 0);
	cni_result_free(result);
}

/* A refused key claim changes nothing in the kernel. */
static void add_refuses_key_in_use(void **unused)
{
	struct attach_request other = request;
	struct cni_result *a = cni_result_new(), *b = cni_result_new();

	init_conf();
	fail_at = 0;
	assert_int_equal(attach_add(&request, a), 0);
	other.container_id = "beef";
	n_trace = 0;
	device_exists = false; /* another container's namespace */
	assert_int_equal(attach_add(&other, b), -EBUSY);
	assert_non_null(strstr(error_message(), "in use by container c0ffee"));
	assert_int_equal(n_trace, 1); /* only the ifname lookup */
	cni_result_free(a);
	cni_result_free(b);
}

static size_t count_in_trace(const char *what)
{
	size_t n = 0;

	for (size_t i = 0; i < n_trace; i++)
		n += strcmp(trace[i], what) == 0;
	return n;
}

/*
 * A backend started early (userspace: wireguard-go) is started first, named
 * in the one record write, and stopped on every failure before its device
 * exists: exactly once, and never when the device exists (destroy's job) or
 * when create failed (create stopped it).
 */
static void add_cancels_an_early_start(void **unused)
{
	struct cni_result *result;
	struct attachment rec;

	init_conf();
	for (fail_at = 0; fail_at <= 3; fail_at++) {
		setup(NULL);
		selected_ops = &fake_started_ops;
		result = cni_result_new();
		if (fail_at == 0) {
			assert_int_equal(attach_add(&request, result), 0);
			assert_string_equal(trace[0], "start");
			assert_int_equal(count_in_trace("cancel"), 0);
			assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), 0);
			assert_int_equal(rec.helper_pid, 4242);
			assert_int_equal(rec.helper_start_time, 99);
			assert_string_equal(rec.host_ifname, "wgc000000000001");
		} else {
			assert_int_not_equal(attach_add(&request, result), 0);
			assert_string_equal(trace[0], "start");
			/* 1: the kill switch failed: cancel; 2: create failed; 3: the device exists. */
			assert_int_equal(count_in_trace("cancel"), fail_at == 1);
			assert_int_equal(count_in_trace("destroy"), fail_at == 3);
			assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), -ENOENT);
		}
		cni_result_free(result);
		teardown(NULL);
	}
	/* The name is taken in the container: refused after the start, which is undone. */
	setup(NULL);
	selected_ops = &fake_started_ops;
	device_exists = true;
	fail_at = 0;
	result = cni_result_new();
	assert_int_equal(attach_add(&request, result), -EEXIST);
	assert_int_equal(count_in_trace("start"), 1);
	assert_int_equal(count_in_trace("cancel"), 1);
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), -ENOENT);
	cni_result_free(result);
}

/* netavark's port_mappings: what the record can hold is accepted and kept, one more refused first. */
static void add_published_capped(void **unused)
{
	static struct port_range ports[STATE_MAX_PUBLISHED + 1];
	struct attach_request req = request;
	struct cni_result *result = cni_result_new();
	struct attachment rec;

	init_conf();
	fail_at = 0;
	for (size_t i = 0; i <= STATE_MAX_PUBLISHED; i++)
		ports[i] = (struct port_range){ .first = (uint16_t)(1000 + i),
						.last = (uint16_t)(1000 + i), .protocol = 6 };
	req.beside = true;
	req.published = ports;
	req.n_published = STATE_MAX_PUBLISHED + 1;
	assert_int_equal(attach_add(&req, result), -EINVAL);
	assert_int_equal(error_code(), CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(error_message(), "port_mappings: 33 published port ranges"));
	assert_non_null(strstr(error_message(), "more than the 32 an attachment can record"));
	assert_int_equal(n_trace, 0);
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), -ENOENT);

	error_clear();
	req.n_published = STATE_MAX_PUBLISHED;
	assert_int_equal(attach_add(&req, result), 0);
	assert_int_equal(state_load("wgtest", "c0ffee", "eth0", &rec), 0);
	assert_true(rec.published_recorded);
	assert_int_equal(rec.n_published, STATE_MAX_PUBLISHED);
	assert_memory_equal(rec.published, ports, sizeof(rec.published));
	cni_result_free(result);
}

int main(void)
{
	/* ADD writes sysctls in "the container": keep them off the machine's namespace. */
	if (unshare(CLONE_NEWNET) < 0) {
		perror("test-attach: unshare(CLONE_NEWNET) needs root");
		return 1;
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(add_orders_kill_switch_first, setup, teardown),
		cmocka_unit_test_setup_teardown(add_rolls_back_each_step, setup, teardown),
		cmocka_unit_test_setup_teardown(add_refuses_key_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(add_chained, setup, teardown),
		cmocka_unit_test_setup_teardown(add_chained_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(add_chained_egress_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(add_socket_in_container_needs_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(add_cancels_an_early_start, setup, teardown),
		cmocka_unit_test_setup_teardown(add_published_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(add_beside_egress, setup, teardown),
		cmocka_unit_test_setup_teardown(add_beside_leg_name_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(add_beside_too_many_legs, setup, teardown),
		cmocka_unit_test_setup_teardown(add_beside_dump_fails, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
