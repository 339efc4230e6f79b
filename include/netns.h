/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening network namespaces by path and doing short work inside them. */
#pragma once

/*
 * Open a network namespace by path (/run/netns/x, /proc/PID/ns/net,
 * /proc/PID/fd/N) and verify it is one. Returns an O_CLOEXEC fd, -ENOENT
 * when the path is gone, -EINVAL when it is not a network namespace.
 */
int netns_open(const char *path);

/* The caller's own network namespace ("the host" for this plugin). */
int netns_open_current(void);

/*
 * Run fn(arg) inside the namespace `fd` and come back, whatever fn returns.
 * Sockets opened by fn stay bound to that namespace. Returns fn's result,
 * or a negative errno if entering or leaving failed (leaving failing is
 * fatal for the process and aborts: it must never continue in the wrong
 * namespace).
 */
int netns_run(int fd, int (*fn)(void *arg), void *arg);
