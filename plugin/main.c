/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wireguard: a CNI plugin giving a container a WireGuard interface as its
 * network. The runtime names the verb in CNI_COMMAND and sends the network
 * configuration on stdin; results and errors go to stdout, logs to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cni.h"
#include "error.h"
#include "log.h"
#include "plugin.h"

#define STDIN_LIMIT (1024 * 1024)

static const struct {
	enum cni_command command;
	const char *name;
	int (*run)(const struct verb_input *in);
} verbs[] = {
	{ CNI_CMD_ADD, "ADD", cmd_add },
	{ CNI_CMD_DEL, "DEL", cmd_del },
	{ CNI_CMD_CHECK, "CHECK", cmd_check },
	{ CNI_CMD_STATUS, "STATUS", cmd_status },
	{ CNI_CMD_GC, "GC", cmd_gc },
};

/* Read all of stdin, refusing more than the limit (code 6 is for undecodable input). */
static char *read_stdin(size_t *len)
{
	size_t size = 4096, used = 0;
	char *buf = malloc(size + 1);

	while (buf) {
		ssize_t n;

		if (used > STDIN_LIMIT) {
			error_report(0, CNI_ERR_DECODE, "configuration on stdin is larger than 1 MiB");
			free(buf);
			return NULL;
		}
		if (used == size) {
			char *bigger;

			bigger = realloc(buf, size * 2 + 1);
			if (!bigger)
				break;
			buf = bigger;
			size *= 2;
		}
		n = read(STDIN_FILENO, buf + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_report(-errno, CNI_ERR_IO, "reading the configuration from stdin");
			free(buf);
			return NULL;
		}
		if (n == 0) {
			buf[used] = '\0';
			*len = used;
			return buf;
		}
		used += (size_t)n;
	}
	free(buf);
	error_report(-ENOMEM, CNI_ERR_INTERNAL, "reading stdin");
	return NULL;
}

static int fail(const char *json, size_t len)
{
	_cleanup_free_ char *version = json ? cni_peek_version(json, len) : NULL;

	if (version && !cni_version_supported(version)) {
		free(version);
		version = NULL;
	}
	log_msg("%s", error_message());
	cni_error_print(stdout, version);
	fflush(stdout);
	return 1;
}

int main(void)
{
	_cleanup_free_ char *json = NULL;
	struct cni_env env;
	size_t len = 0;

	if (!getenv("CNI_COMMAND")) {
		fprintf(stderr, "CNI wireguard plugin v%s\n", WGCNI_VERSION);
		return 0;
	}
	if (cni_env_read(&env) < 0)
		return fail(NULL, 0);
	log_context(getenv("CNI_COMMAND"), env.container_id);

	json = read_stdin(&len);
	if (!json)
		return fail(NULL, 0);
	if (env.command == CNI_CMD_VERSION) {
		_cleanup_free_ char *version = cni_peek_version(json, len);

		cni_version_print(stdout, version);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		struct verb_input in = { .env = &env, .stdin_json = json, .stdin_len = len };

		if (verbs[i].command != env.command)
			continue;
		if (verbs[i].run(&in) < 0)
			return fail(json, len);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	error_report(0, CNI_ERR_INVALID_ENV, "CNI_COMMAND: not supported");
	return fail(json, len);
}
