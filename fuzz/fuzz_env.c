/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CNI environment and prevResult. The input is NUL-separated parts: the
 * values of CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS,
 * CNI_PATH (a missing part leaves the variable unset), then the prevResult
 * JSON, spliced into a configuration that is valid without it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "error.h"
#include "fuzz.h"

static const char *const variables[] = {
	"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH",
};

#define CONFIG_HEAD "{\"cniVersion\":\"1.0.0\",\"name\":\"fuzz\",\"type\":\"wireguard\"," \
	"\"privateKeyFile\":\"/k\",\"address\":[\"10.0.0.2/32\"],\"peers\":[{\"publicKey\":" \
	"\"YXkqXW0bfW6VxaJR52cVhc+Kh2mPQmN+MZLmdYY4DjY=\",\"allowedIPs\":[\"0.0.0.0/0\"]}]," \
	"\"prevResult\":"

static void prev_result(const uint8_t *data, size_t size)
{
	size_t head = sizeof(CONFIG_HEAD) - 1;
	char *json = malloc(head + size + 1);
	struct cni_request req;

	if (!json)
		return;
	memcpy(json, CONFIG_HEAD, head);
	memcpy(json + head, data, size);
	json[head + size] = '}';
	if (cni_request_parse(json, head + size + 1, &req) == 0)
		cni_request_free(&req);
	free(json);
	error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct cni_env env;

	for (size_t i = 0; i < sizeof(variables) / sizeof(variables[0]); i++) {
		const uint8_t *nul = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
		char *value;

		if (!nul) {
			unsetenv(variables[i]);
			continue;
		}
		value = strndup((const char *)p, (size_t)(nul - p));
		if (value)
			setenv(variables[i], value, 1);
		free(value);
		p = nul + 1;
	}
	cni_env_read(&env);
	error_clear();
	prev_result(p, (size_t)(end - p));
	return 0;
}
