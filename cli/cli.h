/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The wgcni command line: one file a subcommand, helpers shared between them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"

/* Exit codes, documented in wgcni(8). */
enum {
	CLI_OK = 0,
	CLI_USAGE = 1,
	CLI_BAD_INPUT = 2,
	CLI_NOT_FOUND = 3,
	CLI_SYSTEM = 4,
};

#define CLI_DEFAULT_CNI_DIR "/etc/cni/net.d"
#define CLI_DEFAULT_KEY_DIR "/etc/wgcni"

extern const char *cli_prog;

/* Print the recorded error (or strerror) to stderr and map err to an exit code. */
int cli_fail(int err);
/* Print "wgcni CMD: message" to stderr and return CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when argv holds -h or --help. */
bool cli_wants_help(int argc, char **argv);

int genkey_main(int argc, char **argv);
int genpsk_main(int argc, char **argv);
int pubkey_main(int argc, char **argv);
int import_main(int argc, char **argv);
int show_main(int argc, char **argv);
int peer_main(int argc, char **argv);

/*
 * The wireguard plugin's configuration of network `name`, from a conflist
 * (or conf) in `dir`, parsed as the plugin would parse it. The file's path
 * goes to path_out. -ENOENT (reported) when no file names the network.
 */
int network_load(const char *dir, const char *name, struct netconf *conf, char *path_out,
		 size_t len);

/* QR code of text in UTF-8 half blocks, dark on light with a quiet zone. */
int qr_print_terminal(FILE *out, const char *text);
int qr_write_png(const char *path, const char *text);
/* An 8-bit greyscale PNG of w x h pixels (row-major), written atomically. */
int png_write(const char *path, const uint8_t *pixels, unsigned w, unsigned h);
