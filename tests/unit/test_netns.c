/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netns_open() and netns_run() against namespaces this test makes itself: a
 * child that unshares its network namespace, and `ip netns add wgt-<pid>`.
 * Needs root (setns); skips otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "netns.h"

static pid_t child = -1;
static int child_release = -1; /* closing it lets the child exit */
static char child_ns[64];
static char named_ns[64], named_path[128];
static char tmpfile_path[64];

static ino_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static int where_am_i(void *arg)
{
	*(ino_t *)arg = inode_of("/proc/thread-self/ns/net");
	return 42;
}

static int fail_inside(void *arg)
{
	*(ino_t *)arg = inode_of("/proc/thread-self/ns/net");
	return -EIO;
}

static int must_not_run(void *arg)
{
	*(int *)arg = 1;
	return 0;
}

static void test_run_in_child_namespace(void **state)
{
	ino_t host = inode_of("/proc/thread-self/ns/net"), inside = 0;
	int fd;

	fd = netns_open(child_ns);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_not_equal(inode_of(child_ns), host);

	assert_int_equal(netns_run(fd, where_am_i, &inside), 42);
	assert_int_equal(inside, inode_of(child_ns));
	assert_int_equal(inode_of("/proc/thread-self/ns/net"), host);

	/* fn's failure is returned, and the way back is taken all the same. */
	inside = 0;
	assert_int_equal(netns_run(fd, fail_inside, &inside), -EIO);
	assert_int_equal(inside, inode_of(child_ns));
	assert_int_equal(inode_of("/proc/thread-self/ns/net"), host);
	close(fd);
}

static void test_run_in_named_namespace(void **state)
{
	ino_t host = inode_of("/proc/thread-self/ns/net"), inside = 0;
	int fd;

	if (!named_ns[0])
		skip();
	fd = netns_open(named_path);
	assert_true(fd >= 0);
	assert_int_equal(netns_run(fd, where_am_i, &inside), 42);
	assert_int_equal(inside, inode_of(named_path));
	assert_int_not_equal(inside, host);
	assert_int_equal(inode_of("/proc/thread-self/ns/net"), host);
	close(fd);
}

static void test_open_current(void **state)
{
	struct stat st;
	int fd = netns_open_current();

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_ino, inode_of("/proc/self/ns/net"));
	close(fd);
}

static void expect_refused(const char *path, int err, const char *reason)
{
	char want[256];

	error_clear();
	assert_int_equal(netns_open(path), err);
	snprintf(want, sizeof(want), "netns %s: %s", path, reason);
	assert_string_equal(error_message(), want);
}

static void test_refused(void **state)
{
	expect_refused("/run/netns/wgt-no-such-namespace", -ENOENT, "No such file or directory");
	expect_refused(tmpfile_path, -EINVAL, "not a network namespace");
	expect_refused("/proc/self/ns/mnt", -EINVAL, "not a network namespace");
	expect_refused("/proc/self/ns/uts", -EINVAL, "not a network namespace");
	expect_refused("/proc/self/ns", -EINVAL, "not a network namespace");
	/* The positive control for the same directory: */
	error_clear();
	int fd = netns_open("/proc/self/ns/net");
	assert_true(fd >= 0);
	assert_int_equal(error_recorded(), 0);
	close(fd);
}

/* An fd that setns() refuses: fn is not called and nothing moves. */
static void test_run_refused(void **state)
{
	ino_t host = inode_of("/proc/thread-self/ns/net");
	int called = 0;
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	error_clear();
	assert_int_equal(netns_run(fd, must_not_run, &called), -EINVAL);
	assert_int_equal(called, 0);
	assert_int_equal(error_recorded(), 1);
	assert_int_equal(inode_of("/proc/thread-self/ns/net"), host);
	close(fd);
}

/* Closing every descriptor takes away the way home: the process must abort, not go on. */
static int lose_the_way_back(void *arg)
{
	close_range(3, ~0U, 0);
	return 0;
}

static void test_abort_when_cannot_return(void **state)
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = netns_open(child_ns);

		if (fd >= 0)
			netns_run(fd, lose_the_way_back, NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static int make_child_namespace(void)
{
	int ready[2], release[2];
	char byte = 0;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(release, O_CLOEXEC) < 0)
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		close(ready[0]);
		close(release[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		/* Blocks until the parent closes its end (or dies). */
		if (read(release[0], &byte, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	child_release = release[1];
	if (read(ready[0], &byte, 1) != 1)
		return -1;
	close(ready[0]);
	snprintf(child_ns, sizeof(child_ns), "/proc/%d/ns/net", (int)child);
	return 0;
}

static int setup(void **state)
{
	char cmd[128];
	int fd;

	if (make_child_namespace() < 0)
		return -1;
	snprintf(tmpfile_path, sizeof(tmpfile_path), "/tmp/wgt-%d-netns-XXXXXX", (int)getpid());
	fd = mkstemp(tmpfile_path);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(named_ns, sizeof(named_ns), "wgt-%d-unit", (int)getpid());
	snprintf(named_path, sizeof(named_path), "/run/netns/%s", named_ns);
	snprintf(cmd, sizeof(cmd), "ip netns add %s 2>/dev/null", named_ns);
	if (system(cmd) != 0)
		named_ns[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	int status;

	if (named_ns[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s", named_ns);
		if (system(cmd) != 0)
			fprintf(stderr, "test-netns: could not delete %s\n", named_ns);
	}
	if (tmpfile_path[0])
		unlink(tmpfile_path);
	if (child > 0) {
		close(child_release);
		waitpid(child, &status, 0);
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_in_child_namespace),
		cmocka_unit_test(test_run_in_named_namespace),
		cmocka_unit_test(test_open_current),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_run_refused),
		cmocka_unit_test(test_abort_when_cannot_return),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test-netns: needs root for setns(); skipping\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
