/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wgQuickConfig: a wg-quick file's values for the fields the JSON configuration leaves out. */
#include <string.h>

#include "cni_json.h"
#include "config_peers.h"
#include "config_wgquick.h"
#include "wgquick.h"

#define SWAP(a, b) do { __typeof__(a) _t = (a); (a) = (b); (b) = _t; } while (0)

/* The wg-quick file's values for the fields the JSON leaves out: explicit fields win. */
static void take_from_file(json_object *root, struct netconf *conf, struct netconf *file)
{
	json_object *v = NULL;

#define ABSENT(name) (!json_object_object_get_ex(root, name, &v) || !v)
	if (ABSENT("privateKeyFile") && file->has_private_key) {
		memcpy(conf->private_key, file->private_key, WG_KEY_LEN);
		conf->has_private_key = true;
	}
	if (ABSENT("address")) {
		SWAP(conf->addresses, file->addresses);
		SWAP(conf->n_addresses, file->n_addresses);
	}
	if (ABSENT("mtu") && file->mtu)
		conf->mtu = file->mtu;
	if (ABSENT("listenPort"))
		conf->listen_port = file->listen_port;
	if (ABSENT("fwmark"))
		conf->fwmark = file->fwmark;
	if (ABSENT("dns") && file->has_dns) {
		SWAP(conf->dns, file->dns);
		conf->has_dns = true;
	}
	if (ABSENT("peers")) {
		SWAP(conf->peers, file->peers);
		SWAP(conf->n_peers, file->n_peers);
	}
#undef ABSENT
}

int cni_apply_wg_quick(json_object *root, struct netconf *conf)
{
	struct netconf file = { 0 };
	const char *name = conf->wg_quick_config;
	int r;

	if (!name)
		return 0;
	r = wgquick_parse_file(name, &file);
	if (r == 0)
		take_from_file(root, conf, &file);
	netconf_free(&file);
	if (r < 0)
		return r;
	if (!conf->private_key_file && !conf->has_private_key)
		return error_config("privateKeyFile: required (wgQuickConfig %s has no PrivateKey)",
				    name);
	if (conf->n_addresses == 0)
		return error_config("address: required (wgQuickConfig %s has no Address)", name);
	if (conf->n_peers == 0 && !conf->has_peer_pool)
		return error_config("peers: required (wgQuickConfig %s has no [Peer])", name);
	return cni_check_allowed_ips(conf);
}
