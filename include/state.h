/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What ADD created, recorded under /run/wgcni so DEL and GC can undo it from
 * the record alone (the netns may be gone), and the private keys in use.
 * Records are small "key=value" text files written atomically, mode 0600.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <net/if.h>
#include "config.h"
#include "nft.h"

#define STATE_DIR "/run/wgcni"
/*
 * Published port ranges a record holds (netavark port_mappings, one range a
 * protocol): a rule each in the kill switch, whose batch (NFT_BATCH_SIZE in
 * firewall/nft_ruleset.h) holds them with STATE_MAX_LEGS egress chains.
 */
#define STATE_MAX_PUBLISHED 32
/* The netavark legs whose egress chains a record names ("egress_legs"). */
#define STATE_MAX_LEGS 16

/* Use `dir` instead of STATE_DIR from now on (tests); the string is copied. */
void state_set_dir(const char *dir);

struct attachment {
	char network[256];
	char container_id[256];
	char ifname[IFNAMSIZ];
	char netns[4096];
	enum backend_kind backend; /* KERNEL or USERSPACE, never AUTO */
	char host_ifname[IFNAMSIZ];
	pid_t helper_pid;
	unsigned long long helper_start_time;
	uint8_t public_key[WG_KEY_LEN];
	bool kill_switch;
	/* Routing modes (optional keys: records of older versions lack them). */
	char tunnel_ifname[IFNAMSIZ]; /* the WireGuard device; "" means ifname (standalone) */
	bool chained;                 /* ifname is the previous plugin's LAN leg */
	bool socket_in_container;     /* socketNamespace "container" */
	bool beside;                  /* netavark: policy rules 5750-5752 (attach/beside.c) */
	/*
	 * beside: the published ports its kill switch answers ("published" key).
	 * published_recorded: the key was there (always written for beside);
	 * records of older versions lack it, and their ports are unknown.
	 */
	struct port_range published[STATE_MAX_PUBLISHED];
	size_t n_published;
	bool published_recorded;
	/*
	 * beside, with the kill switch: the legs given an egress chain (legs there
	 * at ADD, and the names podman gives the others). Older records lack the
	 * key: their ADD made none.
	 */
	char egress_legs[STATE_MAX_LEGS][IFNAMSIZ];
	size_t n_egress_legs;
};

/* Exclusive lock over the state directory, held briefly; returns an fd to close, or -errno. */
int state_lock(void);

int state_save(const struct attachment *a);
/* -ENOENT when there is no record. */
int state_load(const char *network, const char *container_id, const char *ifname,
	       struct attachment *out);
/* With the state lock held: the network's directory is removed with its last record. */
int state_remove(const struct attachment *a);
/* Every record of `network` (NULL: all networks). */
int state_list(const char *network, struct attachment **out, size_t *n);

/*
 * Mark a's public key as in use by a. -EBUSY when a live attachment holds it,
 * with the holder's container id copied to holder. A claim whose record is
 * gone is stale and is taken over.
 */
int state_key_claim(const struct attachment *a, char *holder, size_t holder_len);
/* Release only if a holds it. */
int state_key_release(const struct attachment *a);

/* Read /proc/PID/stat start time; 0 if the process is gone or a zombie. */
unsigned long long state_process_start_time(pid_t pid);
