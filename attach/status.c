/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STATUS: could an ADD work now? The key is readable and a backend is there. */
#include <errno.h>

#include "attach.h"
#include "error.h"
#include "key.h"
#include "wgdev.h"
#include "wgquick.h"

int attach_status(const struct netconf *conf)
{
	uint8_t priv[WG_KEY_LEN];
	int r;

	r = wgquick_private_key(conf, priv);
	key_wipe(priv, sizeof(priv));
	if (r < 0)
		return r;
	if (!wgdev_select(conf->backend, conf->userspace_implementation))
		return -ENOTSUP;
	return 0;
}
