/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * genkey, genpsk, pubkey: byte for byte what `wg` prints (base64 and a
 * newline), with keys only on stdin and stdout, never in argv.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "key.h"

static int print_key(const char *cmd, uint8_t key[WG_KEY_LEN])
{
	char b64[WG_KEY_B64_LEN + 1];
	struct stat st;

	if (strcmp(cmd, "public") != 0 && fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		fprintf(stderr, "Warning: writing %s key to world accessible file.\n", cmd);
	key_to_base64(key, b64);
	key_wipe(key, WG_KEY_LEN);
	puts(b64);
	key_wipe(b64, sizeof(b64));
	return fflush(stdout) == 0 ? CLI_OK : CLI_SYSTEM;
}

static int generate(int argc, char **argv, bool psk)
{
	uint8_t key[WG_KEY_LEN];

	if (cli_wants_help(argc, argv)) {
		printf("Usage: %s %s\n", cli_prog, argv[0]);
		return CLI_OK;
	}
	if (argc != 1)
		return cli_usage_error(argv[0], "takes no arguments (see --help)");
	if (psk)
		key_generate_psk(key);
	else
		key_generate_private(key);
	return print_key(psk ? "preshared" : "private", key);
}

int genkey_main(int argc, char **argv)
{
	return generate(argc, argv, false);
}

int genpsk_main(int argc, char **argv)
{
	return generate(argc, argv, true);
}

/* As `wg pubkey`: exactly 44 characters, then only whitespace until the end. */
int pubkey_main(int argc, char **argv)
{
	char b64[WG_KEY_B64_LEN + 1] = "";
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	int c;

	if (cli_wants_help(argc, argv)) {
		printf("Usage: %s pubkey < private.key\n", cli_prog);
		return CLI_OK;
	}
	if (argc != 1)
		return cli_usage_error("pubkey", "takes no arguments; the key goes on stdin");
	if (fread(b64, 1, WG_KEY_B64_LEN, stdin) != WG_KEY_B64_LEN) {
		fprintf(stderr, "%s: Key is not the correct length or format\n", cli_prog);
		key_wipe(b64, sizeof(b64));
		return CLI_BAD_INPUT;
	}
	while ((c = getc(stdin)) != EOF) {
		if (c && !isspace(c)) {
			fprintf(stderr, "%s: Trailing characters found after key\n", cli_prog);
			key_wipe(b64, sizeof(b64));
			return CLI_BAD_INPUT;
		}
	}
	c = key_from_base64(b64, WG_KEY_B64_LEN, priv);
	key_wipe(b64, sizeof(b64));
	if (c < 0) {
		fprintf(stderr, "%s: Key is not the correct length or format\n", cli_prog);
		return CLI_BAD_INPUT;
	}
	key_public(priv, pub);
	key_wipe(priv, sizeof(priv));
	return print_key("public", pub);
}
