/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CHECK: compare what is in the kernel with what ADD made from this
 * configuration, and name the first thing that differs.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "attach.h"
#include "cleanup.h"
#include "error.h"
#include "key.h"
#include "link.h"
#include "modes.h"
#include "nft.h"
#include "route.h"
#include "sockets.h"
#include "wgquick.h"

#define differs(...) (error_report(0, WGCNI_ERR_DIFFERS, __VA_ARGS__), -EBADMSG)

static bool cidr_in(const struct cidr *c, const struct cidr *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cidr_equal(c, &list[i]))
			return true;
	return false;
}

static int check_link(const struct attach_request *req, struct attach_ctx *ctx, int *ifindex)
{
	struct link_info info;
	int r = link_get(ctx->ctr_rtnl, req->ifname, &info);

	if (r == -ENODEV)
		return differs("interface %s is missing from %s", req->ifname, req->netns_path);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "looking up %s", req->ifname);
	if (!(info.flags & IFF_UP))
		return differs("interface %s in %s is down", req->ifname, req->netns_path);
	if (info.mtu != req->conf->mtu)
		return differs("interface %s: mtu is %u, not %u",
				    req->ifname, info.mtu, req->conf->mtu);
	*ifindex = info.index;
	return 0;
}

static int check_addresses(const struct attach_request *req, struct attach_ctx *ctx, int ifindex)
{
	const struct netconf *conf = req->conf;
	_cleanup_free_ struct cidr *have = NULL;
	size_t n = 0;
	char text[64];
	int r = addr_list(ctx->ctr_rtnl, ifindex, &have, &n);

	if (r < 0)
		return error_report(r, CNI_ERR_IO, "listing addresses of %s", req->ifname);
	for (size_t i = 0; i < conf->n_addresses; i++)
		if (!cidr_in(&conf->addresses[i], have, n)) {
			cidr_format(&conf->addresses[i], text, sizeof(text));
			return differs("address %s is missing from %s", text, req->ifname);
		}
	for (size_t i = 0; i < n; i++)
		if (!cidr_in(&have[i], conf->addresses, conf->n_addresses)) {
			cidr_format(&have[i], text, sizeof(text));
			return differs("address %s on %s is not in the configuration", text,
				       req->ifname);
		}
	return 0;
}

static int check_routes(const struct attach_request *req, struct attach_ctx *ctx, int ifindex,
			const struct modes *m)
{
	const struct netconf *conf = req->conf;
	_cleanup_free_ struct cidr *have = NULL, *have_fwmark = NULL;
	size_t n = 0, n_fwmark = 0;
	char text[64];
	int r = route_list(ctx->ctr_rtnl, ifindex, RT_TABLE_MAIN, &have, &n);

	if (r == 0 && m->socket_in_container)
		r = route_list(ctx->ctr_rtnl, ifindex, WGCNI_FWMARK_TABLE, &have_fwmark, &n_fwmark);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "listing routes of %s", req->ifname);
	for (size_t p = 0; p < conf->n_peers; p++)
		for (size_t i = 0; i < conf->peers[p].n_allowed_ips; i++) {
			const struct cidr *want = &conf->peers[p].allowed_ips[i];
			uint32_t table = fwmark_route_table(m, want);
			bool found = table == RT_TABLE_MAIN ? cidr_in(want, have, n) :
							     cidr_in(want, have_fwmark, n_fwmark);

			if (!found) {
				cidr_format(want, text, sizeof(text));
				return differs("route %s via %s (table %u) is missing", text,
					       req->ifname, table);
			}
		}
	return 0;
}

static int check_peer(const struct peer_conf *want, const struct wgdev_peer_status *have,
		      size_t index)
{
	char text[64];

	for (size_t i = 0; i < want->n_allowed_ips; i++)
		if (!cidr_in(&want->allowed_ips[i], have->allowed_ips, have->n_allowed_ips)) {
			cidr_format(&want->allowed_ips[i], text, sizeof(text));
			return differs(
					    "peers[%zu]: allowed IP %s is missing", index, text);
		}
	if (have->n_allowed_ips != want->n_allowed_ips)
		return differs(
				    "peers[%zu]: %zu allowed IPs, configured %zu", index,
				    have->n_allowed_ips, want->n_allowed_ips);
	if (have->has_psk != (want->preshared_key_file != NULL || want->has_preshared_key))
		return differs("peers[%zu]: preshared key %s",
				    index, have->has_psk ? "set but not configured" : "missing");
	if (have->persistent_keepalive != want->persistent_keepalive)
		return differs(
				    "peers[%zu]: persistent keepalive %u, configured %u", index,
				    have->persistent_keepalive, want->persistent_keepalive);
	return 0;
}

static int check_device(const struct attach_request *req, const struct attachment *rec,
			struct attach_ctx *ctx)
{
	const struct netconf *conf = req->conf;
	struct wgdev_status st = { 0 };
	struct wgdev dev;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN + 1];
	int r;

	r = wgquick_private_key(conf, priv);
	if (r < 0)
		return r;
	key_public(priv, pub);
	key_wipe(priv, sizeof(priv));

	attach_wgdev_from_record(&dev, rec, ctx);
	r = dev.ops->get(&dev, &st);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "reading the WireGuard device %s", req->ifname);
	if (memcmp(st.public_key, pub, WG_KEY_LEN) != 0)
		r = differs(
				 "%s: the private key differs from privateKeyFile", req->ifname);
	else if (conf->listen_port && st.listen_port != conf->listen_port)
		r = differs("%s: listen port %u, configured %u",
				 req->ifname, st.listen_port, conf->listen_port);
	else if (st.n_peers != conf->n_peers)
		r = differs("%s: %zu peers, configured %zu",
				 req->ifname, st.n_peers, conf->n_peers);
	for (size_t i = 0; r == 0 && i < conf->n_peers; i++) {
		size_t j = 0;

		while (j < st.n_peers && memcmp(st.peers[j].public_key, conf->peers[i].public_key,
						WG_KEY_LEN) != 0)
			j++;
		if (j == st.n_peers) {
			key_to_base64(conf->peers[i].public_key, b64);
			r = differs("peers[%zu] %s is missing from %s",
					 i, b64, req->ifname);
		} else {
			r = check_peer(&conf->peers[i], &st.peers[j], i);
		}
	}
	wgdev_status_free(&st);
	return r;
}

/* The table the attachment should have, as ADD built it, against the one there. */
static int killswitch_check(struct nl_sock *ctr_nft, const struct netconf *conf,
			    const struct modes *m)
{
	struct killswitch ks;

	modes_killswitch(m, conf, &ks);
	return nft_killswitch_check(ctr_nft, &ks);
}

static int check_all(const struct attach_request *ctr_req, const struct attachment *rec,
		     struct attach_ctx *ctx)
{
	struct attach_request tunnel_req = *ctr_req;
	const struct attach_request *req = &tunnel_req;
	struct modes m;
	int ifindex = 0;
	int r;

	/* Chained, CNI_IFNAME is the LAN leg: what is checked below is the tunnel. */
	modes_from_record(&m, ctr_req->conf, rec);
	tunnel_req.ifname = m.tunnel;
	if (m.chained) {
		r = lan_read(ctx, &m.lan);
		if (r < 0)
			return r;
	}
	r = check_link(req, ctx, &ifindex);
	if (r == 0)
		r = check_addresses(req, ctx, ifindex);
	if (r == 0)
		r = check_routes(req, ctx, ifindex, &m);
	if (r == 0)
		r = check_device(req, rec, ctx);
	if (r == 0 && m.chained)
		r = lan_routing_check(ctx, req->conf, &m.lan, m.socket_in_container);
	if (r == 0 && m.socket_in_container)
		r = fwmark_rules_check(ctx, req->conf);
	if (r == 0 && req->conf->kill_switch)
		r = killswitch_check(ctx->ctr_nft, req->conf, &m);
	return r;
}

int attach_killswitch_check(struct nl_sock *ctr_rtnl, struct nl_sock *ctr_nft,
			    const struct netconf *conf, const struct attachment *rec)
{
	struct attach_ctx ctx = { .netns_fd = -1, .ctr_rtnl = ctr_rtnl, .ctr_nft = ctr_nft };
	struct modes m;
	int r;

	modes_from_record(&m, conf, rec);
	r = m.chained ? lan_read(&ctx, &m.lan) : 0;
	return r ?: killswitch_check(ctr_nft, conf, &m);
}

int attach_check(const struct attach_request *req)
{
	struct attachment rec;
	struct attach_ctx ctx;
	int r;

	r = state_load(req->conf->name, req->container_id, req->ifname, &rec);
	if (r == -ENOENT)
		return error_report(r, CNI_ERR_UNKNOWN_CONTAINER, "no attachment of %s on %s/%s",
				    req->container_id, req->conf->name, req->ifname);
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "reading the record of %s", req->container_id);
	if (rec.backend == BACKEND_USERSPACE && rec.helper_pid > 0 &&
	    state_process_start_time(rec.helper_pid) != rec.helper_start_time)
		return error_report(-ESRCH, CNI_ERR_INTERNAL, "wireguard-go (pid %d) of %s is gone",
				    (int)rec.helper_pid, req->ifname);

	r = attach_ctx_open(&ctx, req->netns_path, rec.backend, false);
	if (r == 0)
		r = check_all(req, &rec, &ctx);
	attach_ctx_close(&ctx);
	return r;
}
