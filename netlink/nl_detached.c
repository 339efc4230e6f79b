/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A request whose sender the kernel keeps waiting after the part the caller
 * needs is done. Deleting a device is the case: the RTM_DELLINK
 * notification goes out once the device is unlisted (its name free, gone
 * from every dump), but the sendmsg that asked for it returns only after
 * rtnl is released and netdev_run_todo has waited for an RCU barrier and
 * the driver's destructor (WireGuard's waits for its own barrier and
 * workqueues): most of the time of a delete, and nobody needs to wait for
 * it. So a child process sends the request and stays in the kernel for the
 * rest, while the caller, subscribed to the notifications of the socket's
 * namespace, returns as soon as the one it waits for arrives.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netlink.h>

#include "nl.h"

#define RECV_SIZE 32768

/*
 * The child keeps nothing but the socket: the runtime reads our stdout until
 * every holder closes it, and a lock held through an inherited descriptor
 * would stay held until the child is done.
 */
static void close_all_but(int keep)
{
	if (keep > 0 && close_range(0, (unsigned)keep - 1, 0) < 0)
		for (int fd = 0; fd < keep; fd++)
			close(fd);
	if (close_range((unsigned)keep + 1, ~0U, 0) < 0)
		for (int fd = keep + 1; fd < 1024; fd++)
			close(fd);
}

/* No ACK asked: on success nothing comes back for the request, so nothing is left over. */
static pid_t send_from_child(int fd, const struct nlmsghdr *req)
{
	pid_t pid = fork();

	if (pid == 0) {
		close_all_but(fd);
		(void)send(fd, req, req->nlmsg_len, 0);
		_exit(0);
	}
	return pid;
}

struct wait_state {
	uint32_t seq;
	mnl_cb_t until;
	void *data;
	int result; /* 1 while waiting */
};

static void read_messages(struct wait_state *w, const uint8_t *buf, size_t n,
			  const struct sockaddr_nl *from)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)n;

	if (from->nl_pid != 0)
		return; /* only the kernel speaks here */
	if (!nl_reply_fits(buf, n)) {
		w->result = -EBADMSG;
		return;
	}
	for (; w->result == 1 && mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_seq == w->seq) {
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
				w->result = -EBADMSG;
			else
				w->result = e->error < 0 ? e->error : 0;
		} else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE &&
			   w->until(nlh, w->data) == MNL_CB_STOP) {
			w->result = 0;
		}
	}
}

/* Whatever was queued before the membership was dropped. */
static void drain(int fd, uint8_t *buf)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (poll(&pfd, 1, 0) > 0 && (recv(fd, buf, RECV_SIZE, MSG_DONTWAIT) >= 0 ||
					  errno == ENOBUFS || errno == EINTR))
		;
}

int nl_request_detached(struct nl_sock *s, struct nlmsghdr *req, unsigned group, mnl_cb_t until,
			void *data)
{
	struct wait_state w = { .until = until, .data = data, .result = 1 };
	int fd = nl_fd(s);
	uint8_t *buf;
	pid_t child;

	req->nlmsg_flags = (uint16_t)((req->nlmsg_flags | NLM_F_REQUEST) & ~NLM_F_ACK);
	req->nlmsg_seq = w.seq = nl_next_seq(s);
	buf = malloc(RECV_SIZE);
	if (!buf)
		return -ENOMEM;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		free(buf);
		return nl_request(s, req, NULL, NULL);
	}
	child = send_from_child(fd, req);
	if (child < 0)
		w.result = -errno;
	while (w.result == 1) {
		struct sockaddr_nl from = { 0 };
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, RECV_SIZE, 0, (struct sockaddr *)&from, &from_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* ENOBUFS: notifications were lost, maybe ours; the child's end is certain. */
			w.result = -errno;
			break;
		}
		read_messages(&w, buf, (size_t)n, &from);
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group, sizeof(group));
	if (w.result < 0 && child > 0) {
		/* Failed: the child is done or about to be; nothing of it outlives us then. */
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	drain(fd, buf);
	free(buf);
	if (child < 0)
		return nl_request(s, req, NULL, NULL);
	return w.result;
}
