/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userspace backend. wireguard-go creates a TUN in the plugin's
 * namespace, where its UDP socket stays; we configure it over its UAPI
 * socket, then move the TUN into the container under its final name. The
 * helper outlives the plugin: destroy stops it by PID, guarded by its start
 * time so a reused PID is never signalled.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "error.h"
#include "helper_listen.h"
#include "helper_proc.h"
#include "key.h"
#include "link.h"
#include "netns.h"
#include "state.h"
#include "uapi.h"
#include "wgdev.h"

#define PORT_WAIT_NS (2 * 1000000000LL)

/*
 * Fresh for every ADD: wireguard-go names its socket after the interface,
 * and a helper still exiting from an earlier DEL may hold the old name.
 */
static int pick_host_ifname(struct wgdev *dev)
{
	uint8_t r[6];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return error_report(-EIO, CNI_ERR_INTERNAL, "picking a name for wireguard-go's device");
	snprintf(dev->host_ifname, sizeof(dev->host_ifname), "wgc%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5]);
	return 0;
}

/* Whether a UDP socket of this family could bind port now (ours, closed at once). */
static bool udp_port_free(int family, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, fd, r;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true; /* no such family here: nothing to wait for */
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		len = sizeof(*a);
	}
	r = bind(fd, (struct sockaddr *)&ss, len);
	close(fd);
	return r == 0 || errno != EADDRINUSE;
}

/*
 * wireguard-go binds its port only when it sees its device up, which can be
 * after the configuration request has been answered: a port still held by
 * the helper of a just-deleted attachment would then fail that late bind
 * silently (listen port 0, a dead tunnel). So a fixed port is first waited
 * for until it is free, within the same bound as configure_new's retries.
 */
static void wait_port_free(uint16_t port)
{
	long long deadline = now_ns() + PORT_WAIT_NS;

	while ((!udp_port_free(AF_INET, port) || !udp_port_free(AF_INET6, port)) &&
	       now_ns() < deadline)
		sleep_ns(1000000);
}

/*
 * A container restarted with a fixed listen port: DEL does not wait for the
 * old helper, which can hold the port for tens of ms while it exits. The
 * request replaces everything, so repeating it is safe.
 */
static int configure_new(struct wgdev *dev, const struct wgdev_config *cfg)
{
	long long deadline = now_ns() + PORT_WAIT_NS;
	bool reported_before = error_recorded();
	int r;

	for (;;) {
		r = uapi_set(dev->host_ifname, cfg);
		if (r != -EADDRINUSE || !cfg->listen_port || now_ns() > deadline)
			return r;
		/* This attempt's report is not the outcome; an earlier one stays. */
		if (!reported_before)
			error_clear();
		sleep_ns(2000000);
	}
}

/* Socket in the container: the TUN is born there, and the "move" is only the rename. */
static struct nl_sock *tun_side(struct wgdev *dev)
{
	return dev->socket_in_container ? dev->ctr_rtnl : dev->host_rtnl;
}

/* The TUN exists once the UAPI socket does: wireguard-go makes it first. */
static int tun_index(struct wgdev *dev)
{
	struct link_info info;
	int r = link_get(tun_side(dev), dev->host_ifname, &info);

	if (r < 0)
		return error_report(r, CNI_ERR_INTERNAL, "looking up wireguard-go's TUN %s",
				    dev->host_ifname);
	return info.index;
}

/* One request: move, rename, MTU, and where the kernel takes them, index kept and no LL. */
static int move_into_container(struct wgdev *dev, int index, uint32_t mtu)
{
	unsigned done;
	int r = link_move_index(tun_side(dev), index, dev->netns_fd, dev->ifname, mtu,
				LINK_MOVE_KEEP_INDEX | LINK_MOVE_NO_IPV6_LL, &done);

	if (r < 0)
		return error_report(r, CNI_ERR_INTERNAL, "moving %s into the container as %s (MTU %u)",
				    dev->host_ifname, dev->ifname, mtu);
	dev->ifindex = (done & LINK_MOVE_KEEP_INDEX) ? index : 0;
	dev->ipv6_ll_off = done & LINK_MOVE_NO_IPV6_LL;
	return 0;
}

static int send_set(struct wgdev *dev, int fd, const struct wgdev_config *cfg)
{
	char *request = uapi_build_set(cfg);
	size_t len, off = 0;
	int r = 0;

	if (!request)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "building the configuration of %s",
				    dev->host_ifname);
	len = strlen(request);
	while (off < len && r == 0) {
		/* MSG_NOSIGNAL: a helper that died must not kill the plugin with SIGPIPE. */
		ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);

		if (n >= 0)
			off += (size_t)n;
		else if (errno != EINTR)
			r = -errno;
	}
	key_wipe(request, len);
	free(request);
	if (r < 0)
		return error_report(r, CNI_ERR_INTERNAL, "configuring wireguard-go %s", dev->host_ifname);
	return 0;
}

/* The answer to a set is "errno=N" and a blank line; -errno as wireguard-go reports it. */
static int read_set_reply(int fd)
{
	struct wgdev_status st = { 0 };
	char buf[256];
	size_t len = 0;
	int r;

	while (!memmem(buf, len, "\n\n", 2)) {
		ssize_t n;

		if (len == sizeof(buf))
			return -EPROTO;
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -EPROTO : errno == EAGAIN ? -ETIMEDOUT : -errno;
		len += (size_t)n;
	}
	r = uapi_parse_get(buf, len, &st);
	wgdev_status_free(&st);
	return r;
}

/*
 * Configured before the move, reply read first: the socket answers as soon
 * as wireguard-go listens, which is before it has finished setting up its
 * TUN, and it must find the TUN in its own namespace until then. A port
 * still held by an exiting helper is retried. While wireguard-go works on
 * the request, its TUN listener (created before its UAPI socket) is made
 * deaf to this namespace's link events; where that is not permitted, it
 * keeps hearing them, as it always did.
 */
static int configure_and_move(struct wgdev *dev, int fd, const struct wgdev_config *cfg,
			      uint32_t mtu)
{
	char path[108];
	int index, r;

	/* In the host only: a helper in the container namespace binds there. */
	if (cfg->listen_port && !dev->socket_in_container)
		wait_port_free(cfg->listen_port);
	r = send_set(dev, fd, cfg);

	if (r < 0)
		return r;
	/* While wireguard-go works on the request: */
	if (!dev->socket_in_container)
		helper_listen_drop_link_events(dev->helper_pid);
	index = tun_index(dev);
	if (index < 0)
		return index;
	r = read_set_reply(fd);
	if (r == -EADDRINUSE && cfg->listen_port)
		r = configure_new(dev, cfg);
	else if (r < 0) {
		uapi_socket_path(dev->host_ifname, path, sizeof(path));
		r = error_report(r, CNI_ERR_INTERNAL, "configuring wireguard-go through %s", path);
	}
	return r < 0 ? r : move_into_container(dev, index, mtu);
}

/* The helper takes about 30 ms to answer: started early, it overlaps the caller's work. */
static int userspace_start(struct wgdev *dev)
{
	int r;

	if (!dev->implementation) {
		error_report(0, CNI_ERR_INVALID_CONFIG, "no wireguard-go to start");
		return -EINVAL;
	}
	r = pick_host_ifname(dev);
	return r < 0 ? r : helper_spawn(dev);
}

static int userspace_create(struct wgdev *dev, const struct wgdev_config *cfg, uint32_t mtu)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (dev->helper_pid <= 0) {
		r = userspace_start(dev);
		if (r < 0)
			return r;
	}
	fd = helper_wait_socket(dev);
	r = fd < 0 ? fd : configure_and_move(dev, fd, cfg, mtu);
	/* Undo: the TUN, wherever it is by now, disappears with its helper. */
	if (r < 0)
		helper_stop_own(dev);
	return r;
}

static int userspace_configure(struct wgdev *dev, const struct wgdev_config *cfg)
{
	return uapi_set(dev->host_ifname, cfg);
}

static int userspace_get(struct wgdev *dev, struct wgdev_status *out)
{
	return uapi_get(dev->host_ifname, out);
}

/*
 * The TUN goes when its helper closes it; deleting it here instead would
 * make the plugin wait for an RCU grace period. Renamed to the helper's own
 * (unique) name, down, it frees the container's name for a following ADD
 * at once. Best effort: DEL deletes whatever is still called ifname.
 */
static void retire_tun(struct wgdev *dev)
{
	bool reported_before = error_recorded();

	if (!dev->ctr_rtnl || !dev->host_ifname[0])
		return;
	if (link_retire(dev->ctr_rtnl, dev->ifname, dev->host_ifname) < 0 && !reported_before)
		error_clear();
}

/*
 * From the record alone. No wait for the helper to exit: it pays for closing
 * its TUN. SIGCONT after SIGTERM: a stopped helper (SIGSTOP, a debugger let
 * go) would otherwise keep its TERM pending, and its TUN, for good.
 */
static int userspace_destroy(struct wgdev *dev)
{
	char path[108];
	int r = 0;

	retire_tun(dev);
	if (dev->helper_pid > 0 && dev->helper_start_time &&
	    state_process_start_time(dev->helper_pid) == dev->helper_start_time) {
		if (kill(dev->helper_pid, SIGTERM) == 0)
			kill(dev->helper_pid, SIGCONT);
		else if (errno != ESRCH)
			r = error_report(-errno, CNI_ERR_INTERNAL, "stopping wireguard-go (pid %d)",
					 (int)dev->helper_pid);
	}
	if (dev->host_ifname[0]) {
		uapi_socket_path(dev->host_ifname, path, sizeof(path));
		if (unlink(path) < 0 && errno != ENOENT && r == 0)
			r = error_report(-errno, CNI_ERR_INTERNAL, "removing %s", path);
	}
	return r;
}

const struct wgdev_ops wgdev_userspace_ops = {
	.name = "userspace",
	.kind = BACKEND_USERSPACE,
	.start = userspace_start,
	.cancel = helper_stop_own,
	.create = userspace_create,
	.configure = userspace_configure,
	.get = userspace_get,
	.destroy = userspace_destroy,
};
