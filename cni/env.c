/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a runtime hands the plugin: CNI_* variables, checked for the verb
 * they name, and the request on stdin (the network configuration, the
 * previous result, GC's list of attachments still in use).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cni_json.h"
#include "io.h"

#define STDIN_LIMIT (1024 * 1024)
#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static const struct {
	const char *name;
	enum cni_command command;
	bool needs_container; /* CNI_CONTAINERID and CNI_IFNAME */
	bool needs_netns;
} commands[] = {
	{ "ADD", CNI_CMD_ADD, true, true },
	{ "DEL", CNI_CMD_DEL, true, false },
	{ "CHECK", CNI_CMD_CHECK, true, true },
	{ "STATUS", CNI_CMD_STATUS, false, false },
	{ "GC", CNI_CMD_GC, false, false },
	{ "VERSION", CNI_CMD_VERSION, false, false },
};

/* Code 4 for a CNI_* variable; returns -EINVAL. */
__attribute__((format(printf, 1, 2)))
static int env_error(const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	error_report(0, CNI_ERR_INVALID_ENV, "%s", message);
	return -EINVAL;
}

static int env_copy(const char *var, const char *value, char *out, size_t size)
{
	if (strlen(value) >= size)
		return env_error("%s: longer than %zu characters", var, size - 1);
	strcpy(out, value);
	return 0;
}

static const char *env_required(const char *var)
{
	const char *value = getenv(var);

	if (!value || !*value) {
		env_error("%s: required", var);
		return NULL;
	}
	return value;
}

/* The ID names state files and firewall objects: the spec's pattern keeps it safe there. */
static int read_container_id(struct cni_env *env)
{
	const char *id = env_required("CNI_CONTAINERID");

	if (!id)
		return -EINVAL;
	/* env_required refused "", so id[0] is not the terminator strchr would find. */
	if (!strchr(ALNUM, id[0]) || id[strspn(id, ALNUM "_.-")] != '\0')
		return env_error("CNI_CONTAINERID: \"%.300s\" does not match "
				 "^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$", id);
	return env_copy("CNI_CONTAINERID", id, env->container_id, sizeof(env->container_id));
}

static int read_ifname(struct cni_env *env)
{
	const char *name = env_required("CNI_IFNAME");

	if (!name)
		return -EINVAL;
	if (strlen(name) >= IFNAMSIZ)
		return env_error("CNI_IFNAME: \"%.300s\" is longer than %d characters", name,
				 IFNAMSIZ - 1);
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			return env_error("CNI_IFNAME: \"%s\" contains '/', ':' or white space",
					 name);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return env_error("CNI_IFNAME: \"%s\" is not a valid name", name);
	return env_copy("CNI_IFNAME", name, env->ifname, sizeof(env->ifname));
}

/* DEL may come without a namespace (nerdctl sends one before every ADD, or it is gone). */
static int read_netns(struct cni_env *env, bool required)
{
	const char *path = required ? env_required("CNI_NETNS") : getenv("CNI_NETNS");

	if (!path)
		return required ? -EINVAL : 0;
	if (!*path)
		return 0;
	if (path[0] != '/')
		return env_error("CNI_NETNS: \"%.300s\" is not an absolute path", path);
	return env_copy("CNI_NETNS", path, env->netns, sizeof(env->netns));
}

int cni_env_read(struct cni_env *env)
{
	const char *command = getenv("CNI_COMMAND");
	const char *args = getenv("CNI_ARGS");
	size_t i = 0;

	memset(env, 0, sizeof(*env));
	if (!command)
		return 0;
	while (i < ARRAY_SIZE(commands) && strcmp(command, commands[i].name) != 0)
		i++;
	if (i == ARRAY_SIZE(commands))
		return env_error("CNI_COMMAND: unknown command \"%.64s\"", command);
	env->command = commands[i].command;
	if (commands[i].needs_container &&
	    (read_container_id(env) < 0 || read_ifname(env) < 0 ||
	     read_netns(env, commands[i].needs_netns) < 0))
		return -EINVAL;
	if (args && env_copy("CNI_ARGS", args, env->args, sizeof(env->args)) < 0)
		return -EINVAL;
	return 0;
}

static int parse_attachment(json_object *v, const char *path, char **out)
{
	char item[CNI_PATH_MAX];
	const char *id = NULL, *ifname = NULL;
	json_object *f = NULL;

	if (cni_json_object(v, path) < 0)
		return -EINVAL;
	cni_path(item, sizeof(item), "%s.containerID", path);
	if (!json_object_object_get_ex(v, "containerID", &f) || !f)
		return error_config("%s: required", item);
	if (cni_json_string(f, item, &id) < 0)
		return -EINVAL;
	cni_path(item, sizeof(item), "%s.ifname", path);
	if (!json_object_object_get_ex(v, "ifname", &f) || !f)
		return error_config("%s: required", item);
	if (cni_json_string(f, item, &ifname) < 0)
		return -EINVAL;
	/* The tab separates the two in what we store. */
	if (strpbrk(id, "\t\n") || strpbrk(ifname, "\t\n"))
		return error_config("%s: contains a tab or newline", path);
	if (asprintf(out, "%s\t%s", id, ifname) < 0)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	return 0;
}

/* GC's list of attachments still in use; libcni has also sent a misspelt key. */
static int parse_attachments(json_object *root, struct cni_request *req)
{
	const char *key = "cni.dev/valid-attachments";
	char item[CNI_PATH_MAX];
	json_object *v = NULL;
	size_t n = 0;

	if (!json_object_object_get_ex(root, key, &v)) {
		key = "cni.dev/attachments";
		if (!json_object_object_get_ex(root, key, &v))
			return 0;
	}
	req->has_valid_attachments = true;
	if (!v)
		return 0;
	if (cni_json_array(v, key, 0, SIZE_MAX, &n) < 0)
		return -EINVAL;
	req->valid_attachments = calloc(n ? n : 1, sizeof(char *));
	if (!req->valid_attachments)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", key);
	for (size_t i = 0; i < n; i++) {
		cni_path(item, sizeof(item), "%s[%zu]", key, i);
		if (parse_attachment(json_object_array_get_idx(v, i), item,
				     &req->valid_attachments[i]) < 0)
			return -EINVAL;
		req->n_valid_attachments++;
	}
	return 0;
}

int cni_request_parse(const char *json, size_t len, struct cni_request *req)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *prev = NULL;
	const char *why = NULL;
	int r;

	memset(req, 0, sizeof(*req));
	root = cni_json_parse(json, len, &why);
	if (!root || !json_object_is_type(root, json_type_object)) {
		error_report(0, CNI_ERR_DECODE, "failed to decode configuration: %s",
			     root ? "not a JSON object" : why);
		return -EINVAL;
	}
	r = cni_netconf_parse(root, &req->conf);
	if (r == 0 && json_object_object_get_ex(root, "prevResult", &prev) && prev)
		r = cni_result_parse(prev, "prevResult", &req->prev_result);
	if (r == 0)
		r = parse_attachments(root, req);
	if (r < 0)
		cni_request_free(req);
	return r;
}

int cni_request_read(int fd, struct cni_request *req)
{
	_cleanup_free_ char *buf = malloc(STDIN_LIMIT + 1);
	ssize_t used;

	memset(req, 0, sizeof(*req));
	if (!buf)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "reading the configuration");
	/* One byte past the limit tells "exactly 1 MiB" from "more". */
	used = io_read_up_to(fd, buf, STDIN_LIMIT + 1);
	if (used < 0)
		return error_report((int)used, CNI_ERR_IO, "reading the configuration");
	if ((size_t)used > STDIN_LIMIT) {
		error_report(0, CNI_ERR_DECODE, "configuration larger than 1 MiB");
		return -EFBIG;
	}
	return cni_request_parse(buf, (size_t)used, req);
}

void cni_request_free(struct cni_request *req)
{
	netconf_free(&req->conf);
	cni_result_free(req->prev_result);
	cni_strings_free(req->valid_attachments, req->n_valid_attachments);
	memset(req, 0, sizeof(*req));
}

