/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wireguard-go watches rtnetlink link and address events of the namespace it
 * starts in, to follow its TUN's state and MTU. Once the TUN has moved into a
 * container, those events are all about other devices of the host: each one
 * wakes every helper, and a host device that later takes the TUN's old index
 * is misread as the TUN (measured: "Interface up requested" and a failed MTU
 * reload for an unrelated veth). Its other watch, a write to the TUN every
 * second, works across namespaces and keeps the up/down detection.
 */
#pragma once

#include <sys/types.h>

/*
 * Leave the link and address groups of the helper's TUN listener socket
 * (taken with pidfd_getfd). Returns the number of sockets changed (0: none
 * found), or -errno when the helper's descriptors cannot be reached; the
 * caller treats that as "not permitted here" and goes on.
 */
int helper_listen_drop_link_events(pid_t pid);
