/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to wgquick/: the line reader's state, shared with the value parsers. */
#pragma once

#include <stdbool.h>
#include "config.h"

enum section { SECTION_NONE, SECTION_INTERFACE, SECTION_PEER };

struct parser {
	const char *name;
	unsigned line;
	enum section section;
	unsigned interface_line; /* 0: no [Interface] yet */
	unsigned peer_line;
	struct netconf *conf;
};

/* Report "name:line: message" with code 7; returns -EINVAL. */
__attribute__((format(printf, 2, 3)))
int wgquick_fail(const struct parser *p, const char *fmt, ...);
/* The same for an unknown name, quoted only when it cannot be key material. */
int wgquick_unknown(const struct parser *p, const char *what, const char *name,
		    const char *where);

static inline struct peer_conf *wgquick_current_peer(const struct parser *p)
{
	return &p->conf->peers[p->conf->n_peers - 1];
}

/* `value` in quotes for a message, or a note that it is withheld because it may be a key. */
const char *wgquick_shown(const char *value);

/* One Key=Value of [Interface] or [Peer]; `value` is modified (lists are split). */
int wgquick_interface_value(const struct parser *p, const char *key, char *value);
int wgquick_peer_value(const struct parser *p, const char *key, char *value);
