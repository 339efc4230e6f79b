/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int cidr_parse(const char *text, struct cidr *out)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	char *end = NULL;
	size_t len;
	long prefix;
	int max;

	memset(out, 0, sizeof(*out));
	if (!slash)
		return -EINVAL;
	len = (size_t)(slash - text);
	if (len == 0 || len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, text, len);
	addr[len] = '\0';

	if (inet_pton(AF_INET, addr, &out->addr.v4) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, &out->addr.v6) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (errno || *end || prefix < 0 || prefix > max)
		return -EINVAL;
	out->prefix = (uint8_t)prefix;
	return 0;
}

void cidr_format(const struct cidr *c, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(c->family, c->addr.raw, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, c->prefix);
}

bool cidr_equal(const struct cidr *a, const struct cidr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(a->addr.raw, b->addr.raw, n) == 0;
}

void cidr_mask(struct cidr *c)
{
	size_t bytes = c->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < bytes; i++) {
		int keep = (int)c->prefix - (int)(i * 8);

		if (keep <= 0)
			c->addr.raw[i] = 0;
		else if (keep < 8)
			c->addr.raw[i] &= (uint8_t)(0xff << (8 - keep));
	}
}
