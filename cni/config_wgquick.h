/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to cni/: merging the file named by wgQuickConfig, once the JSON fields are parsed. */
#pragma once

#include <json-c/json.h>
#include "config.h"

/* No-op without wgQuickConfig. 0 or -errno (reported). */
int cni_apply_wg_quick(json_object *root, struct netconf *conf);
