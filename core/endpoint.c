/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "error.h"

static int resolve_one(struct peer_conf *peer, size_t index)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res = NULL;
	char port[8];
	int r;

	snprintf(port, sizeof(port), "%u", peer->endpoint_port);
	/* Literals never touch the resolver. */
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(peer->endpoint_host, port, &hints, &res);
	if (r != 0) {
		int err = r == EAI_AGAIN ? -EAGAIN : -EINVAL;

		return error_report(err, r == EAI_AGAIN ? CNI_ERR_TRY_AGAIN : CNI_ERR_INVALID_CONFIG,
				    "peers[%zu].endpoint: cannot resolve \"%s\" (%s)", index,
				    peer->endpoint_host, gai_strerror(r)) == 0 ? 0 : err;
	}
	memcpy(&peer->endpoint, res->ai_addr, res->ai_addrlen);
	peer->endpoint_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int endpoint_resolve(struct netconf *conf)
{
	for (size_t i = 0; i < conf->n_peers; i++) {
		int r;

		if (!conf->peers[i].endpoint_host)
			continue;
		r = resolve_one(&conf->peers[i], i);
		if (r < 0)
			return r;
	}
	return 0;
}
