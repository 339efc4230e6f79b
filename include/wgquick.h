/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wg-quick configuration files, as VPN providers hand them out: [Interface]
 * and [Peer] sections read with the rules of wg(8) and wg-quick(8) (keys
 * case-insensitive, whitespace ignored, '#' comments, comma lists). What the
 * plugin cannot honour safely is refused with "file:line: why": hooks
 * (PreUp/PostUp/PreDown/PostDown run as root), SaveConfig, Table, unknown
 * keys and sections. Keys found inline are kept as 32 bytes in the netconf
 * (has_private_key, peers' has_preshared_key) and wiped by netconf_free().
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "config.h"

/*
 * Read `path` (a regular file no group or others can read, at most 1 MiB)
 * into a zeroed `conf`: private_key, addresses, dns, mtu (0: not set),
 * listen_port, fwmark, peers. Reports with code 7 and returns -EINVAL,
 * -EACCES (mode) or the -errno of opening and reading it.
 */
int wgquick_parse_file(const char *path, struct netconf *conf);

/* The same for text already in memory; `name` stands for the file in messages. */
int wgquick_parse_buffer(const char *name, const char *text, size_t len, struct netconf *conf);

/*
 * The interface's private key: the inline one of a wg-quick file when there
 * is one, else read from privateKeyFile (key_read_file). 0 or -errno, reported.
 */
int wgquick_private_key(const struct netconf *conf, uint8_t out[WG_KEY_LEN]);
