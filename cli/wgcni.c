/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wgcni: keys, wg-quick imports, live status and peers for the wireguard CNI plugin. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *cli_prog = "wgcni";

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *description;
} subcommands[] = {
	{ "show", show_main, "Shows the live attachments: peers, handshakes, kill switch" },
	{ "import", import_main, "Turns a wg-quick configuration into a CNI network" },
	{ "peer", peer_main, "Adds, lists or removes the peers of a server-style network" },
	{ "genkey", genkey_main, "Generates a new private key and writes it to stdout" },
	{ "genpsk", genpsk_main, "Generates a new preshared key and writes it to stdout" },
	{ "pubkey", pubkey_main, "Reads a private key from stdin and writes a public key to stdout" },
};

static void show_usage(FILE *file)
{
	fprintf(file, "Usage: %s <cmd> [<args>]\n\n", cli_prog);
	fprintf(file, "Available subcommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(file, "  %s: %s\n", subcommands[i].name, subcommands[i].description);
	fprintf(file, "You may pass `--help' to any of these subcommands to view usage.\n");
	fprintf(file, "Exit status: 0 ok, 1 usage, 2 bad input, 3 not found, 4 system error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		show_usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		show_usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v")) {
		printf("wgcni v%s\n", WGCNI_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "%s: invalid subcommand `%s'\n", cli_prog, argv[1]);
	show_usage(stderr);
	return CLI_USAGE;
}
