/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The typed reads of cni_json.h that are too long to be inline: prefixes and arrays. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cni_json.h"

int cni_json_cidr(json_object *v, const char *path, struct cidr *out)
{
	const char *s = NULL;

	if (cni_json_string(v, path, &s) < 0)
		return -EINVAL;
	if (cidr_parse(s, out) < 0)
		return error_config("%s: not an IP prefix: \"%s\"", path, s);
	return 0;
}

int cni_json_networks(json_object *v, const char *path, size_t max, struct cidr **out, size_t *n)
{
	char item[CNI_PATH_MAX];
	size_t len = 0;

	if (cni_json_array(v, path, 0, max, &len) < 0)
		return -EINVAL;
	*out = calloc(len ? len : 1, sizeof(**out));
	if (!*out)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	for (size_t i = 0; i < len; i++) {
		cni_path(item, sizeof(item), "%s[%zu]", path, i);
		if (cni_json_cidr(json_object_array_get_idx(v, i), item, &(*out)[i]) < 0)
			return -EINVAL;
		cidr_mask(&(*out)[i]);
		(*n)++;
	}
	return 0;
}

int cni_json_strings(json_object *v, const char *path, char ***out, size_t *n,
		     int (*check)(const char *s, const char *item_path))
{
	char item[CNI_PATH_MAX];
	size_t count = 0;

	if (cni_json_array(v, path, 0, SIZE_MAX, &count) < 0)
		return -EINVAL;
	*out = calloc(count ? count : 1, sizeof(char *));
	if (!*out)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", path);
	for (size_t i = 0; i < count; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *s = NULL;

		cni_path(item, sizeof(item), "%s[%zu]", path, i);
		if (cni_json_string(e, item, &s) < 0 || (check && check(s, item) < 0))
			return -EINVAL;
		if (!((*out)[i] = strdup(s)))
			return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s", item);
		(*n)++;
	}
	return 0;
}
