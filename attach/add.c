/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ADD: the kill switch first, then the device, addresses, link up and
 * routes. The record is written before the first change so that a DEL can
 * always find what a crashed or failed ADD left; every failure after the
 * first change undoes what was done, in reverse order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "cleanup.h"
#include "error.h"
#include "key.h"
#include "link.h"
#include "log.h"
#include "modes.h"
#include "nft.h"
#include "reconfigure.h"
#include "route.h"
#include "wgquick.h"
#include "sockets.h"

/* How far ADD got; rollback undoes from here down. */
enum progress {
	NOTHING,
	RECORDED,    /* record written, key claimed */
	KILL_SWITCH, /* table installed in the container */
	DEVICE,      /* device exists in the container (and helper runs) */
};

struct add_job {
	const struct attach_request *req;
	struct attachment rec;
	struct attach_ctx ctx;
	struct wgdev dev;
	struct wgdev_config cfg;
	struct wgdev_peer *peers;
	struct modes modes;
	enum progress done;
};

static void job_wipe(struct add_job *job)
{
	if (job->peers)
		key_wipe(job->peers, job->cfg.n_peers * sizeof(*job->peers));
	free(job->peers);
	key_wipe(&job->cfg, sizeof(job->cfg));
	attach_ctx_close(&job->ctx);
}

static int load_keys(struct add_job *job)
{
	const struct netconf *conf = job->req->conf;
	int r;

	r = wgquick_private_key(conf, job->cfg.private_key);
	if (r < 0)
		return r;
	key_public(job->cfg.private_key, job->rec.public_key);

	job->peers = calloc(conf->n_peers, sizeof(*job->peers));
	if (!job->peers)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "allocating peers");
	for (size_t i = 0; i < conf->n_peers; i++) {
		char field[64];

		job->peers[i].conf = &conf->peers[i];
		if (conf->peers[i].has_preshared_key) {
			memcpy(job->peers[i].psk, conf->peers[i].preshared_key, WG_KEY_LEN);
			job->peers[i].has_psk = true;
			continue;
		}
		if (!conf->peers[i].preshared_key_file)
			continue;
		snprintf(field, sizeof(field), "peers[%zu].presharedKeyFile", i);
		r = key_read_file(conf->peers[i].preshared_key_file, field, job->peers[i].psk);
		if (r < 0)
			return r;
		job->peers[i].has_psk = true;
	}
	job->cfg.peers = job->peers;
	job->cfg.n_peers = conf->n_peers;
	job->cfg.listen_port = conf->listen_port;
	job->cfg.fwmark = fwmark_device_mark(&job->modes, conf);
	return 0;
}

/* Claim the key and write the record under the lock, so two ADDs cannot share a key. */
static int record(struct add_job *job)
{
	_cleanup_close_ int lock = state_lock();
	char holder[256] = "";
	int r;

	if (lock < 0)
		return error_report(lock, CNI_ERR_IO, "locking " STATE_DIR);
	r = state_key_claim(&job->rec, holder, sizeof(holder));
	if (r == -EBUSY && !job->req->conf->private_key_file)
		return error_report(r, CNI_ERR_INVALID_CONFIG,
				    "wgQuickConfig %s: the key is in use by container %s",
				    job->req->conf->wg_quick_config, holder);
	if (r == -EBUSY)
		return error_report(r, CNI_ERR_INVALID_CONFIG,
				    "privateKeyFile %s: the key is in use by container %s",
				    job->req->conf->private_key_file, holder);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "claiming the private key");
	r = state_save(&job->rec);
	if (r < 0) {
		state_key_release(&job->rec);
		return error_report(r, CNI_ERR_IO, "recording the attachment");
	}
	return 0;
}

static int ifname_is_free(struct add_job *job)
{
	const char *tunnel = job->modes.tunnel;
	struct link_info info;
	int r = link_get(job->ctx.ctr_rtnl, tunnel, &info);

	if (r == 0)
		return error_report(-EEXIST, CNI_ERR_INVALID_ENV, "%s: %s already exists in %s",
				    job->modes.chained ? "tunnelInterface" : "CNI_IFNAME", tunnel,
				    job->req->netns_path);
	return r == -ENODEV ? 0 : error_report(r, CNI_ERR_IO, "looking up %s in %s",
					       tunnel, job->req->netns_path);
}

static int add_addresses_and_routes(struct add_job *job, int ifindex)
{
	const struct netconf *conf = job->req->conf;
	char text[64];
	int r;

	for (size_t i = 0; i < conf->n_addresses; i++) {
		r = addr_add(job->ctx.ctr_rtnl, ifindex, &conf->addresses[i]);
		if (r < 0) {
			cidr_format(&conf->addresses[i], text, sizeof(text));
			return error_report(r, CNI_ERR_IO, "adding address %s to %s", text,
					    job->modes.tunnel);
		}
	}
	r = job->dev.ipv6_ll_off ? 0 : link_set_no_ipv6_ll(job->ctx.ctr_rtnl, ifindex);
	if (r < 0)
		return r;
	r = link_set_up(job->ctx.ctr_rtnl, ifindex);
	if (r < 0)
		return r;
	for (size_t p = 0; p < conf->n_peers; p++) {
		for (size_t i = 0; i < conf->peers[p].n_allowed_ips; i++) {
			const struct cidr *dst = &conf->peers[p].allowed_ips[i];

			r = route_add(job->ctx.ctr_rtnl, ifindex, dst,
				      fwmark_route_table(&job->modes, dst));
			/* Two peers may share a prefix: one route serves both. */
			if (r < 0 && r != -EEXIST) {
				cidr_format(dst, text, sizeof(text));
				return error_report(r, CNI_ERR_IO, "adding route %s via %s", text,
						    job->modes.tunnel);
			}
		}
	}
	return 0;
}

static int build(struct add_job *job)
{
	const struct netconf *conf = job->req->conf;
	struct link_info info;
	int r;

	r = record(job);
	if (r < 0)
		return r;
	job->done = RECORDED;

	if (conf->kill_switch) {
		struct killswitch ks;

		modes_killswitch(&job->modes, conf, &ks);
		r = job->modes.beside ? beside_killswitch_apply(&job->ctx, &job->modes, conf) :
					nft_killswitch_apply(job->ctx.ctr_nft, &ks);
		if (r < 0)
			return error_report(r, CNI_ERR_IO, "installing the kill switch in %s",
					    job->req->netns_path);
		job->done = KILL_SWITCH;
		/* A kernel before 6.16 took fewer legs than recorded. */
		if (job->rec.n_egress_legs != job->modes.n_egress_legs) {
			job->rec.n_egress_legs = job->modes.n_egress_legs;
			r = state_save(&job->rec);
			if (r < 0)
				return error_report(r, CNI_ERR_IO, "recording the attachment");
		}
	}

	r = job->dev.ops->create(&job->dev, &job->cfg, conf->mtu);
	if (r < 0)
		return r;
	job->done = DEVICE;
	/* A helper started early is in the record already. */
	if (strcmp(job->rec.host_ifname, job->dev.host_ifname) != 0 ||
	    job->rec.helper_pid != job->dev.helper_pid) {
		snprintf(job->rec.host_ifname, sizeof(job->rec.host_ifname), "%s",
			 job->dev.host_ifname);
		job->rec.helper_pid = job->dev.helper_pid;
		job->rec.helper_start_time = job->dev.helper_start_time;
		r = state_save(&job->rec);
		if (r < 0)
			return error_report(r, CNI_ERR_IO, "recording the attachment");
	}

	info.index = job->dev.ifindex;
	r = info.index > 0 ? 0 : link_get(job->ctx.ctr_rtnl, job->modes.tunnel, &info);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "looking up %s after creating it",
				    job->modes.tunnel);
	/* First: the LAN leg's default routes would keep the tunnel's from being added. */
	if (job->modes.chained)
		r = lan_routing_add(&job->ctx, conf, &job->modes.lan,
				    job->modes.socket_in_container);
	if (r == 0 && job->modes.beside)
		r = beside_routing_add(&job->ctx, conf);
	if (r == 0)
		r = add_addresses_and_routes(job, info.index);
	if (r == 0 && job->modes.socket_in_container)
		r = fwmark_rules_add(&job->ctx, conf);
	/* A peer change stored since the merge may have missed this device (reconfigure.h). */
	if (r == 0)
		r = attach_reconfigure_added(job->req->conf, &job->rec);
	return r;
}

/* Undo, newest first. Errors here are logged, never reported over the original one. */
static void rollback(struct add_job *job)
{
	int r;

	/* A helper started early but no device made of it yet. */
	if (job->done < DEVICE && job->dev.ops && job->dev.ops->cancel && job->dev.helper_pid > 0)
		job->dev.ops->cancel(&job->dev);
	switch (job->done) {
	case DEVICE:
		/* The policy rules; routes go with their devices, and LAN defaults stay gone. */
		if (job->modes.chained)
			lan_routing_del(&job->ctx, job->req->conf, job->modes.lan.ifname);
		if (job->modes.socket_in_container)
			fwmark_rules_del(&job->ctx);
		if (job->modes.beside)
			beside_routing_del(&job->ctx);
		r = job->dev.ops->destroy(&job->dev);
		if (r < 0)
			log_msg("rollback: removing the device: %s", strerror(-r));
		r = link_delete(job->ctx.ctr_rtnl, job->modes.tunnel);
		if (r < 0 && r != -ENODEV)
			log_msg("rollback: deleting %s: %s", job->modes.tunnel, strerror(-r));
		/* fall through */
	case KILL_SWITCH:
		r = nft_killswitch_remove(job->ctx.ctr_nft, job->modes.tunnel);
		if (r < 0)
			log_msg("rollback: removing the kill switch: %s", strerror(-r));
		/* fall through */
	case RECORDED: {
		_cleanup_close_ int lock = state_lock();

		state_key_release(&job->rec);
		state_remove(&job->rec);
	}
		/* fall through */
	case NOTHING:
		break;
	}
}

static int fill_result(const struct add_job *job, struct cni_result *result)
{
	const struct netconf *conf = job->req->conf;
	struct cni_iface iface = { .mtu = conf->mtu, .sandbox = (char *)job->req->netns_path };
	int index;

	snprintf(iface.name, sizeof(iface.name), "%s", job->modes.tunnel);
	if (job->modes.chained)
		lan_result_drop_defaults(result);
	/* A WireGuard device has no MAC; podman rejects a result without a parseable one. */
	snprintf(iface.mac, sizeof(iface.mac), "00:00:00:00:00:00");
	index = cni_result_add_interface(result, &iface);
	if (index < 0)
		return index;
	for (size_t i = 0; i < conf->n_addresses; i++) {
		struct cni_ip ip = { .address = conf->addresses[i], .interface = index };

		if (cni_result_add_ip(result, &ip) < 0)
			return -ENOMEM;
	}
	for (size_t p = 0; p < conf->n_peers; p++)
		for (size_t i = 0; i < conf->peers[p].n_allowed_ips; i++) {
			struct cni_route rt = { .dst = conf->peers[p].allowed_ips[i] };

			if (cni_result_add_route(result, &rt) < 0)
				return -ENOMEM;
		}
	if (conf->has_dns && cni_result_set_dns(result, &conf->dns) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * userspace: wireguard-go starts now, so that its ~30 ms start overlaps the
 * rest of ADD (its TUN stays in this namespace until create moves it, after
 * the kill switch); the record names it from its first write.
 */
static int start_device(struct add_job *job)
{
	struct wgdev *dev = &job->dev;
	int r;

	if (!dev->ops->start)
		return 0;
	dev->netns_fd = job->ctx.netns_fd;
	dev->socket_in_container = job->modes.socket_in_container;
	r = dev->ops->start(dev);
	if (r < 0)
		return r;
	snprintf(job->rec.host_ifname, sizeof(job->rec.host_ifname), "%s", dev->host_ifname);
	job->rec.helper_pid = dev->helper_pid;
	job->rec.helper_start_time = dev->helper_start_time;
	return 0;
}

static int prepare(struct add_job *job, const struct cni_result *prev)
{
	const struct attach_request *req = job->req;
	const char *implementation = req->conf->userspace_implementation;
	const struct wgdev_ops *ops;
	int r;

	r = modes_prepare(&job->modes, req->conf, req->ifname, prev);
	if (r < 0)
		return r;
	/* The record keeps the published ports, for CHECK and `wgcni show` to rebuild the table. */
	if (req->n_published > STATE_MAX_PUBLISHED)
		return error_config("port_mappings: %zu published port ranges (one a protocol), more "
				    "than the %d an attachment can record", req->n_published,
				    STATE_MAX_PUBLISHED);
	job->modes.beside = req->beside;
	job->modes.published = req->published;
	job->modes.n_published = req->n_published;
	ops = wgdev_select(req->conf->backend, req->conf->userspace_implementation);
	if (!ops)
		return -ENOTSUP;
	if (ops->kind == BACKEND_USERSPACE)
		implementation = wgdev_userspace_find(req->conf->userspace_implementation);
	job->dev.ops = ops;
	job->dev.implementation = implementation;
	/* socketNamespace "container": started in the container, once it is open. */
	r = job->modes.socket_in_container ? 0 : start_device(job);
	if (r < 0)
		return r;
	r = endpoint_resolve(req->conf);
	if (r < 0)
		return r;
	r = load_keys(job);
	if (r < 0)
		return r;
	r = attach_ctx_open(&job->ctx, req->netns_path, ops->kind, false);
	if (r < 0)
		return r;
	if (job->modes.socket_in_container) {
		r = start_device(job);
		if (r < 0)
			return r;
	}
	if (job->modes.chained) {
		r = lan_read(&job->ctx, &job->modes.lan);
		if (r < 0)
			return r;
	}
	if (job->modes.beside && req->conf->kill_switch) {
		r = beside_egress_legs(&job->ctx, &job->modes);
		if (r < 0)
			return r;
	}
	r = ifname_is_free(job);
	if (r < 0)
		return r;

	snprintf(job->rec.network, sizeof(job->rec.network), "%s", req->conf->name);
	snprintf(job->rec.container_id, sizeof(job->rec.container_id), "%s", req->container_id);
	snprintf(job->rec.ifname, sizeof(job->rec.ifname), "%s", req->ifname);
	snprintf(job->rec.netns, sizeof(job->rec.netns), "%s", req->netns_path);
	job->rec.backend = ops->kind;
	job->rec.kill_switch = req->conf->kill_switch;
	if (job->modes.chained)
		snprintf(job->rec.tunnel_ifname, sizeof(job->rec.tunnel_ifname), "%s",
			 job->modes.tunnel);
	job->rec.chained = job->modes.chained;
	job->rec.socket_in_container = job->modes.socket_in_container;
	job->rec.beside = job->modes.beside;
	if (job->modes.n_published)
		memcpy(job->rec.published, job->modes.published,
		       job->modes.n_published * sizeof(job->rec.published[0]));
	job->rec.n_published = job->modes.n_published;
	memcpy(job->rec.egress_legs, job->modes.egress_legs, sizeof(job->rec.egress_legs));
	job->rec.n_egress_legs = job->modes.n_egress_legs;
	attach_wgdev_from_record(&job->dev, &job->rec, &job->ctx);
	job->dev.ops = ops;
	job->dev.implementation = implementation;
	return 0;
}

int attach_add(const struct attach_request *req, struct cni_result *result)
{
	struct add_job job = { .req = req, .ctx = { .netns_fd = -1 } };
	int r;

	/* Chained: what the runtime passed in is the previous plugin's result. */
	r = prepare(&job, result);
	if (r == 0)
		r = build(&job);
	if (r == 0)
		r = fill_result(&job, result);
	if (r < 0)
		rollback(&job);
	job_wipe(&job);
	return r;
}
