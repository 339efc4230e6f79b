/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How every subcommand ends: one message on stderr and an exit code from wgcni(8). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"

int cli_fail(int err)
{
	const char *msg = error_recorded() ? error_message() : strerror(-err);

	fprintf(stderr, "%s: %s\n", cli_prog, msg);
	switch (err) {
	case -EINVAL: case -EEXIST: case -ENOSPC: case -EACCES: case -ESTALE: case -EBADMSG:
		return CLI_BAD_INPUT;
	case -ENOENT: case -ENODEV: case -ESRCH:
		return CLI_NOT_FOUND;
	default:
		return CLI_SYSTEM;
	}
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", cli_prog, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}
