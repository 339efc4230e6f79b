/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userspace backend against a real wireguard-go. Needs root.
 *
 *   test process: its own netns ("host", unshare)      wgt-PID-ctr ("container")
 *   wireguard-go wgcXXXXXXXXXXXX --(UAPI set, move)--> wg0, MTU 1380, down
 *   its UDP socket stays in "host"
 *
 * Everything the test makes is named after its PID and removed on exit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "error.h"
#include "key.h"
#include "link.h"
#include "state.h"
#include "uapi.h"
#include "wgdev.h"

static char ctr_name[64];
static int ctr_fd = -1;
static struct nl_sock *host_rtnl, *ctr_rtnl;
static const char *wireguard_go;
/* Helpers started by the tests, stopped in teardown if an assertion left them running. */
static pid_t started[8];
static size_t n_started;

static struct cidr ips_a[2], ips_b[1];
static struct peer_conf conf[2];
static struct wgdev_peer peers[2];
static struct wgdev_config cfg;

static void make_config(void)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&conf[0].endpoint;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&conf[1].endpoint;

	randombytes_buf(cfg.private_key, WG_KEY_LEN);
	cfg.listen_port = 51820;
	cfg.peers = peers;
	cfg.n_peers = 2;
	for (int i = 0; i < 2; i++) {
		randombytes_buf(conf[i].public_key, WG_KEY_LEN);
		peers[i].conf = &conf[i];
	}
	peers[0].has_psk = true;
	randombytes_buf(peers[0].psk, WG_KEY_LEN);
	in->sin_family = AF_INET;
	in->sin_port = htons(51821);
	inet_pton(AF_INET, "192.0.2.1", &in->sin_addr);
	conf[0].endpoint_len = sizeof(*in);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(51822);
	inet_pton(AF_INET6, "2001:db8::1", &in6->sin6_addr);
	conf[1].endpoint_len = sizeof(*in6);
	cidr_parse("10.0.0.0/24", &ips_a[0]);
	cidr_parse("fd00::/64", &ips_a[1]);
	cidr_parse("10.1.0.2/32", &ips_b[0]);
	conf[0].allowed_ips = ips_a;
	conf[0].n_allowed_ips = 2;
	conf[0].persistent_keepalive = 25;
	conf[1].allowed_ips = ips_b;
	conf[1].n_allowed_ips = 1;
}

static int setup(void **state)
{
	char cmd[128], path[96];
	int host_fd;

	if (geteuid() != 0) {
		fprintf(stderr, "test-userspace needs root\n");
		return -1;
	}
	wireguard_go = wgdev_userspace_find(NULL);
	if (!wireguard_go) {
		fprintf(stderr, "%s\n", error_message());
		return -1;
	}
	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	snprintf(ctr_name, sizeof(ctr_name), "wgt-%d-ctr", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s", ctr_name);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, sizeof(path), "/run/netns/%s", ctr_name);
	ctr_fd = open(path, O_RDONLY | O_CLOEXEC);
	host_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ctr_fd < 0 || host_fd < 0 || nl_open(NETLINK_ROUTE, &host_rtnl) < 0)
		return -1;
	/* A socket stays bound to the namespace it was opened in. */
	if (setns(ctr_fd, CLONE_NEWNET) < 0 || nl_open(NETLINK_ROUTE, &ctr_rtnl) < 0 ||
	    setns(host_fd, CLONE_NEWNET) < 0)
		abort();
	close(host_fd);
	make_config();
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	/* Only children not yet reaped: a reaped PID may belong to anyone now. */
	for (size_t i = 0; i < n_started; i++)
		if (waitpid(started[i], NULL, WNOHANG) == 0 && kill(started[i], SIGTERM) == 0)
			waitpid(started[i], NULL, 0);

	nl_close(host_rtnl);
	nl_close(ctr_rtnl);
	if (ctr_fd >= 0)
		close(ctr_fd);
	if (ctr_name[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s", ctr_name);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", ctr_name);
	}
	return 0;
}

static void init_dev(struct wgdev *dev, const char *impl, const char *ifname)
{
	memset(dev, 0, sizeof(*dev));
	dev->ops = &wgdev_userspace_ops;
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", ifname);
	dev->netns_fd = ctr_fd;
	dev->host_rtnl = host_rtnl;
	dev->ctr_rtnl = ctr_rtnl;
	dev->implementation = impl;
}

/* 'R', 'S', ... ; 'Z' for a zombie; 0 when gone. */
static char process_state(pid_t pid)
{
	char path[64], line[256];
	char st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "State: %c", &st) == 1)
			break;
	fclose(f);
	return st;
}

static void wait_exited(pid_t pid)
{
	for (int i = 0; i < 5000; i++) {
		char st = process_state(pid);

		if (st == 0 || st == 'Z') {
			waitpid(pid, NULL, 0);
			return;
		}
		usleep(1000);
	}
	fail_msg("pid %d still running 5 s after destroy", (int)pid);
}

static int create(struct wgdev *dev, const struct wgdev_config *c, uint32_t mtu)
{
	int r = dev->ops->create(dev, c, mtu);

	if (dev->helper_pid > 0 && n_started < 8)
		started[n_started++] = dev->helper_pid;
	return r;
}

static bool socket_exists(const char *ifname)
{
	char path[108];
	struct stat sb;

	uapi_socket_path(ifname, path, sizeof(path));
	return stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

/* Every (device, inode) of a directory of fd links except 0-2; returns the count. */
static size_t fd_identities(const char *dir, struct stat *out, size_t max)
{
	char link[384];
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.' || atoi(e->d_name) <= 2)
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		if (stat(link, &out[n]) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Nothing of ours: a runtime waits on every holder of the plugin's stdout. */
static void assert_clean_descriptors(pid_t pid)
{
	struct stat mine[64], theirs[64];
	char dir[64], link[80], target[128];
	size_t n_mine, n_theirs;

	for (int fd = 0; fd <= 2; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
		n = readlink(link, target, sizeof(target) - 1);
		assert_true(n > 0);
		target[n] = '\0';
		assert_string_equal(target, "/dev/null");
	}
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	n_theirs = fd_identities(dir, theirs, 64);
	n_mine = fd_identities("/proc/self/fd", mine, 64);
	/* Positive control: the test does hold descriptors that were not CLOEXEC. */
	assert_true(n_mine >= 3);
	assert_true(n_theirs >= 1);
	for (size_t i = 0; i < n_theirs; i++)
		for (size_t j = 0; j < n_mine; j++)
			if (theirs[i].st_dev == mine[j].st_dev && theirs[i].st_ino == mine[j].st_ino)
				fail_msg("helper %d holds one of the test's descriptors", (int)pid);
}

static void assert_environment(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, sizeof("WG_PROCESS_FOREGROUND=1") + sizeof("LOG_LEVEL=error"));
	assert_memory_equal(buf, "WG_PROCESS_FOREGROUND=1\0LOG_LEVEL=error", (size_t)n);
}

static bool has_cidr(const struct wgdev_peer_status *p, const struct cidr *c)
{
	for (size_t i = 0; i < p->n_allowed_ips; i++)
		if (cidr_equal(&p->allowed_ips[i], c))
			return true;
	return false;
}

/* wireguard-go lists peers in Go map order: match them by public key. */
static void assert_status_matches(struct wgdev *dev, const struct wgdev_config *want)
{
	struct wgdev_status st;
	uint8_t pub[WG_KEY_LEN];

	assert_int_equal(dev->ops->get(dev, &st), 0);
	key_public(want->private_key, pub);
	assert_memory_equal(st.public_key, pub, WG_KEY_LEN);
	assert_int_equal(st.listen_port, want->listen_port);
	assert_int_equal(st.n_peers, want->n_peers);
	for (size_t i = 0; i < want->n_peers; i++) {
		const struct peer_conf *c = want->peers[i].conf;
		const struct wgdev_peer_status *got = NULL;

		for (size_t k = 0; k < st.n_peers; k++)
			if (memcmp(st.peers[k].public_key, c->public_key, WG_KEY_LEN) == 0)
				got = &st.peers[k];
		assert_non_null(got);
		assert_int_equal(got->has_psk, want->peers[i].has_psk);
		assert_int_equal(got->persistent_keepalive, c->persistent_keepalive);
		assert_memory_equal(&got->endpoint, &c->endpoint, c->endpoint_len);
		assert_int_equal(got->n_allowed_ips, c->n_allowed_ips);
		for (size_t j = 0; j < c->n_allowed_ips; j++)
			assert_true(has_cidr(got, &c->allowed_ips[j]));
	}
	wgdev_status_free(&st);
}

static void test_create_get_destroy(void **state)
{
	struct link_info info;
	struct wgdev dev;
	int pipefd[2], marker;
	struct timespec t0, t1;
	pid_t pid;

	/* Descriptors without CLOEXEC that the helper must not inherit. */
	assert_int_equal(pipe(pipefd), 0);
	marker = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	assert_true(marker >= 0);

	init_dev(&dev, wireguard_go, "wg0");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(create(&dev, &cfg, 1380), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("create took %.1f ms\n",
		      (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	pid = dev.helper_pid;
	assert_true(pid > 0);
	assert_int_equal(strlen(dev.host_ifname), 15);
	assert_memory_equal(dev.host_ifname, "wgc", 3);
	assert_true(dev.helper_start_time == state_process_start_time(pid));
	assert_int_equal(getsid(pid), pid);
	assert_clean_descriptors(pid);
	assert_environment(pid);

	assert_int_equal(link_get(ctr_rtnl, "wg0", &info), 0);
	assert_int_equal(info.mtu, 1380);
	assert_string_equal(info.kind, "tun");
	assert_int_equal(link_get(host_rtnl, dev.host_ifname, &info), -ENODEV);
	assert_true(socket_exists(dev.host_ifname));
	assert_status_matches(&dev, &cfg);

	/* configure replaces the peer list. */
	{
		struct wgdev_config one = cfg;

		one.n_peers = 1;
		one.peers = &peers[1];
		one.listen_port = 51900;
		assert_int_equal(dev.ops->configure(&dev, &one), 0);
		assert_status_matches(&dev, &one);
	}

	/* From the record alone: no sockets, no namespace. */
	dev.ctr_rtnl = NULL;
	dev.host_rtnl = NULL;
	dev.netns_fd = -1;
	assert_int_equal(dev.ops->destroy(&dev), 0);
	assert_false(socket_exists(dev.host_ifname));
	wait_exited(pid);
	assert_int_equal(link_get(ctr_rtnl, "wg0", &info), -ENODEV);
	assert_int_equal(dev.ops->destroy(&dev), 0);
	close(pipefd[0]);
	close(pipefd[1]);
	close(marker);
}

/* A reused PID carries another start time: it must survive. */
static void test_destroy_mismatched_start_time(void **state)
{
	struct wgdev dev, stale;
	pid_t pid;

	init_dev(&dev, wireguard_go, "wg1");
	assert_int_equal(create(&dev, &cfg, 1420), 0);
	pid = dev.helper_pid;
	stale = dev;
	stale.helper_start_time++;
	stale.host_ifname[0] = '\0';
	assert_int_equal(stale.ops->destroy(&stale), 0);
	usleep(200000);
	assert_true(process_state(pid) != 0 && process_state(pid) != 'Z');
	assert_true(socket_exists(dev.host_ifname));

	/* Positive control: the true record does stop it. */
	assert_int_equal(dev.ops->destroy(&dev), 0);
	wait_exited(pid);
}

/*
 * A container restarted with a fixed listenPort: DEL does not wait for the
 * old helper, which may still hold the port while the new one is configured.
 */
static void test_readd_same_port(void **state)
{
	struct wgdev old, new;
	struct wgdev_config c = cfg;

	c.listen_port = 51830;
	for (int round = 0; round < 5; round++) {
		init_dev(&old, wireguard_go, "wg3");
		assert_int_equal(create(&old, &c, 1420), 0);
		assert_int_equal(old.ops->destroy(&old), 0);
		init_dev(&new, wireguard_go, "wg3");
		error_clear();
		if (create(&new, &c, 1420) != 0)
			fail_msg("round %d: %s", round, error_message());
		assert_false(error_recorded());
		assert_status_matches(&new, &c);
		wait_exited(old.helper_pid);
		assert_int_equal(new.ops->destroy(&new), 0);
		wait_exited(new.helper_pid);
	}
}

static void assert_no_child_left(const char *host_ifname)
{
	struct link_info info;

	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_false(socket_exists(host_ifname));
	assert_int_equal(link_get(host_rtnl, host_ifname, &info), -ENODEV);
}

static void test_bogus_implementation(void **state)
{
	struct wgdev dev;

	init_dev(&dev, "/bin/false", "wg2");
	error_clear();
	assert_true(create(&dev, &cfg, 1420) < 0);
	assert_string_equal(error_message(), "wireguard-go /bin/false exited with status 1 "
					     "before its UAPI socket appeared");
	assert_int_equal(dev.helper_pid, 0);
	assert_no_child_left(dev.host_ifname);
	assert_int_equal(dev.ops->destroy(&dev), 0);
}

/* A failure after the helper started (the name is taken in the container) undoes it. */
static void test_rollback_after_start(void **state)
{
	struct wgdev dev;
	int r;

	init_dev(&dev, wireguard_go, "lo");
	error_clear();
	r = create(&dev, &cfg, 1420);
	assert_int_equal(r, -EEXIST);
	assert_non_null(strstr(error_message(), dev.host_ifname));
	assert_int_equal(dev.helper_pid, 0);
	assert_no_child_left(dev.host_ifname);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_get_destroy),
		cmocka_unit_test(test_destroy_mismatched_start_time),
		cmocka_unit_test(test_readd_same_port),
		cmocka_unit_test(test_bogus_implementation),
		cmocka_unit_test(test_rollback_after_start),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
