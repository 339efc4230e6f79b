/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wireguard-go process of a userspace device, from the plugin's side:
 * started detached from everything of ours, awaited until its UAPI socket
 * accepts, and stopped again when the device it was started for is not made.
 */
#pragma once

#include "wgdev.h"

/*
 * Start dev->implementation for dev->host_ifname, in the plugin's namespace
 * or, with dev->socket_in_container, in the container's. Sets helper_pid
 * and helper_start_time.
 */
int helper_spawn(struct wgdev *dev);
/* A connected UAPI socket, or an error naming why there is none (it exited, 5 s passed). */
int helper_wait_socket(struct wgdev *dev);
/* Stop the helper we started (SIGTERM, SIGKILL after 1 s), reap it, remove its socket. */
void helper_stop_own(struct wgdev *dev);
