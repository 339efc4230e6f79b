/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The versions this plugin speaks, and the replies that are not results:
 * VERSION's answer and the CNI error object. Also the one JSON decoder and
 * printer every cni/ file uses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cni_json.h"

#define VERSION_DEFAULT "1.1.0"

const char *const cni_supported_versions[] = {
	"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
};

bool cni_version_supported(const char *version)
{
	for (size_t i = 0; version && cni_supported_versions[i]; i++)
		if (strcmp(version, cni_supported_versions[i]) == 0)
			return true;
	return false;
}

json_object *cni_json_parse(const char *json, size_t len, const char **why)
{
	json_tokener *tok = NULL;
	json_object *o = NULL;
	enum json_tokener_error err;
	size_t end;

	*why = "input larger than the parser accepts";
	if (len > INT32_MAX)
		return NULL;
	*why = "out of memory";
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, json, (int)len);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	/* A bare literal ("null", "12") is only complete once the tokener sees the end. */
	if (!o && err == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, "", 1);
		err = json_tokener_get_error(tok);
	}
	json_tokener_free(tok);
	if (err == json_tokener_continue)
		*why = "unexpected end of data";
	else if (err != json_tokener_success)
		*why = json_tokener_error_desc(err);
	else if (!o)
		*why = "not a JSON object"; /* a bare null */
	if (!o)
		return NULL;
	/* The tokener stops after one value; anything but white space after it is garbage. */
	while (end < len && isspace((unsigned char)json[end]))
		end++;
	if (end < len) {
		*why = "unexpected data after the JSON value";
		json_object_put(o);
		return NULL;
	}
	return o;
}

int cni_json_print(FILE *out, json_object *o)
{
	const char *text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!text)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "formatting JSON output");
	if (fprintf(out, "%s\n", text) < 0)
		return error_report(-EIO, CNI_ERR_IO, "writing the reply");
	return 0;
}

char *cni_peek_version(const char *json, size_t len)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *v = NULL;
	const char *why = NULL;

	root = cni_json_parse(json, len, &why);
	if (!root || !json_object_object_get_ex(root, "cniVersion", &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return strdup(json_object_get_string(v));
}

void cni_version_print(FILE *out, const char *version)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *list = json_object_new_array();

	/* The runtime compares supportedVersions; an unknown asked version is not echoed. */
	if (!cni_version_supported(version))
		version = VERSION_DEFAULT;
	if (!o || !list ||
	    json_object_object_add(o, "cniVersion", json_object_new_string(version)) ||
	    json_object_object_add(o, "supportedVersions", list)) {
		json_object_put(list);
		return;
	}
	for (size_t i = 0; cni_supported_versions[i]; i++)
		json_object_array_add(list, json_object_new_string(cni_supported_versions[i]));
	cni_json_print(out, o);
}

static const char *code_text(enum cni_code code)
{
	switch (code) {
	case CNI_ERR_INCOMPATIBLE_VERSION: return "incompatible CNI version";
	case CNI_ERR_UNSUPPORTED_FIELD: return "unsupported field in network configuration";
	case CNI_ERR_UNKNOWN_CONTAINER: return "unknown container";
	case CNI_ERR_INVALID_ENV: return "invalid environment variables";
	case CNI_ERR_IO: return "I/O failure";
	case CNI_ERR_DECODE: return "failed to decode content";
	case CNI_ERR_INVALID_CONFIG: return "invalid network configuration";
	case CNI_ERR_TRY_AGAIN: return "try again later";
	case CNI_ERR_STATUS_UNAVAILABLE: return "plugin not available";
	case WGCNI_ERR_DIFFERS: return "attachment differs from its configuration";
	case CNI_ERR_INTERNAL: return "internal error";
	}
	return "error";
}

void cni_error_print(FILE *out, const char *version)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	enum cni_code code = error_code();

	if (!cni_version_supported(version))
		version = VERSION_DEFAULT;
	if (!o || json_object_object_add(o, "cniVersion", json_object_new_string(version)) ||
	    json_object_object_add(o, "code", json_object_new_int(code)) ||
	    json_object_object_add(o, "msg", json_object_new_string(code_text(code))) ||
	    json_object_object_add(o, "details", json_object_new_string(error_message()))) {
		/* Still a parseable reply when memory is short. */
		fprintf(out, "{\"cniVersion\":\"%s\",\"code\":%d,\"msg\":\"%s\"}\n", version, code,
			code_text(code));
		return;
	}
	cni_json_print(out, o);
}
