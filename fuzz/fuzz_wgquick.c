/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A wg-quick .conf file, as wgquick_parse_file parses it once read. Besides
 * memory errors it checks one property: no message carries what may be a
 * key (43 base64 characters in a row), since the file is secret and
 * messages go to the runtime's logs.
 */
#include <ctype.h>
#include <stdlib.h>

#include "config.h"
#include "error.h"
#include "fuzz.h"
#include "wgquick.h"

static void assert_no_key_in_message(void)
{
	size_t run = 0;

	for (const char *c = error_message(); *c; c++) {
		run = isalnum((unsigned char)*c) || *c == '+' || *c == '/' ? run + 1 : 0;
		if (run >= 43)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netconf conf = { 0 };

	if (wgquick_parse_buffer("fuzz.conf", (const char *)data, size, &conf) < 0)
		assert_no_key_in_message();
	netconf_free(&conf);
	error_clear();
	return 0;
}
