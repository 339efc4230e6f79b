/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DEL and GC: undo an attachment from its record. Best effort and
 * idempotent: the namespace, the device, the helper or the record may
 * already be gone, and DEL may come without any ADD before it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "cleanup.h"
#include "error.h"
#include "link.h"
#include "log.h"
#include "modes.h"
#include "nft.h"
#include "sockets.h"

/* What lives only in the container's routing: gone with the namespace, else removed here. */
static int teardown_routing(const struct attachment *rec, struct attach_ctx *ctx,
			    const struct netconf *conf)
{
	int first = 0;
	int r;

	if (!ctx->ctr_rtnl)
		return 0;
	if (rec->chained) {
		r = lan_routing_del(ctx, conf, rec->ifname);
		if (r < 0)
			first = r;
	}
	if (rec->socket_in_container) {
		r = fwmark_rules_del(ctx);
		if (r < 0 && !first)
			first = r;
	}
	if (rec->beside) {
		r = beside_routing_del(ctx);
		if (r < 0 && !first)
			first = r;
	}
	if (first < 0)
		log_msg("removing the policy routing of %s: %s", rec->container_id, strerror(-first));
	return first;
}

int attach_teardown(const struct attachment *rec, struct attach_ctx *ctx,
		    const struct netconf *conf)
{
	const char *tunnel = attach_tunnel_ifname(rec);
	struct wgdev dev;
	int first = teardown_routing(rec, ctx, conf);
	int r;

	attach_wgdev_from_record(&dev, rec, ctx);
	r = dev.ops->destroy(&dev);
	if (r < 0) {
		log_msg("removing the %s device of %s: %s", dev.ops->name, rec->container_id,
			strerror(-r));
		first = first ? first : r;
	}
	/* Userspace: the TUN would go with its helper, but not before a re-ADD may want the name.
	 * Kernel: destroy deleted the tunnel by this name already. */
	if (ctx->ctr_rtnl && !(r == 0 && rec->backend == BACKEND_KERNEL)) {
		r = link_delete(ctx->ctr_rtnl, tunnel);
		if (r < 0 && r != -ENODEV) {
			log_msg("deleting %s of %s: %s", tunnel, rec->container_id, strerror(-r));
			first = first ? first : r;
		}
	}
	if (ctx->ctr_nft && rec->kill_switch) {
		r = nft_killswitch_remove(ctx->ctr_nft, tunnel);
		if (r < 0) {
			log_msg("removing the kill switch of %s: %s", rec->container_id, strerror(-r));
			first = first ? first : r;
		}
	}
	state_key_release(rec);
	r = state_remove(rec);
	if (r < 0 && r != -ENOENT)
		first = first ? first : r;
	return first;
}

/*
 * Torn down under the state lock, so that a peer change being applied
 * (attach_reconfigure) finishes with this attachment before it goes, or
 * never sees it. The record is read again under the lock: another DEL or a
 * GC may have removed it meanwhile.
 */
int attach_del(const struct attach_request *req)
{
	_cleanup_close_ int lock = -1;
	struct attachment rec;
	struct attach_ctx ctx;
	int r;

	r = state_load(req->conf->name, req->container_id, req->ifname, &rec);
	if (r == 0) {
		lock = state_lock();
		if (lock < 0)
			return error_report(lock, CNI_ERR_IO, "locking " STATE_DIR);
		r = state_load(req->conf->name, req->container_id, req->ifname, &rec);
	}
	if (r == -ENOENT)
		return 0; /* nothing recorded, so nothing of ours exists */
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "reading the record of %s/%s", req->container_id,
				    req->ifname);

	/* Only the runtime's path is trusted: a recorded /proc/PID path may name another process now. */
	r = attach_ctx_open(&ctx, req->netns_path, rec.backend, true);
	if (r < 0) {
		log_msg("container namespace %s: continuing with host-side cleanup only",
			req->netns_path);
		attach_ctx_close(&ctx);
		error_clear();
		r = attach_ctx_open(&ctx, "", rec.backend, true);
		if (r < 0)
			return r;
	}
	r = attach_teardown(&rec, &ctx, req->conf);
	attach_ctx_close(&ctx);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "removing the attachment of %s", req->container_id);
	return 0;
}

/* Only bind-mounted namespace paths are stable enough to reopen from a record. */
static const char *stable_netns(const struct attachment *rec)
{
	static const char *const prefixes[] = { "/run/netns/", "/var/run/netns/", "/run/user/" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(rec->netns, prefixes[i], strlen(prefixes[i])) == 0)
			return rec->netns;
	return "";
}

int attach_gc(const struct netconf *conf, bool (*keep)(const struct attachment *a, void *data),
	      void *data)
{
	const char *network = conf->name;
	struct attachment *recs = NULL;
	_cleanup_close_ int lock = state_lock();
	size_t n = 0;
	int first = 0;
	int r;

	/* Under the state lock, as DEL. */
	if (lock < 0)
		return error_report(lock, CNI_ERR_IO, "locking " STATE_DIR);
	r = state_list(network, &recs, &n);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "listing attachments of %s", network);
	for (size_t i = 0; i < n; i++) {
		struct attach_ctx ctx;

		if (keep(&recs[i], data))
			continue;
		log_msg("GC: removing stale attachment %s/%s", recs[i].container_id, recs[i].ifname);
		r = attach_ctx_open(&ctx, stable_netns(&recs[i]), recs[i].backend, true);
		if (r == 0)
			r = attach_teardown(&recs[i], &ctx, conf);
		attach_ctx_close(&ctx);
		if (r < 0 && !first)
			first = r;
	}
	free(recs);
	if (first < 0)
		return error_report(first, CNI_ERR_IO, "removing stale attachments of %s", network);
	return 0;
}
