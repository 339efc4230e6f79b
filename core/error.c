/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static struct {
	int recorded;
	enum cni_code code;
	char message[1024];
} last;

__attribute__((format(printf, 3, 0)))
static int record(int err, enum cni_code code, const char *fmt, va_list ap)
{
	size_t used;

	if (last.recorded)
		return err;
	vsnprintf(last.message, sizeof(last.message), fmt, ap);
	used = strlen(last.message);
	if (err < 0 && used < sizeof(last.message))
		snprintf(last.message + used, sizeof(last.message) - used, ": %s", strerror(-err));
	last.code = code;
	last.recorded = 1;
	return err;
}

int error_report(int err, enum cni_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(err, code, fmt, ap);
	va_end(ap);
	return err;
}

int error_config(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(0, CNI_ERR_INVALID_CONFIG, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int error_recorded(void)
{
	return last.recorded;
}

enum cni_code error_code(void)
{
	return last.recorded ? last.code : CNI_ERR_INTERNAL;
}

const char *error_message(void)
{
	return last.recorded ? last.message : "unknown error";
}

void error_clear(void)
{
	last.recorded = 0;
	last.message[0] = '\0';
}
