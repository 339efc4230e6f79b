/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stored peers of server-style networks (a network with a peerPool):
 * one "key=value" file a peer, PEERS_DIR/NETWORK/NAME.peer, mode 0600,
 * written atomically, with its preshared key beside it in NAME.psk. The
 * CLI adds and removes them; the plugin merges them into the configured
 * peers at ADD and CHECK.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "config.h"

#define PEERS_DIR "/etc/wgcni/peers"
#define PEER_NAME_MAX 63

/* Use `dir` instead of PEERS_DIR from now on (tests); the string is copied. */
void peers_set_dir(const char *dir);

struct stored_peer {
	char name[PEER_NAME_MAX + 1];
	uint8_t public_key[WG_KEY_LEN];
	struct cidr address; /* a host address out of the pool: /32 or /128 */
	bool has_psk;
};

/* Letters, digits, '_', '.', '-'; not "." or ".."; at most PEER_NAME_MAX. */
bool peers_name_valid(const char *name);

/* Every stored peer of `network`, sorted by name; none (not an error) when the directory is absent. */
int peers_list(const char *network, struct stored_peer **out, size_t *n);
/* -ENOENT when there is none; reports nothing. */
int peers_load(const char *network, const char *name, struct stored_peer *out);
/* Store a new peer (and its psk when p->has_psk). -EEXIST if the name is taken. */
int peers_save(const char *network, const struct stored_peer *p, const uint8_t psk[WG_KEY_LEN]);
/* Remove the peer's files; -ENOENT when there is none. */
int peers_remove(const char *network, const char *name);
/* The path of the peer's preshared key file, for struct peer_conf. */
void peers_psk_path(const char *network, const char *name, char *buf, size_t len);

/*
 * The lowest address of conf->peer_pool not used by the network's own
 * addresses, its configured peers' allowed IPs, or a stored peer; never the
 * pool's network address nor (IPv4) its broadcast. -ENOSPC when full.
 */
int peers_next_address(const struct netconf *conf, const struct stored_peer *stored, size_t n,
		       struct cidr *out);

/*
 * Append the stored peers of conf->name to conf->peers (allowed IP: the
 * peer's address). Nothing to do for a network without a peer pool.
 * Reports a failure naming the peer file; 0 or -errno.
 */
int peers_merge(struct netconf *conf);

/*
 * The store's stamp: NETWORK/stamp, rewritten with fresh random content
 * (atomically) after every change peers_save() and peers_remove() make, so
 * a stamp read before a listing differs afterwards if the listing may have
 * missed a change. "" when there is none yet; 0 or -errno (reported).
 */
int peers_stamp(const char *network, char *buf, size_t len);
/* 1 when conf was merged and the store's stamp is not the one merged, else 0; or -errno. */
int peers_changed(const struct netconf *conf);
/* Drop the stored peers merged into conf and merge the store as it is now. */
int peers_remerge(struct netconf *conf);

/* Write a small file atomically (temporary file in the same directory, fsync, rename). */
int peers_write_file(const char *path, const char *data, size_t len, mode_t mode);
