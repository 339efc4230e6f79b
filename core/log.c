/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

static char context[96];

void log_context(const char *verb, const char *container_id)
{
	snprintf(context, sizeof(context), "%s %.12s", verb ? verb : "", container_id ? container_id : "");
}

void log_msg(const char *fmt, ...)
{
	char line[1200];
	int fd;
	size_t n;
	va_list ap;

	n = (size_t)snprintf(line, sizeof(line), "wgcni[%d] %s: ", (int)getpid(), context);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	line[n] = '\0';

	if (write(STDERR_FILENO, line, n) < 0) {
		/* nothing sensible to do: stderr is the last resort */
	}
	/* Podman runs some DELs from a cleanup process whose stderr nobody sees. */
	fd = open(STATE_DIR "/log", O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		if (write(fd, line, n) < 0) {
			/* the log is best effort */
		}
		close(fd);
	}
}
