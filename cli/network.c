/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Find a network's configuration file as a runtime would (NAME.conflist
 * first, then any *.conflist or *.conf naming it) and hand the wireguard
 * plugin's object to the plugin's own parser, so the CLI sees exactly what
 * the plugin sees.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "cli.h"
#include "cleanup.h"
#include "cni.h"
#include "error.h"

static void json_putp(json_object **o)
{
	json_object_put(*o);
}

static const char *string_field(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The plugin's object with the list's cniVersion and name, as a runtime passes it. */
static json_object *plugin_object(json_object *root)
{
	json_object *plugins = NULL;

	if (!json_object_object_get_ex(root, "plugins", &plugins))
		return json_object_get(root);
	for (size_t i = 0; i < json_object_array_length(plugins); i++) {
		json_object *p = json_object_array_get_idx(plugins, i);
		const char *type = string_field(p, "type");
		json_object *copy = NULL;

		if (!type || strcmp(type, "wireguard") != 0)
			continue;
		if (json_object_deep_copy(p, &copy, NULL) < 0)
			return NULL;
		json_object_object_add(copy, "cniVersion",
				       json_object_new_string(string_field(root, "cniVersion") ?: ""));
		json_object_object_add(copy, "name",
				       json_object_new_string(string_field(root, "name") ?: ""));
		return copy;
	}
	return NULL;
}

static int parse_file(const char *path, const char *name, struct netconf *conf)
{
	_cleanup_(json_putp) json_object *root = json_object_from_file(path);
	_cleanup_(json_putp) json_object *plugin = NULL;
	struct cni_request req = { 0 };
	const char *text;
	int r;

	if (!root || !string_field(root, "name") || strcmp(string_field(root, "name"), name) != 0)
		return -ENOENT;
	plugin = plugin_object(root);
	if (!plugin)
		return error_report(-ENOENT, CNI_ERR_INVALID_CONFIG,
				    "%s: network %s has no plugin of type \"wireguard\"", path, name);
	text = json_object_to_json_string_ext(plugin, JSON_C_TO_STRING_PLAIN);
	r = cni_request_parse(text, strlen(text), &req);
	if (r < 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", error_message());
		error_clear();
		cni_request_free(&req);
		return error_report(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: %s", path, why);
	}
	*conf = req.conf;
	memset(&req.conf, 0, sizeof(req.conf));
	cni_request_free(&req);
	return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int network_load(const char *dir, const char *name, struct netconf *conf, char *path_out,
		 size_t len)
{
	DIR *d;
	struct dirent *e;
	int r;

	snprintf(path_out, len, "%s/%s.conflist", dir, name);
	r = parse_file(path_out, name, conf);
	if (r != -ENOENT || error_recorded())
		return r;
	d = opendir(dir);
	if (!d)
		return error_report(-errno, CNI_ERR_IO, "opening %s", dir);
	r = -ENOENT;
	while (r == -ENOENT && !error_recorded() && (e = readdir(d)))
		if (has_suffix(e->d_name, ".conflist") || has_suffix(e->d_name, ".conf")) {
			snprintf(path_out, len, "%s/%s", dir, e->d_name);
			r = parse_file(path_out, name, conf);
		}
	closedir(d);
	if (r == -ENOENT && !error_recorded())
		error_report(r, CNI_ERR_INVALID_CONFIG, "no network named %s in %s", name, dir);
	return r;
}
