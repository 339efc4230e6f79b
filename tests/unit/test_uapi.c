/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The UAPI text protocol: the exact "set=1" request, the parse of a "get=1"
 * reply captured from wireguard-go v0.0.20220316, and the strictness of the
 * parser against malformed replies (run under ASan for leaks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>

#include "error.h"
#include "uapi.h"

static void hexkey(const char *hex, uint8_t out[WG_KEY_LEN])
{
	size_t n = 0;

	assert_int_equal(sodium_hex2bin(out, WG_KEY_LEN, hex, strlen(hex), NULL, &n, NULL), 0);
	assert_int_equal(n, WG_KEY_LEN);
}

static void test_socket_path(void **state)
{
	char buf[108];

	uapi_socket_path("wgc0123456789ab", buf, sizeof(buf));
	assert_string_equal(buf, "/var/run/wireguard/wgc0123456789ab.sock");
}

#define PRIV "c08db1bbd9b0d29c6cb8f4621757652ab597db56c9f8b00fe3c9167391ea794e"
#define PUB "61792a5d6d1b7d6e95c5a251e7671585cf8a87698f42637e3192e67586380e36"
#define PEER1 "972bae50e99e0a2f70114b62a953d46f9d76d8919aaae10a61cc001930c23476"
#define PSK1 "2c4f2145e177f2b5de234ba5a316d7d7c07e776791c79c3d56be1a372cda72d2"
#define PEER2 "934c1be8a507a9004ddde77ea80cfab21b0f8ca8ad808a2c6cb8bd4c9dffd924"
#define ZERO "0000000000000000000000000000000000000000000000000000000000000000"

static void set_v4(struct peer_conf *p, const char *addr, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&p->endpoint;

	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &in->sin_addr), 1);
	p->endpoint_len = sizeof(*in);
}

static void set_v6(struct peer_conf *p, const char *addr, uint16_t port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&p->endpoint;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, addr, &in6->sin6_addr), 1);
	p->endpoint_len = sizeof(*in6);
}

static void test_build_set_two_peers(void **state)
{
	struct cidr ips1[2], ips2[3];
	struct peer_conf conf[2] = { 0 };
	struct wgdev_peer peers[2] = { { .conf = &conf[0], .has_psk = true }, { .conf = &conf[1] } };
	struct wgdev_config cfg = { .listen_port = 51820, .fwmark = 0x1234, .peers = peers,
				    .n_peers = 2 };
	char *req;

	hexkey(PRIV, cfg.private_key);
	hexkey(PEER1, conf[0].public_key);
	hexkey(PSK1, peers[0].psk);
	hexkey(PEER2, conf[1].public_key);
	set_v4(&conf[0], "192.0.2.1", 51821);
	set_v6(&conf[1], "2001:db8::1", 51822);
	assert_int_equal(cidr_parse("10.0.0.0/24", &ips1[0]), 0);
	assert_int_equal(cidr_parse("fd00::/64", &ips1[1]), 0);
	assert_int_equal(cidr_parse("10.1.0.2/32", &ips2[0]), 0);
	assert_int_equal(cidr_parse("10.1.0.3/32", &ips2[1]), 0);
	assert_int_equal(cidr_parse("::/0", &ips2[2]), 0);
	conf[0].allowed_ips = ips1;
	conf[0].n_allowed_ips = 2;
	conf[0].persistent_keepalive = 25;
	conf[1].allowed_ips = ips2;
	conf[1].n_allowed_ips = 3;

	req = uapi_build_set(&cfg);
	assert_non_null(req);
	assert_string_equal(req,
			    "set=1\n"
			    "private_key=" PRIV "\n"
			    "listen_port=51820\n"
			    "fwmark=4660\n"
			    "replace_peers=true\n"
			    "public_key=" PEER1 "\n"
			    "preshared_key=" PSK1 "\n"
			    "endpoint=192.0.2.1:51821\n"
			    "persistent_keepalive_interval=25\n"
			    "replace_allowed_ips=true\n"
			    "allowed_ip=10.0.0.0/24\n"
			    "allowed_ip=fd00::/64\n"
			    "public_key=" PEER2 "\n"
			    "endpoint=[2001:db8::1]:51822\n"
			    "persistent_keepalive_interval=0\n"
			    "replace_allowed_ips=true\n"
			    "allowed_ip=10.1.0.2/32\n"
			    "allowed_ip=10.1.0.3/32\n"
			    "allowed_ip=::/0\n"
			    "\n");
	sodium_memzero(req, strlen(req) + 1);
	free(req);
}

/* Port and fwmark 0 are left out: wireguard-go picks the port, the mark stays off. */
static void test_build_set_minimal(void **state)
{
	struct peer_conf conf = { 0 };
	struct wgdev_peer peer = { .conf = &conf };
	struct wgdev_config cfg = { .peers = &peer, .n_peers = 1 };
	char *req;

	hexkey(PRIV, cfg.private_key);
	hexkey(PEER1, conf.public_key);
	req = uapi_build_set(&cfg);
	assert_non_null(req);
	assert_string_equal(req, "set=1\nprivate_key=" PRIV "\nreplace_peers=true\n"
				 "public_key=" PEER1 "\npersistent_keepalive_interval=0\n"
				 "replace_allowed_ips=true\n\n");
	sodium_memzero(req, strlen(req) + 1);
	free(req);
}

/*
 * Captured from wireguard-go v0.0.20220316 configured with `wg set` (throw-away
 * keys); the first peer's handshake and counters edited to reach their ranges.
 */
static const char real_reply[] =
	"private_key=" PRIV "\n"
	"listen_port=51820\n"
	"fwmark=4660\n"
	"public_key=" PEER1 "\n"
	"preshared_key=" PSK1 "\n"
	"protocol_version=1\n"
	"endpoint=192.0.2.1:51821\n"
	"last_handshake_time_sec=1700000123\n"
	"last_handshake_time_nsec=456\n"
	"tx_bytes=18446744073709551615\n"
	"rx_bytes=1234\n"
	"persistent_keepalive_interval=25\n"
	"allowed_ip=10.0.0.0/24\n"
	"allowed_ip=fd00::/64\n"
	"public_key=" PEER2 "\n"
	"preshared_key=" ZERO "\n"
	"protocol_version=1\n"
	"endpoint=[2001:db8::1]:51822\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=10.1.0.2/32\n"
	"errno=0\n"
	"\n";

static void assert_cidr(const struct cidr *c, const char *text)
{
	char buf[64];

	cidr_format(c, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void assert_endpoint(const struct sockaddr_storage *ss, int family, const char *addr,
			    uint16_t port)
{
	char buf[INET6_ADDRSTRLEN] = "";
	const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

	assert_int_equal(ss->ss_family, family);
	if (family == AF_INET)
		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
	assert_string_equal(buf, addr);
	assert_int_equal(ntohs(in->sin_port), port);
}

static void test_parse_real_reply(void **state)
{
	struct wgdev_status st;
	uint8_t key[WG_KEY_LEN];

	assert_int_equal(uapi_parse_get(real_reply, strlen(real_reply), &st), 0);
	hexkey(PUB, key);
	assert_memory_equal(st.public_key, key, WG_KEY_LEN);
	assert_int_equal(st.listen_port, 51820);
	assert_int_equal(st.fwmark, 0x1234);
	assert_int_equal(st.n_peers, 2);

	hexkey(PEER1, key);
	assert_memory_equal(st.peers[0].public_key, key, WG_KEY_LEN);
	assert_true(st.peers[0].has_psk);
	assert_endpoint(&st.peers[0].endpoint, AF_INET, "192.0.2.1", 51821);
	assert_int_equal(st.peers[0].last_handshake, 1700000123);
	assert_true(st.peers[0].tx_bytes == UINT64_MAX);
	assert_int_equal(st.peers[0].rx_bytes, 1234);
	assert_int_equal(st.peers[0].persistent_keepalive, 25);
	assert_int_equal(st.peers[0].n_allowed_ips, 2);
	assert_cidr(&st.peers[0].allowed_ips[0], "10.0.0.0/24");
	assert_cidr(&st.peers[0].allowed_ips[1], "fd00::/64");

	hexkey(PEER2, key);
	assert_memory_equal(st.peers[1].public_key, key, WG_KEY_LEN);
	assert_false(st.peers[1].has_psk);
	assert_endpoint(&st.peers[1].endpoint, AF_INET6, "2001:db8::1", 51822);
	assert_int_equal(st.peers[1].last_handshake, 0);
	assert_int_equal(st.peers[1].rx_bytes, 0);
	assert_int_equal(st.peers[1].tx_bytes, 0);
	assert_int_equal(st.peers[1].persistent_keepalive, 0);
	assert_int_equal(st.peers[1].n_allowed_ips, 1);
	assert_cidr(&st.peers[1].allowed_ips[0], "10.1.0.2/32");
	wgdev_status_free(&st);
	assert_null(st.peers);
	assert_int_equal(st.n_peers, 0);
}

static void test_parse_errno(void **state)
{
	static const char eperm[] = "errno=1\n\n", einval[] = "errno=-22\n\n", ok[] = "errno=0\n\n";
	struct wgdev_status st;

	assert_int_equal(uapi_parse_get(eperm, strlen(eperm), &st), -EPERM);
	assert_null(st.peers);
	/* wireguard-go v0.0.20220316 answers a bad set with a negative errno. */
	assert_int_equal(uapi_parse_get(einval, strlen(einval), &st), -EINVAL);
	assert_int_equal(uapi_parse_get(ok, strlen(ok), &st), 0);
	assert_int_equal(st.n_peers, 0);
	assert_int_equal(st.listen_port, 0);
}

static void test_parse_unknown_keys_and_zone(void **state)
{
	static const char reply[] = "listen_port=1\nnew_device_key=x y z\npublic_key=" PEER1 "\n"
				    "new_peer_key=\nendpoint=[fe80::1%7]:51820\nerrno=0\n\n";
	struct wgdev_status st;
	const struct sockaddr_in6 *in6;

	assert_int_equal(uapi_parse_get(reply, strlen(reply), &st), 0);
	assert_int_equal(st.listen_port, 1);
	assert_int_equal(st.n_peers, 1);
	assert_endpoint(&st.peers[0].endpoint, AF_INET6, "fe80::1", 51820);
	in6 = (const struct sockaddr_in6 *)&st.peers[0].endpoint;
	assert_int_equal(in6->sin6_scope_id, 7);
	wgdev_status_free(&st);
}

/* Growth of the peer and allowed-IP arrays, beyond their first allocation. */
static void test_parse_many(void **state)
{
	size_t cap = 200 * (80 + 10 * 32) + 16, len = 0;
	char *reply = malloc(cap);
	struct wgdev_status st;

	assert_non_null(reply);
	for (int p = 0; p < 200; p++) {
		len += (size_t)snprintf(reply + len, cap - len, "public_key=%064x\n", p);
		for (int i = 0; i < 10; i++)
			len += (size_t)snprintf(reply + len, cap - len, "allowed_ip=10.%d.%d.0/24\n",
						p, i);
	}
	len += (size_t)snprintf(reply + len, cap - len, "errno=0\n\n");
	assert_int_equal(uapi_parse_get(reply, len, &st), 0);
	assert_int_equal(st.n_peers, 200);
	assert_int_equal(st.peers[199].public_key[31], 199);
	assert_int_equal(st.peers[199].n_allowed_ips, 10);
	assert_cidr(&st.peers[199].allowed_ips[9], "10.199.9.0/24");
	wgdev_status_free(&st);
	free(reply);
}

static void assert_malformed(const char *reply, size_t len)
{
	struct wgdev_status st;

	if (uapi_parse_get(reply, len, &st) != -EPROTO)
		fail_msg("accepted or misjudged: \"%.*s\"", (int)len, reply);
	assert_null(st.peers);
	assert_int_equal(st.n_peers, 0);
}

#define PEER_LINE "public_key=" PEER1 "\n"

static void test_parse_malformed(void **state)
{
	static const char *const replies[] = {
		"", "\n", "errno=0\n", "errno=0", "errno=0\n\nextra", "errno=0\nfwmark=1\n\n",
		"garbage\nerrno=0\n\n", "=1\nerrno=0\n\n", "errno=\n\n", "errno=abc\n\n",
		"errno=--1\n\n", "errno=2147483648\n\n", "errno=1 \n\n",
		"listen_port=65536\nerrno=0\n\n", "listen_port=-1\nerrno=0\n\n",
		"listen_port=+1\nerrno=0\n\n", "listen_port= 1\nerrno=0\n\n",
		"listen_port=1x\nerrno=0\n\n", "listen_port=\nerrno=0\n\n",
		"listen_port=0x10\nerrno=0\n\n", "fwmark=4294967296\nerrno=0\n\n",
		"private_key=" PRIV "0\nerrno=0\n\n", "private_key=c08d\nerrno=0\n\n",
		"private_key=g08db1bbd9b0d29c6cb8f4621757652ab597db56c9f8b00fe3c9167391ea794e\nerrno=0\n\n",
		"public_key=zz\nerrno=0\n\n",
		PEER_LINE "preshared_key=" ZERO "00\nerrno=0\n\n",
		PEER_LINE "rx_bytes=18446744073709551616\nerrno=0\n\n",
		PEER_LINE "tx_bytes=99999999999999999999999\nerrno=0\n\n",
		PEER_LINE "last_handshake_time_sec=9223372036854775808\nerrno=0\n\n",
		PEER_LINE "last_handshake_time_nsec=1000000000\nerrno=0\n\n",
		PEER_LINE "persistent_keepalive_interval=65536\nerrno=0\n\n",
		PEER_LINE "protocol_version=one\nerrno=0\n\n",
		PEER_LINE "endpoint=192.0.2.1\nerrno=0\n\n",
		PEER_LINE "endpoint=192.0.2.1:70000\nerrno=0\n\n",
		PEER_LINE "endpoint=192.0.2.1:\nerrno=0\n\n",
		PEER_LINE "endpoint=192.0.2:1\nerrno=0\n\n",
		PEER_LINE "endpoint=2001:db8::1:51820\nerrno=0\n\n",
		PEER_LINE "endpoint=[2001:db8::1]51820\nerrno=0\n\n",
		PEER_LINE "endpoint=[2001:db8::1:51820\nerrno=0\n\n",
		PEER_LINE "endpoint=[192.0.2.1]:1\nerrno=0\n\n",
		PEER_LINE "allowed_ip=10.0.0.0/33\nerrno=0\n\n",
		PEER_LINE "allowed_ip=10.0.0.0\nerrno=0\n\n",
		"endpoint=192.0.2.1:1\nerrno=0\n\n", "allowed_ip=10.0.0.0/8\nerrno=0\n\n",
		"rx_bytes=1\nerrno=0\n\n", PEER_LINE "listen_port=1\nerrno=0\n\n",
		PEER_LINE "private_key=" PRIV "\nerrno=0\n\n",
	};

	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++)
		assert_malformed(replies[i], strlen(replies[i]));
}

/* A failure after peers and allowed IPs were allocated must free them (ASan). */
static void test_parse_malformed_late(void **state)
{
	char reply[sizeof(real_reply) + 32];
	size_t len = strlen(real_reply) - strlen("errno=0\n\n");

	memcpy(reply, real_reply, len);
	memcpy(reply + len, "errno=x\n\n", 9);
	assert_malformed(reply, len + 9);
}

static void test_parse_truncated(void **state)
{
	for (size_t len = 0; len < strlen(real_reply); len++)
		assert_malformed(real_reply, len);
}

static void test_parse_nul_and_overlong(void **state)
{
	static const char nul[] = "listen_port=1\0\nerrno=0\n\n";
	size_t big = 1 << 20;
	char *line = malloc(big + 16);

	assert_malformed(nul, sizeof(nul) - 1);
	assert_non_null(line);
	/* Unknown keys are ignored, but not past the line limit. */
	memcpy(line, "x=", 2);
	memset(line + 2, 'a', 600);
	memcpy(line + 602, "\nerrno=0\n\n", 10);
	assert_malformed(line, 612);
	memset(line + 2, 'a', big);
	memcpy(line + 2 + big, "\nerrno=0\n\n", 10);
	assert_malformed(line, big + 12);
	free(line);
}

/* A fake wireguard-go: records the request, plays a scripted reply, never ends one. */
static pid_t fake_server(const char *name, const char *reply, size_t reply_len, int record_fd)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	assert_true(fd >= 0);
	mkdir("/var/run/wireguard", 0700);
	uapi_socket_path(name, sun.sun_path, sizeof(sun.sun_path));
	unlink(sun.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[4096];
		int c = accept(fd, NULL, NULL);
		ssize_t n;

		while ((n = read(c, buf, sizeof(buf))) > 0) {
			if (record_fd >= 0 && write(record_fd, buf, (size_t)n) != n)
				_exit(1);
			if (n >= 2 && buf[n - 2] == '\n' && buf[n - 1] == '\n')
				break;
		}
		if (record_fd >= 0)
			close(record_fd);
		for (size_t off = 0; off < reply_len;) {
			n = send(c, reply + off, reply_len - off, MSG_NOSIGNAL);
			if (n <= 0)
				_exit(0);
			off += (size_t)n;
		}
		pause();
		_exit(0);
	}
	close(fd);
	return pid;
}

static void end_server(pid_t pid, const char *name)
{
	char path[108];

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	uapi_socket_path(name, path, sizeof(path));
	unlink(path);
}

static void test_get_over_socket(void **state)
{
	char name[16], recorded[64] = "";
	struct wgdev_status st;
	int pipefd[2];
	pid_t pid;

	snprintf(name, sizeof(name), "wgt%dg", (int)getpid());
	assert_int_equal(pipe(pipefd), 0);
	pid = fake_server(name, real_reply, strlen(real_reply), pipefd[1]);
	close(pipefd[1]);
	assert_int_equal(uapi_get(name, &st), 0);
	assert_int_equal(st.n_peers, 2);
	assert_int_equal(st.peers[0].n_allowed_ips, 2);
	wgdev_status_free(&st);
	assert_true(read(pipefd[0], recorded, sizeof(recorded) - 1) > 0);
	assert_string_equal(recorded, "get=1\n\n");
	close(pipefd[0]);
	end_server(pid, name);
}

static void test_get_oversized_reply(void **state)
{
	size_t len = (1 << 20) + 4096;
	char name[16], *reply = malloc(len);
	struct wgdev_status st;
	pid_t pid;

	assert_non_null(reply);
	for (size_t i = 0; i < len; i += 8)
		memcpy(reply + i, "a=bcdef\n", 8);
	snprintf(name, sizeof(name), "wgt%dm", (int)getpid());
	pid = fake_server(name, reply, len, -1);
	error_clear();
	assert_int_equal(uapi_get(name, &st), -EMSGSIZE);
	assert_non_null(strstr(error_message(), name));
	end_server(pid, name);
	free(reply);
}

static void test_set_rejected_and_silent(void **state)
{
	static const char rejected[] = "errno=-22\n\n";
	struct peer_conf conf = { 0 };
	struct wgdev_peer peer = { .conf = &conf };
	struct wgdev_config cfg = { .peers = &peer, .n_peers = 1 };
	char name[16], path[108], expected[200];
	pid_t pid;

	snprintf(name, sizeof(name), "wgt%ds", (int)getpid());
	uapi_socket_path(name, path, sizeof(path));
	pid = fake_server(name, rejected, strlen(rejected), -1);
	error_clear();
	assert_int_equal(uapi_set(name, &cfg), -EINVAL);
	assert_non_null(strstr(error_message(), path));
	end_server(pid, name);

	pid = fake_server(name, "", 0, -1);
	error_clear();
	assert_int_equal(uapi_set(name, &cfg), -ETIMEDOUT);
	end_server(pid, name);

	error_clear();
	assert_int_equal(uapi_set(name, &cfg), -ENOENT);
	snprintf(expected, sizeof(expected), "connecting to %s: No such file or directory", path);
	assert_string_equal(error_message(), expected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_path),
		cmocka_unit_test(test_build_set_two_peers),
		cmocka_unit_test(test_build_set_minimal),
		cmocka_unit_test(test_parse_real_reply),
		cmocka_unit_test(test_parse_errno),
		cmocka_unit_test(test_parse_unknown_keys_and_zone),
		cmocka_unit_test(test_parse_many),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_malformed_late),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_nul_and_overlong),
		cmocka_unit_test(test_get_over_socket),
		cmocka_unit_test(test_get_oversized_reply),
		cmocka_unit_test(test_set_rejected_and_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
