/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netlink transport. Nothing is reported from here: every caller names
 * the object it was working on, and a report made here first would hide that
 * name (the first report wins).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "cleanup.h"
#include "nl.h"

/* Dumps arrive in messages of up to 32 KiB (the kernel sizes them after the
 * largest buffer we ever read with); a smaller buffer truncates them. */
#define NL_RECV_SIZE 32768

struct nl_sock {
	struct mnl_socket *mnl;
	uint32_t portid;
	uint32_t seq;
};

int nl_open(int protocol, struct nl_sock **out)
{
	struct nl_sock *s = calloc(1, sizeof(*s));
	int one = 1;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->mnl = mnl_socket_open2(protocol, SOCK_CLOEXEC);
	if (!s->mnl || mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		nl_close(s);
		return err;
	}
	/* Errors then echo only the header of a failed request, not its
	 * payload: a failed WireGuard request would bring its keys back. */
	mnl_socket_setsockopt(s->mnl, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->mnl);
	s->seq = (uint32_t)time(NULL);
	*out = s;
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->mnl)
		mnl_socket_close(s->mnl);
	free(s);
}

void nl_closep(struct nl_sock **s)
{
	nl_close(*s);
	*s = NULL;
}

int nl_fd(struct nl_sock *s)
{
	return mnl_socket_get_fd(s->mnl);
}

uint32_t nl_next_seq(struct nl_sock *s)
{
	/* 0 would turn libmnl's sequence check off. */
	if (++s->seq == 0)
		s->seq = 1;
	return s->seq;
}

/*
 * Replies may carry key material (WireGuard dumps): wiped before freeing, as
 * far as any read wrote into it. Most replies are a 36-byte ACK: wiping all
 * 32 KiB after each cost 3.5 ms of a 52 ms kernel-backend ADD in the test VM
 * (qemu -icount; glibc's memset of that size is a `rep stosb`, counted per byte).
 */
struct recv_buf {
	uint8_t *data;
	size_t used; /* high-water mark of what the kernel wrote */
};

static void recv_buf_free(struct recv_buf *buf)
{
	if (buf->data) {
		explicit_bzero(buf->data, buf->used);
		free(buf->data);
	}
}
#define _cleanup_recv_buf_ _cleanup_(recv_buf_free)

struct request {
	mnl_cb_t cb;
	void *data;
	int err;      /* first failure of the callback */
	bool stopped; /* the callback wants no more messages */
};

/*
 * After the callback fails or stops we keep reading to the end of the reply,
 * so the next request on this socket does not find leftovers of this one.
 */
static int request_data(const struct nlmsghdr *nlh, void *data)
{
	struct request *rq = data;
	int r;

	if (!rq->cb || rq->err || rq->stopped)
		return MNL_CB_OK;
	errno = 0;
	r = rq->cb(nlh, rq->data);
	if (r == MNL_CB_STOP)
		rq->stopped = true;
	else if (r == MNL_CB_ERROR)
		rq->err = errno > 0 ? -errno : -EIO;
	else if (r < 0)
		rq->err = r;
	return MNL_CB_OK;
}

static int request_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	errno = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

/* A dump that fails part way ends with NLMSG_DONE carrying the error. */
static int request_done(const struct nlmsghdr *nlh, void *data)
{
	int32_t err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err < 0) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/*
 * libmnl compares a message's length as a signed int: one claiming 2 GiB or
 * more passes mnl_nlmsg_ok() and mnl_nlmsg_next() jumps out of the buffer
 * (found by fuzz/fuzz_netlink.c). The kernel never sends that; refuse it
 * before libmnl walks the buffer.
 */
bool nl_reply_fits(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const void *)p;
		size_t step;

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
			return false;
		step = MNL_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return true;
}

static ssize_t recv_some(struct nl_sock *s, struct recv_buf *buf)
{
	ssize_t n;

	do {
		n = mnl_socket_recvfrom(s->mnl, buf->data, NL_RECV_SIZE);
	} while (n < 0 && errno == EINTR);
	/* A truncated message (ENOSPC) filled the buffer but reports no length. */
	if (n < 0)
		buf->used = NL_RECV_SIZE;
	else if ((size_t)n > buf->used)
		buf->used = (size_t)n;
	return n < 0 ? -errno : n;
}

int nl_request(struct nl_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	/* Given a table, libmnl calls only what it holds: ERROR must be in it too. */
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = request_error,
		[NLMSG_DONE] = request_done,
	};
	_cleanup_recv_buf_ struct recv_buf buf = { 0 };
	struct request rq = { .cb = cb, .data = data };
	int r;

	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (req->nlmsg_seq == 0)
		req->nlmsg_seq = nl_next_seq(s);
	buf.data = malloc(NL_RECV_SIZE);
	if (!buf.data)
		return -ENOMEM;
	if (mnl_socket_sendto(s->mnl, req, req->nlmsg_len) < 0)
		return -errno;

	do {
		ssize_t n = recv_some(s, &buf);

		if (n < 0)
			return (int)n;
		if (!nl_reply_fits(buf.data, (size_t)n)) {
			errno = EBADMSG;
			r = MNL_CB_ERROR;
			break;
		}
		r = mnl_cb_run2(buf.data, (size_t)n, req->nlmsg_seq, s->portid, request_data, &rq,
				ctl, NLMSG_MIN_TYPE);
	} while (r == MNL_CB_OK);

	if (rq.err)
		return rq.err;
	if (r == MNL_CB_ERROR)
		return errno > 0 ? -errno : -EIO;
	return 0;
}

static bool batch_wants_ack(const void *batch, size_t len, uint32_t seq)
{
	const struct nlmsghdr *nlh = batch;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		if (nlh->nlmsg_seq == seq)
			return nlh->nlmsg_flags & NLM_F_ACK;
	return false;
}

struct batch_acks {
	const void *batch;
	size_t len;
	size_t expected, received;
	int first_err;
	bool aborted; /* an error for a message that asked no ACK: the batch was refused whole */
};

static void batch_read_acks(struct batch_acks *acks, const uint8_t *buf, size_t n)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)n;

	if (!nl_reply_fits(buf, n)) {
		acks->first_err = acks->first_err ? acks->first_err : -EBADMSG;
		acks->aborted = true;
		return;
	}
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		bool wanted;

		if (nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
			acks->first_err = acks->first_err ? acks->first_err : -EBADMSG;
			acks->aborted = true;
			continue;
		}
		wanted = batch_wants_ack(acks->batch, acks->len, nlh->nlmsg_seq);
		if (wanted)
			acks->received++;
		if (e->error < 0 && !acks->first_err)
			acks->first_err = e->error;
		if (e->error < 0 && !wanted)
			acks->aborted = true;
	}
}

/*
 * Every acknowledgement of a batch is queued at once, each in its own skb
 * costing about a kilobyte of receive buffer: without room for all of them
 * the kernel drops some (ENOBUFS) and we would wait for them forever.
 */
static void batch_reserve(struct nl_sock *s, size_t acks)
{
	int fd = mnl_socket_get_fd(s->mnl), have = 0, want;
	socklen_t len = sizeof(have);

	if (acks > 1 << 20)
		acks = 1 << 20;
	want = (int)(acks * 1024);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &have, &len) == 0 && have >= want)
		return;
	/* FORCE passes net.core.rmem_max and needs CAP_NET_ADMIN, which we have. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
}

/*
 * nfnetlink processes the whole batch inside sendmsg and queues every
 * acknowledgement before it returns; so once the counted ACKs are in (or the
 * batch was refused), whatever else is queued belongs to this batch too and
 * is drained without waiting, leaving the socket clean for the next request.
 */
int nl_batch(struct nl_sock *s, const void *batch, size_t len)
{
	_cleanup_recv_buf_ struct recv_buf buf = { 0 };
	struct batch_acks acks = { .batch = batch, .len = len };
	const struct nlmsghdr *nlh = batch;
	struct pollfd pfd = { .fd = mnl_socket_get_fd(s->mnl), .events = POLLIN };
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		if (nlh->nlmsg_flags & NLM_F_ACK)
			acks.expected++;
	buf.data = malloc(NL_RECV_SIZE);
	if (!buf.data)
		return -ENOMEM;
	batch_reserve(s, acks.expected);
	if (mnl_socket_sendto(s->mnl, batch, len) < 0)
		return -errno;

	while (acks.received < acks.expected && !acks.aborted) {
		ssize_t n = recv_some(s, &buf);

		if (n < 0) {
			acks.first_err = acks.first_err ? acks.first_err : (int)n;
			break;
		}
		batch_read_acks(&acks, buf.data, (size_t)n);
	}
	while (poll(&pfd, 1, 0) > 0) {
		ssize_t n = recv_some(s, &buf);

		if (n < 0 && n != -ENOBUFS)
			break;
		if (n > 0)
			batch_read_acks(&acks, buf.data, (size_t)n);
	}
	return acks.first_err;
}

static int family_id_attr(const struct nlattr *attr, void *data)
{
	uint16_t *id = data;

	if (mnl_attr_get_type(attr) != CTRL_ATTR_FAMILY_ID)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
		return MNL_CB_ERROR;
	*id = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_reply(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_id_attr, data);
}

int nl_genl_family(struct nl_sock *genl, const char *name, uint16_t *id)
{
	uint8_t buf[NL_MSG_MAX] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	uint16_t found = 0;
	int r;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_seq = nl_next_seq(genl);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);

	r = nl_request(genl, nlh, family_reply, &found);
	if (r < 0)
		return r;
	if (found == 0)
		return -EBADMSG;
	*id = found;
	return 0;
}
