/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to cni/: typed reads of JSON values that report a wrong type or
 * range once, naming the field path ("peers[0].persistentKeepalive"), with
 * code 7. Values are never echoed here: a caller that knows a value is not
 * secret may quote it in its own message.
 */
#pragma once

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "cni.h"
#include "error.h"

/* Long enough for the deepest path we build, "prevResult.interfaces[65535].sandbox". */
#define CNI_PATH_MAX 96

/* Field paths for messages ("peers[0].endpoint"); a cut path still names where to look. */
__attribute__((format(printf, 3, 4)))
static inline void cni_path(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

static inline void json_putp(json_object **o)
{
	json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_putp)))

/* Parse exactly `len` bytes as one JSON value. NULL with `why` set on failure. */
json_object *cni_json_parse(const char *json, size_t len, const char **why);

static inline int cni_json_string(json_object *v, const char *path, const char **out)
{
	if (!json_object_is_type(v, json_type_string))
		return error_config("%s: must be a string", path);
	*out = json_object_get_string(v);
	/* An embedded NUL would silently cut a path or name short. */
	if (strlen(*out) != (size_t)json_object_get_string_len(v))
		return error_config("%s: must not contain NUL characters", path);
	return 0;
}

static inline int cni_json_strdup(json_object *v, const char *path, char **out)
{
	const char *s = NULL;

	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	*out = strdup(s);
	return *out ? 0 : error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
}

static inline int cni_json_int(json_object *v, const char *path, int64_t min, int64_t max,
			       int64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return error_config("%s: must be an integer", path);
	*out = json_object_get_int64(v);
	/* json-c saturates what int64 cannot hold: do not quote the clamped number. */
	if (*out == INT64_MAX || *out == INT64_MIN)
		return error_config("%s: out of range %" PRId64 "..%" PRId64, path, min, max);
	if (*out < min || *out > max)
		return error_config("%s: %" PRId64 " is out of range %" PRId64 "..%" PRId64, path,
				    *out, min, max);
	return 0;
}

static inline int cni_json_bool(json_object *v, const char *path, bool *out)
{
	if (!json_object_is_type(v, json_type_boolean))
		return error_config("%s: must be true or false", path);
	*out = json_object_get_boolean(v);
	return 0;
}

static inline int cni_json_array(json_object *v, const char *path, size_t min, size_t max,
				 size_t *n)
{
	if (!json_object_is_type(v, json_type_array))
		return error_config("%s: must be an array", path);
	*n = json_object_array_length(v);
	if (*n < min)
		return error_config("%s: needs at least %zu entr%s", path, min,
				    min == 1 ? "y" : "ies");
	if (*n > max)
		return error_config("%s: more than %zu entries", path, max);
	return 0;
}

static inline int cni_json_object(json_object *v, const char *path)
{
	if (!json_object_is_type(v, json_type_object))
		return error_config("%s: must be an object", path);
	return 0;
}

/* A string naming a file: absolute, so it does not depend on the runtime's directory. */
static inline int cni_json_abs_path(json_object *v, const char *path, char **out)
{
	const char *s = NULL;

	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	if (s[0] != '/')
		return error_config("%s: must be an absolute path", path);
	return cni_json_strdup(v, path, out);
}

/* One IP prefix ("10.0.0.0/8"), reported by path when it is not one. */
int cni_json_cidr(json_object *v, const char *path, struct cidr *out);
/* An array of at most `max` prefixes with their host bits cleared (networks, as routes take them). */
int cni_json_networks(json_object *v, const char *path, size_t max, struct cidr **out, size_t *n);

/* Array of strings, each checked by `check` when given (which reports and returns < 0). */
int cni_json_strings(json_object *v, const char *path, char ***out, size_t *n,
		     int (*check)(const char *s, const char *item_path));
void cni_strings_free(char **strings, size_t n);

/* The "dns" object of a configuration or result. */
int cni_dns_parse(json_object *v, const char *path, struct dns_conf *dns);
void cni_dns_free(struct dns_conf *dns);

/* A prevResult in the shape of any supported version. */
int cni_result_parse(json_object *v, const char *path, struct cni_result **out);

/* This plugin's fields of the configuration object, into `conf`. */
int cni_netconf_parse(json_object *root, struct netconf *conf);

/* One line and a newline, as runtimes read it. 0, or -EIO (reported) when `out` fails. */
int cni_json_print(FILE *out, json_object *o);
