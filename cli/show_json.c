/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * show --json: the stable form documented in wgcni(8). Fields are only ever
 * added; absent values are null, never left out.
 */
#include <errno.h>
#include <json-c/json.h>

#include "cleanup.h"
#include "error.h"
#include "key.h"
#include "show.h"

static json_object *key_string(const uint8_t key[WG_KEY_LEN])
{
	char b64[WG_KEY_B64_LEN + 1];

	key_to_base64(key, b64);
	return json_object_new_string(b64);
}

static json_object *cidr_array(const struct cidr *c, size_t n)
{
	json_object *a = json_object_new_array();
	char text[64];

	for (size_t i = 0; i < n; i++) {
		cidr_format(&c[i], text, sizeof(text));
		json_object_array_add(a, json_object_new_string(text));
	}
	return a;
}

static json_object *string_or_null(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static json_object *peer_object(const struct wgdev_peer_status *p)
{
	json_object *o = json_object_new_object();
	char endpoint[64];

	show_endpoint(&p->endpoint, endpoint, sizeof(endpoint));
	json_object_object_add(o, "publicKey", key_string(p->public_key));
	json_object_object_add(o, "presharedKey",
			       p->has_psk ? json_object_new_string("(hidden)") : NULL);
	json_object_object_add(o, "endpoint", string_or_null(endpoint));
	json_object_object_add(o, "allowedIPs", cidr_array(p->allowed_ips, p->n_allowed_ips));
	json_object_object_add(o, "latestHandshake", json_object_new_int64(p->last_handshake));
	json_object_object_add(o, "rxBytes", json_object_new_uint64(p->rx_bytes));
	json_object_object_add(o, "txBytes", json_object_new_uint64(p->tx_bytes));
	json_object_object_add(o, "persistentKeepalive",
			       json_object_new_int(p->persistent_keepalive));
	return o;
}

static json_object *entry_object(const struct show_entry *e)
{
	json_object *o = json_object_new_object();
	json_object *peers = json_object_new_array();

	json_object_object_add(o, "network", json_object_new_string(e->rec.network));
	json_object_object_add(o, "containerId", json_object_new_string(e->rec.container_id));
	json_object_object_add(o, "interface", json_object_new_string(e->rec.ifname));
	json_object_object_add(o, "netns", json_object_new_string(e->rec.netns));
	json_object_object_add(o, "backend", json_object_new_string(
		e->rec.backend == BACKEND_KERNEL ? "kernel" : "userspace"));
	json_object_object_add(o, "hostInterface", string_or_null(e->rec.host_ifname));
	json_object_object_add(o, "publicKey", key_string(e->rec.public_key));
	json_object_object_add(o, "privateKey", json_object_new_string("(hidden)"));
	json_object_object_add(o, "listenPort", e->has_status ?
			       json_object_new_int(e->status.listen_port) : NULL);
	json_object_object_add(o, "addresses", cidr_array(e->addresses, e->n_addresses));
	json_object_object_add(o, "addressesFrom", json_object_new_string(e->addresses_from));
	json_object_object_add(o, "killSwitch",
			       json_object_new_string(show_kill_switch_name(e->kill_switch)));
	json_object_object_add(o, "killSwitchProblem", string_or_null(e->kill_switch_problem));
	json_object_object_add(o, "deviceProblem", string_or_null(e->problem));
	for (size_t i = 0; e->has_status && i < e->status.n_peers; i++)
		json_object_array_add(peers, peer_object(&e->status.peers[i]));
	json_object_object_add(o, "peers", peers);
	return o;
}

int show_print_json(FILE *out, const struct show_entry *e, size_t n)
{
	json_object *root = json_object_new_object();
	json_object *list = json_object_new_array();

	if (!root || !list) {
		json_object_put(root);
		json_object_put(list);
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "building the JSON output");
	}
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, entry_object(&e[i]));
	json_object_object_add(root, "attachments", list);
	fprintf(out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return fflush(out) == 0 ? 0 : -EIO;
}
