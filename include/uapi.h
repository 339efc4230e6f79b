/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cross-platform userspace API of wireguard-go: text over a UNIX socket. */
#pragma once

#include <stddef.h>
#include "wgdev.h"

/* "/var/run/wireguard/<name>.sock" */
void uapi_socket_path(const char *name, char *buf, size_t len);

/* Build the "set=1" request for a whole configuration (replace_peers). Caller wipes and frees. */
char *uapi_build_set(const struct wgdev_config *cfg);

/* Parse a "get=1" reply into st. Returns 0, -EPROTO on malformed input, or the reply's -errno. */
int uapi_parse_get(const char *reply, size_t len, struct wgdev_status *st);

/* Talk to the socket: send `request`, read the reply up to the blank line. */
int uapi_set(const char *name, const struct wgdev_config *cfg);
int uapi_get(const char *name, struct wgdev_status *st);

/* A connected socket (close-on-exec, 2 s timeouts), or -errno; reports nothing. */
int uapi_connect(const char *name);
