// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The timing half of the benchmark: runs one plugin call the way a runtime
 * does, or one kernel operation that makes a floor, and prints the time in
 * microseconds. Everything else (namespaces, configurations, statistics)
 * is bench/run.sh's.
 *
 *   cnibench exec PLUGIN STDIN OUT [K=V]...   -> "us maxrss_kib exit_status cpu_us"
 *                                                (cpu: the plugin's user + system time,
 *                                                with the children it waited for)
 *   cnibench move-tun NETNS                   -> "us"   (TUN made here, moved there)
 *   cnibench create-delete NETNS KIND         -> "create_us delete_us"
 *   cnibench wggo WIREGUARD_GO                -> "us rss_kib listen_us" (start until UAPI
 *                                                answers a get; until it first accepts)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

extern char **environ;

static long long tv_us(struct timeval tv)
{
	return tv.tv_sec * 1000000LL + tv.tv_usec;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
	fprintf(stderr, "cnibench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Like libcni: stdout is read until every holder closes it, then the plugin is reaped. */
static int cmd_exec(char **argv)
{
	char *args[] = { argv[0], NULL };
	int in = open(argv[1], O_RDONLY | O_CLOEXEC), out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int pipefd[2], status = 0;
	struct rusage ru;
	char buf[4096];
	long long t0;
	ssize_t n;
	pid_t pid;

	if (in < 0 || out < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
		die("opening stdin/stdout");
	t0 = now_us();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(in, 0);
		dup2(pipefd[1], 1);
		execve(argv[0], args, argv + 3);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("writing the result");
	if (wait4(pid, &status, 0, &ru) < 0)
		die("wait4");
	printf("%lld %ld %d %lld\n", now_us() - t0, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       tv_us(ru.ru_utime) + tv_us(ru.ru_stime));
	return 0;
}

static struct mnl_socket *rtnl(void)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_ROUTE);

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		die("rtnetlink");
	return s;
}

static void request(struct mnl_socket *s, struct nlmsghdr *nlh, const char *what)
{
	char buf[8192];
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)now_us();
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		die(what);
	n = mnl_socket_recvfrom(s, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, mnl_socket_get_portid(s),
				NULL, NULL) < 0)
		die(what);
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int index)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifi->ifi_index = index;
	return nlh;
}

static int open_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(path);
	return fd;
}

static int cmd_move_tun(char **argv)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	struct mnl_socket *s = rtnl();
	int ns = open_netns(argv[0]), tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	char buf[8192] = { 0 };
	struct nlmsghdr *nlh;
	long long t0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "cnb%d", (int)getpid());
	if (tun < 0 || ioctl(tun, TUNSETIFF, &ifr) < 0)
		die("creating a TUN");
	nlh = link_msg(buf, RTM_NEWLINK, 0, (int)if_nametoindex(ifr.ifr_name));
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns);
	t0 = now_us();
	request(s, nlh, "moving the TUN");
	printf("%lld\n", now_us() - t0);
	return 0; /* the TUN goes when we exit: not measured */
}

static int cmd_create_delete(char **argv)
{
	struct mnl_socket *s = rtnl();
	int ns = open_netns(argv[0]);
	char buf[8192] = { 0 }, name[IFNAMSIZ];
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *peer;
	long long t0, t1, t2;

	snprintf(name, sizeof(name), "cnb%d", (int)getpid());
	nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, argv[1]);
	if (strcmp(argv[1], "veth") == 0) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		peer = mnl_attr_nest_start(nlh, 1 /* VETH_INFO_PEER */);
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
		mnl_attr_put_strz(nlh, IFLA_IFNAME, "cnbpeer");
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns);
		mnl_attr_nest_end(nlh, peer);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	t0 = now_us();
	request(s, nlh, "creating the device");
	t1 = now_us();

	/* Deleted from inside, as a plugin's DEL does. */
	if (setns(ns, CLONE_NEWNET) < 0)
		die("setns");
	mnl_socket_close(s);
	s = rtnl();
	memset(buf, 0, sizeof(buf));
	nlh = link_msg(buf, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	t2 = now_us();
	request(s, nlh, "deleting the device");
	printf("%lld %lld\n", t1 - t0, now_us() - t2);
	return 0;
}

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* The same start the plugin makes, polled as tightly as it sensibly can be. */
static int cmd_wggo(char **argv)
{
	char name[IFNAMSIZ], *args[] = { argv[0], name, NULL };
	char *envp[] = { "WG_PROCESS_FOREGROUND=1", "LOG_LEVEL=error", NULL };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	posix_spawn_file_actions_t fa;
	long long t0, t, t_listen;
	char reply[4096];
	size_t got = 0;
	pid_t pid;
	int fd;

	snprintf(name, sizeof(name), "cnbg%d", (int)getpid());
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/var/run/wireguard/%s.sock", name);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, 0, 1);
	posix_spawn_file_actions_adddup2(&fa, 0, 2);
	t0 = now_us();
	if (posix_spawn(&pid, argv[0], &fa, NULL, args, envp) != 0)
		die("starting wireguard-go");
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		close(fd);
		if (now_us() - t0 > 5000000)
			die("waiting for wireguard-go");
		usleep(50);
	}
	/*
	 * The socket accepts as soon as wireguard-go listens, which is before
	 * it has made its device; it answers a request only after. The floor
	 * is the answer; the first accept is reported beside it.
	 */
	t_listen = now_us() - t0;
	if (write(fd, "get=1\n\n", 7) != 7)
		die("asking wireguard-go");
	while (got < 2 || memcmp(reply + got - 2, "\n\n", 2) != 0) {
		ssize_t n = read(fd, reply + got, sizeof(reply) - 1 - got);

		if (n <= 0 || (got += (size_t)n) == sizeof(reply) - 1)
			die("reading wireguard-go's answer");
	}
	t = now_us() - t0;
	close(fd);
	usleep(20000); /* let it settle before reading its RSS */
	printf("%lld %ld %lld\n", t, rss_kib(pid), t_listen);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(sun.sun_path);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "exec") == 0)
		return cmd_exec(argv + 2);
	if (argc == 3 && strcmp(argv[1], "move-tun") == 0)
		return cmd_move_tun(argv + 2);
	if (argc == 4 && strcmp(argv[1], "create-delete") == 0)
		return cmd_create_delete(argv + 2);
	if (argc == 3 && strcmp(argv[1], "wggo") == 0)
		return cmd_wggo(argv + 2);
	fprintf(stderr, "usage: see the head of bench/cnibench.c\n");
	return 2;
}
