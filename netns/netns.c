/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "netns.h"

/* thread-self, not self: setns() moves only the calling thread. */
#define CURRENT_NETNS "/proc/thread-self/ns/net"

static bool is_network_namespace(int fd)
{
	struct statfs sfs;
	int type = ioctl(fd, NS_GET_NSTYPE);

	if (type >= 0)
		return type == CLONE_NEWNET;
	if (errno != ENOTTY)
		return false;
	/*
	 * Files outside nsfs answer ENOTTY, and so does every nsfs file on kernels
	 * before 4.11, where the namespace type cannot be asked: take nsfs as enough.
	 */
	return fstatfs(fd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
}

int netns_open(const char *path)
{
	_cleanup_close_ int fd = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_report(-errno, CNI_ERR_INVALID_ENV, "netns %s", path);
	if (!is_network_namespace(fd)) {
		error_report(0, CNI_ERR_INVALID_ENV, "netns %s: not a network namespace", path);
		return -EINVAL;
	}
	return TAKE_FD(fd);
}

int netns_open_current(void)
{
	return netns_open(CURRENT_NETNS);
}

int netns_run(int fd, int (*fn)(void *arg), void *arg)
{
	_cleanup_close_ int home = -1;
	int r;

	home = open(CURRENT_NETNS, O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return error_report(-errno, CNI_ERR_IO, "opening %s", CURRENT_NETNS);
	if (setns(fd, CLONE_NEWNET) < 0)
		return error_report(-errno, CNI_ERR_IO, "entering the container network namespace");

	r = fn(arg);

	if (setns(home, CLONE_NEWNET) < 0) {
		/* Whatever runs next would treat the container's network as the host's. */
		log_msg("returning to the plugin's network namespace: %s; aborting",
			strerror(errno));
		abort();
	}
	return r;
}
