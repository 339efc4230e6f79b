/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * peer add: new keys for the client, the next free address of the pool,
 * the peer stored, and the client's wg-quick configuration printed once:
 * its private key is kept nowhere else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "key.h"
#include "peer.h"
#include "peers.h"
#include "wgquick.h"

struct client_keys {
	uint8_t private_key[WG_KEY_LEN];
	uint8_t psk[WG_KEY_LEN];
	uint8_t server_public[WG_KEY_LEN];
};

/* HOST:PORT or [V6]:PORT; nothing that could break a line of the configuration. */
static int check_endpoint(const char *e)
{
	const char *colon = strrchr(e, ':');
	char *end = NULL;
	long port;

	if (!colon || colon == e || strpbrk(e, " \t\r\n=#,"))
		return error_config("--endpoint \"%s\": expected HOST:PORT", e);
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return error_config("--endpoint \"%s\": port must be 1-65535", e);
	return 0;
}

static void print_key_line(FILE *f, const char *field, const uint8_t key[WG_KEY_LEN])
{
	char b64[WG_KEY_B64_LEN + 1];

	key_to_base64(key, b64);
	fprintf(f, "%s = %s\n", field, b64);
	key_wipe(b64, sizeof(b64));
}

/* The configuration as wg-quick and the mobile apps read it. Caller wipes and frees. */
static char *client_config(const struct peer_args *a, const struct netconf *conf,
			   const struct stored_peer *p, const struct client_keys *k, size_t *len)
{
	char *text = NULL, addr[64];
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	fprintf(f, "[Interface]\n");
	print_key_line(f, "PrivateKey", k->private_key);
	cidr_format(&p->address, addr, sizeof(addr));
	fprintf(f, "Address = %s\n", addr);
	for (size_t i = 0; conf->has_dns && i < conf->dns.n_nameservers; i++)
		fprintf(f, "%s%s", i ? ", " : "DNS = ", conf->dns.nameservers[i]);
	if (conf->has_dns && conf->dns.n_nameservers)
		fputc('\n', f);
	fprintf(f, "\n[Peer]\n");
	print_key_line(f, "PublicKey", k->server_public);
	print_key_line(f, "PresharedKey", k->psk);
	cidr_format(&conf->peer_pool, addr, sizeof(addr));
	fprintf(f, "AllowedIPs = %s\n", addr);
	if (a->endpoint)
		fprintf(f, "Endpoint = %s\n", a->endpoint);
	fprintf(f, "PersistentKeepalive = 25\n");
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int make_keys(const struct netconf *conf, struct stored_peer *p, struct client_keys *k)
{
	uint8_t server_private[WG_KEY_LEN];
	int r = wgquick_private_key(conf, server_private);

	if (r < 0)
		return r;
	key_public(server_private, k->server_public);
	key_wipe(server_private, sizeof(server_private));
	key_generate_private(k->private_key);
	key_public(k->private_key, p->public_key);
	key_generate_psk(k->psk);
	p->has_psk = true;
	return 0;
}

static int output(const struct peer_args *a, const char *text)
{
	int r = 0;

	fputs(text, stdout);
	if (a->png) {
		r = qr_write_png(a->png, text);
		if (r == 0)
			fprintf(stderr, "QR code written to %s (mode 0600: it holds the key)\n",
				a->png);
	} else if (!a->no_qr) {
		fputc('\n', stdout);
		r = qr_print_terminal(stdout, text);
	}
	return fflush(stdout) == 0 ? r : error_report(-EIO, CNI_ERR_IO, "writing to stdout");
}

int peer_add(const struct peer_args *a, struct netconf *conf)
{
	_cleanup_free_ struct stored_peer *stored = NULL;
	struct stored_peer p = { 0 };
	struct client_keys k;
	char *text = NULL;
	size_t n = 0, len = 0;
	int r;

	if (a->endpoint && check_endpoint(a->endpoint) < 0)
		return -EINVAL;
	if (peers_load(a->network, a->name, &p) == 0)
		return error_report(-EEXIST, CNI_ERR_INVALID_CONFIG,
				    "peer %s of network %s already exists", a->name, a->network);
	r = peers_list(a->network, &stored, &n);
	if (r == 0)
		r = peers_next_address(conf, stored, n, &p.address);
	snprintf(p.name, sizeof(p.name), "%s", a->name);
	if (r == 0)
		r = make_keys(conf, &p, &k);
	if (r == 0)
		r = peers_save(a->network, &p, k.psk);
	if (r == 0) {
		text = client_config(a, conf, &p, &k, &len);
		r = text ? 0 : error_report(-ENOMEM, CNI_ERR_INTERNAL, "writing the configuration");
	}
	key_wipe(&k, sizeof(k));
	if (r == 0) {
		char addr[64];

		cidr_format(&p.address, addr, sizeof(addr));
		fprintf(stderr, "peer %s added to %s with address %s\n", a->name, a->network, addr);
		if (!a->endpoint)
			fprintf(stderr, "note: no --endpoint given; add Endpoint = HOST:PORT to the "
					"client's [Peer]\n");
		r = output(a, text);
	}
	if (text)
		key_wipe(text, len);
	free(text);
	return r == 0 ? peer_apply(conf, NULL, 0) : r;
}
