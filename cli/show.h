/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the show subcommand: what is known of one live attachment. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include "state.h"
#include "wgdev.h"

/* UNVERIFIED: the expected table could not be rebuilt (kill_switch_problem says why). */
enum show_kill_switch { KS_OFF, KS_INTACT, KS_BROKEN, KS_UNKNOWN, KS_UNVERIFIED };

struct show_entry {
	struct attachment rec;
	struct cidr *addresses;
	size_t n_addresses;
	const char *addresses_from; /* "namespace", "config" or "none" */
	bool has_status;
	struct wgdev_status status;
	enum show_kill_switch kill_switch;
	char kill_switch_problem[256];
	char problem[256]; /* why the device could not be read, "" if it could */
};

const char *show_kill_switch_name(enum show_kill_switch k);
/* "192.0.2.2:51820", "[fd00::2]:51820", "" when there is none. */
void show_endpoint(const struct sockaddr_storage *ss, char *buf, size_t len);

void show_print_text(FILE *out, const struct show_entry *e, size_t n);
int show_print_json(FILE *out, const struct show_entry *e, size_t n);
