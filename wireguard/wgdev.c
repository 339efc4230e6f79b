/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Choosing a backend, and what both backends share. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "wgdev.h"

void wgdev_status_free(struct wgdev_status *st)
{
	for (size_t i = 0; i < st->n_peers; i++)
		free(st->peers[i].allowed_ips);
	free(st->peers);
	memset(st, 0, sizeof(*st));
}

static bool is_executable_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

/* Never the runtime's PATH: podman passes its own (and a user could plant one there). */
const char *wgdev_userspace_find(const char *configured)
{
	static const char *const system_paths[] = {
		"/usr/bin/wireguard-go",
		"/usr/local/bin/wireguard-go",
		"/usr/sbin/wireguard-go",
		"/usr/local/sbin/wireguard-go",
	};
	static char found[PATH_MAX];

	if (configured) {
		if (configured[0] != '/') {
			error_config("userspaceImplementation: \"%s\" is not an absolute path",
				     configured);
			return NULL;
		}
		if (!is_executable_file(configured)) {
			error_config("userspaceImplementation: %s is not an executable file",
				     configured);
			return NULL;
		}
		snprintf(found, sizeof(found), "%s", configured);
		return found;
	}
	for (size_t i = 0; i < ARRAY_SIZE(system_paths); i++)
		if (is_executable_file(system_paths[i]))
			return system_paths[i];
	/* Code 7 for ADD; STATUS maps this to "unavailable" itself. */
	error_report(0, CNI_ERR_INVALID_CONFIG,
		     "wireguard-go not found in /usr/bin, /usr/local/bin, /usr/sbin, "
		     "/usr/local/sbin; install it or set userspaceImplementation");
	return NULL;
}

const struct wgdev_ops *wgdev_select(enum backend_kind kind, const char *implementation)
{
	switch (kind) {
	case BACKEND_KERNEL:
		if (wgdev_kernel_available())
			return &wgdev_kernel_ops;
		error_report(0, CNI_ERR_INVALID_CONFIG,
			     "backend kernel: the wireguard kernel module is not available "
			     "(generic netlink family \"wireguard\" not found)");
		return NULL;
	case BACKEND_USERSPACE:
		return wgdev_userspace_find(implementation) ? &wgdev_userspace_ops : NULL;
	case BACKEND_AUTO:
		if (wgdev_kernel_available())
			return &wgdev_kernel_ops;
		return wgdev_userspace_find(implementation) ? &wgdev_userspace_ops : NULL;
	}
	error_report(0, CNI_ERR_INVALID_CONFIG, "backend: unknown kind %d", (int)kind);
	return NULL;
}
