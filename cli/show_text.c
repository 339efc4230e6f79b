/* SPDX-License-Identifier: GPL-2.0-or-later */
/* show's human form, laid out like `wg show`. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "key.h"
#include "show.h"

const char *show_kill_switch_name(enum show_kill_switch k)
{
	static const char *const names[] = { "off", "intact", "broken", "unknown", "unverified" };

	return names[k];
}

void show_endpoint(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "%s", "");
	}
}

static void print_bytes(FILE *out, uint64_t b)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		fprintf(out, "%" PRIu64 " B", b);
	else
		fprintf(out, "%.2f %s", v, units[u]);
}

static void print_peer(FILE *out, const struct wgdev_peer_status *p)
{
	char b64[WG_KEY_B64_LEN + 1], text[64];

	key_to_base64(p->public_key, b64);
	fprintf(out, "\n  peer: %s\n", b64);
	if (p->has_psk)
		fprintf(out, "    preshared key: (hidden)\n");
	show_endpoint(&p->endpoint, text, sizeof(text));
	if (text[0])
		fprintf(out, "    endpoint: %s\n", text);
	fprintf(out, "    allowed ips: ");
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		cidr_format(&p->allowed_ips[i], text, sizeof(text));
		fprintf(out, "%s%s", i ? ", " : "", text);
	}
	fprintf(out, "%s\n", p->n_allowed_ips ? "" : "(none)");
	if (p->last_handshake)
		fprintf(out, "    latest handshake: %lld seconds ago\n",
			(long long)(time(NULL) - p->last_handshake));
	else
		fprintf(out, "    latest handshake: never\n");
	fprintf(out, "    transfer: ");
	print_bytes(out, p->rx_bytes);
	fprintf(out, " received, ");
	print_bytes(out, p->tx_bytes);
	fprintf(out, " sent\n");
	if (p->persistent_keepalive)
		fprintf(out, "    persistent keepalive: every %u seconds\n", p->persistent_keepalive);
}

static void print_entry(FILE *out, const struct show_entry *e)
{
	char b64[WG_KEY_B64_LEN + 1], text[64];

	fprintf(out, "attachment: %s container %s interface %s\n", e->rec.network,
		e->rec.container_id, e->rec.ifname);
	fprintf(out, "  backend: %s%s%s\n", e->rec.backend == BACKEND_KERNEL ? "kernel" : "userspace",
		e->rec.host_ifname[0] ? ", host interface " : "", e->rec.host_ifname);
	fprintf(out, "  netns: %s\n", e->rec.netns);
	key_to_base64(e->rec.public_key, b64);
	fprintf(out, "  public key: %s\n  private key: (hidden)\n", b64);
	if (e->has_status && e->status.listen_port)
		fprintf(out, "  listening port: %u\n", e->status.listen_port);
	fprintf(out, "  addresses (from %s): ", e->addresses_from);
	for (size_t i = 0; i < e->n_addresses; i++) {
		cidr_format(&e->addresses[i], text, sizeof(text));
		fprintf(out, "%s%s", i ? ", " : "", text);
	}
	fprintf(out, "%s\n", e->n_addresses ? "" : "(none)");
	fprintf(out, "  kill switch: %s%s%s\n", show_kill_switch_name(e->kill_switch),
		e->kill_switch_problem[0] ? ": " : "", e->kill_switch_problem);
	if (e->problem[0])
		fprintf(out, "  device: unreadable: %s\n", e->problem);
	for (size_t i = 0; e->has_status && i < e->status.n_peers; i++)
		print_peer(out, &e->status.peers[i]);
}

void show_print_text(FILE *out, const struct show_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc('\n', out);
		print_entry(out, &e[i]);
	}
}
