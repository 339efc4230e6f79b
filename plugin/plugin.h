/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CNI verbs. Each returns 0 or a negative errno with the error recorded (error.h). */
#pragma once

#include "cni.h"

struct verb_input {
	const struct cni_env *env;
	const char *stdin_json;
	size_t stdin_len;
};

int cmd_add(const struct verb_input *in);
int cmd_del(const struct verb_input *in);
int cmd_check(const struct verb_input *in);
int cmd_status(const struct verb_input *in);
int cmd_gc(const struct verb_input *in);
