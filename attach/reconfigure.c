/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reconfigure: a peer was added to or removed from a network; every live
 * attachment gets the new peer list through its backend's configure, which
 * replaces the whole list, so the device ends exactly as an ADD would make it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "cleanup.h"
#include "error.h"
#include "key.h"
#include "link.h"
#include "peers.h"
#include "reconfigure.h"
#include "route.h"
#include "sockets.h"
#include "wgquick.h"

struct reconf_job {
	struct netconf *conf;
	const struct attachment *rec;
	struct attach_ctx ctx;
	struct wgdev_config cfg;
	struct wgdev_peer *peers;
};

static int load_keys(struct reconf_job *job)
{
	const struct netconf *conf = job->conf;
	uint8_t pub[WG_KEY_LEN];
	int r;

	r = wgquick_private_key(conf, job->cfg.private_key);
	if (r < 0)
		return r;
	key_public(job->cfg.private_key, pub);
	/* The network's key changed since ADD: this device is not the network's any more. */
	if (memcmp(pub, job->rec->public_key, WG_KEY_LEN) != 0)
		return error_report(-ESTALE, CNI_ERR_INVALID_CONFIG,
				    "container %s: the private key of %s is not the one it was "
				    "attached with", job->rec->container_id, conf->name);
	job->peers = calloc(conf->n_peers ? conf->n_peers : 1, sizeof(*job->peers));
	if (!job->peers)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "allocating peers");
	for (size_t i = 0; i < conf->n_peers; i++) {
		job->peers[i].conf = &conf->peers[i];
		if (conf->peers[i].has_preshared_key) {
			memcpy(job->peers[i].psk, conf->peers[i].preshared_key, WG_KEY_LEN);
			job->peers[i].has_psk = true;
			continue;
		}
		if (!conf->peers[i].preshared_key_file)
			continue;
		r = key_read_file(conf->peers[i].preshared_key_file, "presharedKeyFile",
				  job->peers[i].psk);
		if (r < 0)
			return r;
		job->peers[i].has_psk = true;
	}
	job->cfg.peers = job->peers;
	job->cfg.n_peers = conf->n_peers;
	job->cfg.listen_port = conf->listen_port;
	job->cfg.fwmark = conf->fwmark;
	return 0;
}

static bool wanted(const struct netconf *conf, const struct cidr *c)
{
	for (size_t p = 0; p < conf->n_peers; p++)
		for (size_t i = 0; i < conf->peers[p].n_allowed_ips; i++)
			if (cidr_equal(&conf->peers[p].allowed_ips[i], c))
				return true;
	return false;
}

static int update_routes(struct reconf_job *job, const struct cidr *stale, size_t n_stale)
{
	const struct netconf *conf = job->conf;
	struct link_info info;
	char text[64];
	int r = link_get(job->ctx.ctr_rtnl, job->rec->ifname, &info);

	if (r < 0)
		return error_report(r, CNI_ERR_IO, "container %s: looking up %s",
				    job->rec->container_id, job->rec->ifname);
	for (size_t p = 0; p < conf->n_peers; p++)
		for (size_t i = 0; i < conf->peers[p].n_allowed_ips; i++) {
			r = route_add(job->ctx.ctr_rtnl, info.index, &conf->peers[p].allowed_ips[i],
				      254);
			if (r < 0 && r != -EEXIST) {
				cidr_format(&conf->peers[p].allowed_ips[i], text, sizeof(text));
				return error_report(r, CNI_ERR_IO, "container %s: adding route %s",
						    job->rec->container_id, text);
			}
		}
	for (size_t i = 0; i < n_stale; i++) {
		if (wanted(conf, &stale[i]))
			continue;
		r = route_del(job->ctx.ctr_rtnl, info.index, &stale[i], 254);
		if (r < 0 && r != -ESRCH && r != -ENOENT) {
			cidr_format(&stale[i], text, sizeof(text));
			return error_report(r, CNI_ERR_IO, "container %s: deleting route %s",
					    job->rec->container_id, text);
		}
	}
	return 0;
}

static int reconfigure_one(struct netconf *conf, const struct attachment *rec,
			   const struct cidr *stale, size_t n_stale)
{
	struct reconf_job job = { .conf = conf, .rec = rec, .ctx = { .netns_fd = -1 } };
	struct wgdev dev;
	int r;

	r = load_keys(&job);
	if (r == 0)
		r = attach_ctx_open(&job.ctx, rec->netns, rec->backend, true);
	/* A record whose namespace is gone waits for DEL or GC: nothing live to change. */
	if (r == 0 && job.ctx.netns_fd < 0)
		r = 1;
	if (r == 0) {
		attach_wgdev_from_record(&dev, rec, &job.ctx);
		r = dev.ops->configure(&dev, &job.cfg);
	}
	if (r == 0)
		r = update_routes(&job, stale, n_stale);
	if (job.peers)
		key_wipe(job.peers, (conf->n_peers ? conf->n_peers : 1) * sizeof(*job.peers));
	free(job.peers);
	key_wipe(&job.cfg, sizeof(job.cfg));
	attach_ctx_close(&job.ctx);
	return r;
}

/*
 * Under the state lock, as DEL and GC: a DEL cannot tear an attachment down
 * between the listing and its configure (the device, helper or namespace
 * vanishing under it); it waits, or ran before and left no record. ADD holds
 * the lock only while recording, and catches up with a change it merged too
 * early by itself, at its end (attach_reconfigure_added below).
 */
int attach_reconfigure(struct netconf *conf, const struct cidr *stale, size_t n_stale)
{
	_cleanup_free_ struct attachment *recs = NULL;
	_cleanup_close_ int lock = state_lock();
	size_t n = 0;
	int r, first = 0, done = 0;

	if (lock < 0)
		return error_report(lock, CNI_ERR_IO, "locking " STATE_DIR);
	r = state_list(conf->name, &recs, &n);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "listing the attachments of %s", conf->name);
	if (n == 0)
		return 0;
	/* Another change stored since conf was merged: apply the newest, never an older one. */
	r = peers_changed(conf);
	if (r > 0)
		r = peers_remerge(conf);
	if (r < 0)
		return r;
	r = endpoint_resolve(conf);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = reconfigure_one(conf, &recs[i], stale, n_stale);
		if (r < 0 && !first)
			first = r;
		else if (r == 0)
			done++;
	}
	return first ? first : done;
}

/*
 * ADD's last step, under the lock: a peer change that stored after ADD merged
 * may have listed the records before this one, or configured a device ADD then
 * configured again with the peers it had merged. Its stamp tells; the device
 * then gets the store's peers as every other attachment got them.
 */
int attach_reconfigure_added(struct netconf *conf, const struct attachment *rec)
{
	_cleanup_close_ int lock = -1;
	_cleanup_free_ struct cidr *stale = NULL;
	size_t n_stale = 0;
	int r = peers_changed(conf);

	if (r <= 0)
		return r;
	lock = state_lock();
	if (lock < 0)
		return error_report(lock, CNI_ERR_IO, "locking " STATE_DIR);
	r = peers_changed(conf);
	if (r <= 0)
		return r;
	for (size_t p = conf->merged.first; p < conf->n_peers; p++)
		n_stale += conf->peers[p].n_allowed_ips;
	stale = calloc(n_stale ? n_stale : 1, sizeof(*stale));
	if (!stale)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "listing the merged peers");
	n_stale = 0;
	for (size_t p = conf->merged.first; p < conf->n_peers; p++)
		for (size_t i = 0; i < conf->peers[p].n_allowed_ips; i++)
			stale[n_stale++] = conf->peers[p].allowed_ips[i];
	r = peers_remerge(conf);
	if (r == 0)
		r = reconfigure_one(conf, rec, stale, n_stale);
	/* ADD's own namespace gone under it: not a device to leave as it is. */
	return r == 1 ? error_report(-ENOENT, CNI_ERR_IO, "container %s: its namespace %s is gone",
				     rec->container_id, rec->netns) : r;
}
