/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Quieting a wireguard-go helper's TUN listener (see helper_listen.h). Its
 * socket is found among the helper's descriptors by what it is, not by a
 * scan of the namespace's netlink sockets: an rtnetlink socket bound to
 * exactly the link + IPv4 address + IPv6 address groups. The sticky-socket
 * route listener (IPv4 route group) serves the UDP socket, which stays in
 * this namespace, and is left alone.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "cleanup.h"
#include "helper_listen.h"

#define TUN_LISTENER_GROUPS (RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR)

static bool is_tun_listener(int fd)
{
	struct sockaddr_nl addr = { 0 };
	socklen_t len = sizeof(addr);
	int domain = 0, protocol = -1;
	socklen_t ilen = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &ilen) < 0 || domain != AF_NETLINK)
		return false;
	ilen = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &ilen) < 0 ||
	    protocol != NETLINK_ROUTE)
		return false;
	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		return false;
	return (addr.nl_groups & TUN_LISTENER_GROUPS) == TUN_LISTENER_GROUPS;
}

static int drop_groups(int fd)
{
	static const int groups[] = { RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR };

	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &groups[i],
			       sizeof(groups[i])) < 0)
			return -errno;
	return 0;
}

/* Only sockets are taken over: the link names "socket:[INODE]". */
static bool is_socket_entry(int dir_fd, const char *name)
{
	char target[32];
	ssize_t n = readlinkat(dir_fd, name, target, sizeof(target) - 1);

	if (n <= 0)
		return false;
	target[n] = '\0';
	return strncmp(target, "socket:[", 8) == 0;
}

int helper_listen_drop_link_events(pid_t pid)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	char path[40];
	struct dirent *e;
	int changed = 0, r = 0;
	DIR *dir;

	if (pidfd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (r == 0 && (e = readdir(dir))) {
		char *end;
		long target = strtol(e->d_name, &end, 10);
		int fd;

		if (*end || end == e->d_name || !is_socket_entry(dirfd(dir), e->d_name))
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)target, 0);
		if (fd < 0) {
			/* Closed meanwhile: go on; not permitted: give up. */
			if (errno != EBADF)
				r = -errno;
			continue;
		}
		if (is_tun_listener(fd)) {
			r = drop_groups(fd);
			changed += r == 0;
		}
		close(fd);
	}
	closedir(dir);
	return r < 0 ? r : changed;
}
