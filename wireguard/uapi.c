/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The UAPI socket of wireguard-go: the text protocol of
 * https://www.wireguard.com/xplatform/ ("set=1" / "get=1", key=value lines,
 * a blank line ends each message, "errno=N" ends each reply).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sodium.h>

#include "cleanup.h"
#include "error.h"
#include "uapi.h"

#define UAPI_MAX_REPLY (1u << 20)
#define UAPI_TIMEOUT_SEC 2

void uapi_socket_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "/var/run/wireguard/%s.sock", name);
}

int uapi_connect(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = UAPI_TIMEOUT_SEC };
	_cleanup_close_ int fd = -1;

	uapi_socket_path(name, sun.sun_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		/* MSG_NOSIGNAL: a helper that died must not kill the plugin with SIGPIPE. */
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A get reply holds the private key in hex: every buffer it passed through is wiped. */
struct reply {
	char *buf;
	size_t len, cap;
};

static void reply_free(struct reply *r)
{
	if (r->buf) {
		sodium_memzero(r->buf, r->len);
		free(r->buf);
	}
	r->buf = NULL;
}

static int reply_grow(struct reply *r)
{
	size_t cap = r->cap ? r->cap * 2 : 4096;
	char *buf;

	if (r->cap >= UAPI_MAX_REPLY)
		return -EMSGSIZE;
	if (cap > UAPI_MAX_REPLY)
		cap = UAPI_MAX_REPLY;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	if (r->buf)
		memcpy(buf, r->buf, r->len);
	reply_free(r);
	r->buf = buf;
	r->cap = cap;
	return 0;
}

/* Read up to and including the first blank line, which ends *msg_len bytes in. */
static int read_reply(int fd, struct reply *r, size_t *msg_len)
{
	for (;;) {
		size_t from = r->len ? r->len - 1 : 0;
		ssize_t n;
		char *end;

		if (r->len == r->cap) {
			int e = reply_grow(r);

			if (e < 0)
				return e;
		}
		n = recv(fd, r->buf + r->len, r->cap - r->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -EPROTO;
		r->len += (size_t)n;
		end = memmem(r->buf + from, r->len - from, "\n\n", 2);
		if (end) {
			*msg_len = (size_t)(end - r->buf) + 2;
			return 0;
		}
	}
}

/* One request, one reply, parsed into st; reports against the socket path. */
static int transact(const char *name, const char *request, const char *what,
		    struct wgdev_status *st)
{
	struct reply r = { 0 };
	size_t len = 0;
	char path[108];
	_cleanup_close_ int fd = -1;
	int e;

	uapi_socket_path(name, path, sizeof(path));
	fd = uapi_connect(name);
	if (fd < 0)
		return error_report(fd, CNI_ERR_INTERNAL, "connecting to %s", path);
	e = send_all(fd, request, strlen(request));
	if (e < 0)
		return error_report(e, CNI_ERR_INTERNAL, "writing to %s", path);
	e = read_reply(fd, &r, &len);
	if (e == 0)
		e = uapi_parse_get(r.buf, len, st);
	reply_free(&r);
	if (e == -EPROTO)
		return error_report(e, CNI_ERR_INTERNAL, "malformed reply from %s", path);
	if (e < 0)
		return error_report(e, CNI_ERR_INTERNAL, "%s through %s", what, path);
	return 0;
}

int uapi_set(const char *name, const struct wgdev_config *cfg)
{
	struct wgdev_status st = { 0 };
	char *request = uapi_build_set(cfg);
	char path[108];
	int e;

	if (!request) {
		uapi_socket_path(name, path, sizeof(path));
		return error_report(-errno, CNI_ERR_INTERNAL, "building the request for %s", path);
	}
	e = transact(name, request, "configuring wireguard-go", &st);
	sodium_memzero(request, strlen(request) + 1);
	free(request);
	wgdev_status_free(&st);
	return e;
}

int uapi_get(const char *name, struct wgdev_status *st)
{
	return transact(name, "get=1\n\n", "reading wireguard-go's configuration", st);
}
