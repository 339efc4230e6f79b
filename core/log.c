/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "state.h"

#define LOG_LINE_MAX 1200
#define LOG_FILE STATE_DIR "/log"
#define LOG_ROTATE_BYTES (1024 * 1024)

static char context[96];

void log_context(const char *verb, const char *container_id)
{
	snprintf(context, sizeof(context), "%s %.12s", verb ? verb : "", container_id ? container_id : "");
}

/*
 * The file: one line per message, stamped with the UTC time, created on the
 * first message once STATE_DIR exists. Past LOG_ROTATE_BYTES it becomes
 * log.1 (replacing the one before) and a new log starts: /run is memory, and
 * a container restarted in a loop with a bad configuration logs each time.
 */
static int log_open(void)
{
	return open(LOG_FILE, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
}

static void log_file_write(const char *line, size_t n)
{
	char out[LOG_LINE_MAX + 32];
	size_t k;
	struct timespec now;
	struct tm tm;
	struct stat st;
	int fd = log_open();

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size >= LOG_ROTATE_BYTES) {
		/* Whoever renames first rotates; a racing writer's line lands in log.1. */
		close(fd);
		if (rename(LOG_FILE, LOG_FILE ".1") < 0 && errno != ENOENT)
			return;
		fd = log_open();
		if (fd < 0)
			return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	k = strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	memcpy(out + k, line, n);
	/* One write, so that lines of plugins running at once do not interleave. */
	if (write(fd, out, k + n) < 0) {
		/* nothing sensible to do: stderr had the line */
	}
	close(fd);
}

void log_msg(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
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
	log_file_write(line, n);
}
