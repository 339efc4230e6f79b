/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the import subcommand. */
#pragma once

#include <stdbool.h>
#include "config.h"

/* The bridge leg's subnet in chained mode unless --subnet says otherwise (wgcni(8)). */
#define IMPORT_DEFAULT_SUBNET "10.89.250.0/24"

struct import_args {
	const char *file, *name, *dir, *key_dir, *subnet;
	bool chained, force, podman5;
};

/* podman 5: the configuration of --podman5 goes here unless --dir says otherwise. */
#define IMPORT_PODMAN5_DIR "/etc/wgcni"

/* podman network create -d wireguard -o config=CONFIG_PATH NAME; only paths in argv. */
int import_podman5_create(const struct import_args *a, const char *config_path);

/* Write the conflist for conf (keys already in files) atomically to path. */
int import_write_conflist(const struct import_args *a, const struct netconf *conf,
			  const char *path);
