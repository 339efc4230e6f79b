/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userspace backend. wireguard-go creates a TUN in the plugin's
 * namespace, where its UDP socket stays; we configure it over its UAPI
 * socket, then move the TUN into the container under its final name. The
 * helper outlives the plugin: destroy stops it by PID, guarded by its start
 * time so a reused PID is never signalled.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "link.h"
#include "state.h"
#include "uapi.h"
#include "wgdev.h"

#define SOCKET_WAIT_NS (5 * 1000000000LL)
#define STOP_WAIT_NS (1000000000LL)
#define PORT_WAIT_NS (2 * 1000000000LL)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(long long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	nanosleep(&ts, NULL);
}

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

/*
 * The helper must hold nothing of ours: a runtime reads the plugin's stdout
 * until every holder closes it, so an inherited descriptor hangs it. Its own
 * session, /dev/null on 0-2, nothing above 2 (addclosefrom_np uses
 * close_range and falls back to walking /proc/self/fd), default signals, and
 * an environment of two variables: no PATH or anything else from the runtime.
 */
static int spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr)
{
	sigset_t none, all;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	r = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDWR, 0);
	r = r ?: posix_spawn_file_actions_adddup2(fa, 0, 1);
	r = r ?: posix_spawn_file_actions_adddup2(fa, 0, 2);
	r = r ?: posix_spawn_file_actions_addclosefrom_np(fa, 3);
	r = r ?: posix_spawn_file_actions_addchdir_np(fa, "/");
	r = r ?: posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	r = r ?: posix_spawnattr_setsigmask(attr, &none);
	r = r ?: posix_spawnattr_setsigdefault(attr, &all);
	return -r;
}

static int spawn_helper(struct wgdev *dev)
{
	char *const argv[] = { (char *)dev->implementation, dev->host_ifname, NULL };
	/* Any other value of WG_PROCESS_FOREGROUND makes it re-exec itself in a loop. */
	char *const envp[] = { "WG_PROCESS_FOREGROUND=1", "LOG_LEVEL=error", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	pid_t pid = 0;
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	r = spawn_setup(&fa, &attr);
	if (r == 0)
		r = -posix_spawn(&pid, dev->implementation, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r < 0)
		return error_report(r, CNI_ERR_INTERNAL, "starting wireguard-go %s",
				    dev->implementation);
	dev->helper_pid = pid;
	dev->helper_start_time = state_process_start_time(pid);
	return 0;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Done when the socket accepts a connection, not merely when the file exists. */
static int wait_for_socket(struct wgdev *dev)
{
	long long deadline = now_ns() + SOCKET_WAIT_NS, delay = 1000000;
	char path[108];

	for (;;) {
		int fd = uapi_connect(dev->host_ifname);
		int status = 0;
		pid_t r;

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		r = waitpid(dev->helper_pid, &status, WNOHANG);
		if (r == dev->helper_pid || (r < 0 && errno == ECHILD)) {
			dev->helper_pid = 0;
			error_report(0, CNI_ERR_INTERNAL,
				     "wireguard-go %s exited with status %d before its UAPI socket appeared",
				     dev->implementation, r > 0 ? exit_code(status) : -1);
			return -EIO;
		}
		if (now_ns() > deadline) {
			uapi_socket_path(dev->host_ifname, path, sizeof(path));
			return error_report(-ETIMEDOUT, CNI_ERR_INTERNAL,
					    "wireguard-go %s did not create %s within 5 s",
					    dev->implementation, path);
		}
		sleep_ns(delay);
		/* It usually answers within tens of ms: poll fast, then back off a little. */
		delay = delay * 5 / 4 < 10000000 ? delay * 5 / 4 : 10000000;
	}
}

/* Rollback of a failed create: we are the helper's parent, so reap it too. */
static void stop_own_helper(struct wgdev *dev)
{
	long long deadline = now_ns() + STOP_WAIT_NS;
	char path[108];

	if (dev->helper_pid > 0 && kill(dev->helper_pid, SIGTERM) == 0) {
		while (waitpid(dev->helper_pid, NULL, WNOHANG) == 0) {
			if (now_ns() > deadline) {
				kill(dev->helper_pid, SIGKILL);
				waitpid(dev->helper_pid, NULL, 0);
				break;
			}
			sleep_ns(1000000);
		}
	}
	dev->helper_pid = 0;
	dev->helper_start_time = 0;
	uapi_socket_path(dev->host_ifname, path, sizeof(path));
	unlink(path);
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

static int move_into_container(struct wgdev *dev, uint32_t mtu)
{
	struct link_info info = { 0 };
	int r;

	r = link_move(dev->host_rtnl, dev->host_ifname, dev->netns_fd, dev->ifname);
	if (r < 0)
		return error_report(r, CNI_ERR_INTERNAL, "moving %s into the container as %s",
				    dev->host_ifname, dev->ifname);
	r = link_get(dev->ctr_rtnl, dev->ifname, &info);
	if (r == 0)
		r = link_set_mtu(dev->ctr_rtnl, info.index, mtu);
	if (r < 0)
		return error_report(r, CNI_ERR_INTERNAL, "setting the MTU of %s to %u",
				    dev->ifname, mtu);
	return 0;
}

static int userspace_create(struct wgdev *dev, const struct wgdev_config *cfg, uint32_t mtu)
{
	int r;

	if (!dev->implementation) {
		error_report(0, CNI_ERR_INVALID_CONFIG, "no wireguard-go to start");
		return -EINVAL;
	}
	r = pick_host_ifname(dev);
	if (r < 0)
		return r;
	r = spawn_helper(dev);
	if (r < 0)
		return r;
	r = wait_for_socket(dev);
	if (r == 0)
		r = configure_new(dev, cfg);
	if (r == 0)
		r = move_into_container(dev, mtu);
	/* Undo: the TUN, wherever it is by now, disappears with its helper. */
	if (r < 0)
		stop_own_helper(dev);
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
 * From the record alone. No wait for the helper to exit: closing its TUN
 * costs an RCU grace period that the exiting helper pays, not the plugin;
 * and no link_delete, since the TUN goes with the helper.
 */
static int userspace_destroy(struct wgdev *dev)
{
	char path[108];
	int r = 0;

	if (dev->helper_pid > 0 && dev->helper_start_time &&
	    state_process_start_time(dev->helper_pid) == dev->helper_start_time &&
	    kill(dev->helper_pid, SIGTERM) < 0 && errno != ESRCH)
		r = error_report(-errno, CNI_ERR_INTERNAL, "stopping wireguard-go (pid %d)",
				 (int)dev->helper_pid);
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
	.create = userspace_create,
	.configure = userspace_configure,
	.get = userspace_get,
	.destroy = userspace_destroy,
};
