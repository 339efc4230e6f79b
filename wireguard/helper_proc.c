/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting, awaiting and stopping wireguard-go (helper_proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "cleanup.h"
#include "error.h"
#include "helper_proc.h"
#include "netns.h"
#include "state.h"
#include "uapi.h"

#define SOCKET_WAIT_NS (5 * 1000000000LL)
#define STOP_WAIT_NS (1000000000LL)

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

static int spawn_here(struct wgdev *dev)
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

/* wireguard-go makes this directory too; it must exist before we can watch it. */
#define UAPI_DIR "/var/run/wireguard"

static int helper_exited(struct wgdev *dev)
{
	int status = 0;
	pid_t r = waitpid(dev->helper_pid, &status, WNOHANG);

	if (r != dev->helper_pid && !(r < 0 && errno == ECHILD))
		return 0;
	dev->helper_pid = 0;
	error_report(0, CNI_ERR_INTERNAL,
		     "wireguard-go %s exited with status %d before its UAPI socket appeared",
		     dev->implementation, r > 0 ? exit_code(status) : -1);
	return -EIO;
}

/*
 * Connected once the socket accepts, not merely when the file exists. Woken
 * by the socket's creation (inotify) or the helper's death (pidfd) rather
 * than a timer, so no sleep outlasts the start; the short timeout covers
 * the moment between bind and listen, and kernels without either.
 */
static int wait_for_socket(struct wgdev *dev, int inotify_fd)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, dev->helper_pid, 0);
	struct pollfd pfd[2] = { { .fd = inotify_fd, .events = POLLIN },
				 { .fd = pidfd, .events = POLLIN } };
	long long deadline = now_ns() + SOCKET_WAIT_NS;
	char path[108], drain[512];

	for (;;) {
		int fd = uapi_connect(dev->host_ifname), r;

		if (fd >= 0)
			return fd;
		r = helper_exited(dev);
		if (r < 0)
			return r;
		if (now_ns() > deadline) {
			uapi_socket_path(dev->host_ifname, path, sizeof(path));
			return error_report(-ETIMEDOUT, CNI_ERR_INTERNAL,
					    "wireguard-go %s did not create %s within 5 s",
					    dev->implementation, path);
		}
		poll(pfd, 2, fd == -ECONNREFUSED || inotify_fd < 0 || pidfd < 0 ? 1 : 50);
		while (inotify_fd >= 0 && read(inotify_fd, drain, sizeof(drain)) > 0) {
		}
	}
}

static int watch_socket_dir(void)
{
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	mkdir(UAPI_DIR, 0755);
	if (fd >= 0 && inotify_add_watch(fd, UAPI_DIR, IN_CREATE) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Rollback of a failed create: we are the helper's parent, so reap it too. */
void helper_stop_own(struct wgdev *dev)
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

static int spawn_in_container(void *arg)
{
	return spawn_here(arg);
}

/*
 * socketNamespace "container": the helper inherits the namespace it starts
 * in and opens its TUN and UDP socket there. Its UAPI socket is a file,
 * reached from here all the same.
 */
int helper_spawn(struct wgdev *dev)
{
	if (!dev->socket_in_container)
		return spawn_here(dev);
	return netns_run(dev->netns_fd, spawn_in_container, dev);
}

/*
 * The directory is watched before the first connect: a socket created
 * before the watch is found by that connect, one created after wakes it.
 */
int helper_wait_socket(struct wgdev *dev)
{
	_cleanup_close_ int inotify_fd = watch_socket_dir();

	return wait_for_socket(dev, inotify_fd);
}
