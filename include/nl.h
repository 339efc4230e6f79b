/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one door to the kernel: every netlink request (rtnetlink, generic
 * netlink, nftables) goes through nl_request() or nl_batch(). Message
 * builders elsewhere write into a caller's buffer and never touch a socket;
 * unit tests substitute these two functions (-Wl,--wrap) to inject replies
 * and failures.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

struct nl_sock;

/* Room for one request we build: rtnetlink requests are small, and WireGuard
 * configuration is split into messages of this size. */
#define NL_MSG_MAX 8192

/* Open a socket of `protocol` (NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_NETFILTER)
 * in the caller's current network namespace, where it stays bound. */
int nl_open(int protocol, struct nl_sock **out);
void nl_close(struct nl_sock *s);
void nl_closep(struct nl_sock **s);
#define _cleanup_nl_ __attribute__((cleanup(nl_closep)))

/* Next sequence number to stamp on a message built for this socket. */
uint32_t nl_next_seq(struct nl_sock *s);

/*
 * Send one request (NLM_F_ACK is added) and read until its ACK, error or
 * NLMSG_DONE, calling cb (may be NULL) for every data message. Returns 0,
 * the kernel's negative errno, or the callback's negative return
 * (MNL_CB_ERROR counts as -errno). The whole reply is read even when the
 * callback fails or stops, so the socket is ready for the next request.
 */
int nl_request(struct nl_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data);

/*
 * Send a batch of messages in one sendmsg (nftables transactions) and read
 * every acknowledgement before deciding: returns 0 only if every message
 * that asked for an ACK got a zero one, else the first negative errno.
 */
int nl_batch(struct nl_sock *s, const void *buf, size_t len);

/*
 * For a request the kernel answers early in multicast but keeps its sender
 * waiting long after (deleting a device): a child process sends req, without
 * an ACK, and stays in the kernel for the rest; this returns as soon as
 * `until` returns MNL_CB_STOP for a notification of `group` (RTNLGRP_*) in
 * the socket's namespace, or with the kernel's error for req. The child is
 * not waited for: it exits when the kernel is done. -ENOBUFS, -EBADMSG:
 * notifications were lost or unreadable, the request has finished (the child
 * was waited for) and the caller must look for itself.
 */
int nl_request_detached(struct nl_sock *s, struct nlmsghdr *req, unsigned group, mnl_cb_t until,
			void *data);
/* The socket's descriptor, for nl_request_detached(). */
int nl_fd(struct nl_sock *s);

/* Does every message header in a received buffer fit inside it? (checked before libmnl walks it) */
bool nl_reply_fits(const void *buf, size_t len);

/* Generic netlink: resolve a family name ("wireguard") to its id. -ENOENT if absent. */
int nl_genl_family(struct nl_sock *genl, const char *name, uint16_t *id);
