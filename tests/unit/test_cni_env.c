/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cni/env.c: the request read from stdin (size limit, unreadable input) and
 * the CNI_* environment. Every refusal is checked for its code and message;
 * the limits themselves are accepted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "error.h"

static const char minimal_config[] =
	"{\"cniVersion\":\"0.4.0\",\"name\":\"w\",\"privateKeyFile\":\"/k\","
	"\"address\":[\"10.64.0.2/32\"],\"peers\":[{\"publicKey\":"
	"\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\"}]}";

struct writer {
	pthread_t thread;
	int fd;
	size_t total;
	bool ok; /* wrote everything */
};

/* Feeds `total` bytes: the minimal config padded with spaces. */
static void *writer_run(void *data)
{
	static char chunk[65536];
	struct writer *w = data;
	size_t sent = strlen(minimal_config);

	memset(chunk, ' ', sizeof(chunk));
	w->ok = write(w->fd, minimal_config, sent) == (ssize_t)sent;
	while (w->ok && sent < w->total) {
		size_t n = w->total - sent < sizeof(chunk) ? w->total - sent : sizeof(chunk);
		ssize_t written = write(w->fd, chunk, n);

		w->ok = written > 0;
		sent += written > 0 ? (size_t)written : 0;
	}
	close(w->fd);
	return NULL;
}

static void test_request_read_limit(void **state)
{
	static const struct {
		size_t total;
		int result;
	} cases[] = {
		{ 0, 0 }, /* just the config */
		{ 1024 * 1024, 0 },
		{ 1024 * 1024 + 1, -EFBIG },
		{ 3 * 1024 * 1024, -EFBIG },
	};

	/* The reader stops early on big inputs: the writer then sees EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct writer w = { .total = cases[i].total };
		struct cni_request req;
		int fds[2];

		assert_int_equal(pipe(fds), 0);
		w.fd = fds[1];
		assert_int_equal(pthread_create(&w.thread, NULL, writer_run, &w), 0);
		error_clear();
		assert_int_equal(cni_request_read(fds[0], &req), cases[i].result);
		if (cases[i].result == 0) {
			assert_string_equal(req.conf.name, "w");
		} else {
			assert_int_equal(error_code(), CNI_ERR_DECODE);
			assert_string_equal(error_message(), "configuration larger than 1 MiB");
		}
		cni_request_free(&req);
		close(fds[0]);
		assert_int_equal(pthread_join(w.thread, NULL), 0);
		/* Reading stops one byte past the limit instead of draining the writer. */
		assert_int_equal(w.ok, cases[i].total <= 1024 * 1024 + 1);
	}
}

static void test_request_read_bad_fd(void **state)
{
	struct cni_request req;

	error_clear();
	assert_int_equal(cni_request_read(-1, &req), -EBADF);
	assert_int_equal(error_code(), CNI_ERR_IO);
	assert_non_null(strstr(error_message(), "reading the configuration"));
}

static void clear_env(void)
{
	static const char *const vars[] = { "CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
					    "CNI_IFNAME", "CNI_ARGS", "CNI_PATH" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void set_add_env(const char *command)
{
	clear_env();
	setenv("CNI_COMMAND", command, 1);
	setenv("CNI_CONTAINERID", "3f2a9c1d-x_y.z", 1);
	setenv("CNI_NETNS", "/run/netns/netns-1234", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	setenv("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=web", 1);
	setenv("CNI_PATH", "/usr/lib/cni", 1);
}

static void test_env_valid(void **state)
{
	struct cni_env env;

	set_add_env("ADD");
	error_clear();
	assert_int_equal(cni_env_read(&env), 0);
	assert_int_equal(env.command, CNI_CMD_ADD);
	assert_string_equal(env.container_id, "3f2a9c1d-x_y.z");
	assert_string_equal(env.netns, "/run/netns/netns-1234");
	assert_string_equal(env.ifname, "eth0");
	assert_string_equal(env.args, "IgnoreUnknown=1;K8S_POD_NAME=web");

	set_add_env("CHECK");
	assert_int_equal(cni_env_read(&env), 0);
	assert_int_equal(env.command, CNI_CMD_CHECK);

	/* DEL: the namespace may be absent or empty (nerdctl, or already gone). */
	set_add_env("DEL");
	unsetenv("CNI_NETNS");
	assert_int_equal(cni_env_read(&env), 0);
	assert_int_equal(env.command, CNI_CMD_DEL);
	assert_string_equal(env.netns, "");
	assert_string_equal(env.ifname, "eth0");
	setenv("CNI_NETNS", "", 1);
	assert_int_equal(cni_env_read(&env), 0);
	setenv("CNI_NETNS", "/run/netns/gone", 1);
	assert_int_equal(cni_env_read(&env), 0);
	assert_string_equal(env.netns, "/run/netns/gone");

	/* GC, STATUS, VERSION need nothing else. */
	static const char *const bare[] = { "GC", "STATUS", "VERSION" };
	static const enum cni_command want[] = { CNI_CMD_GC, CNI_CMD_STATUS, CNI_CMD_VERSION };

	for (size_t i = 0; i < 3; i++) {
		clear_env();
		setenv("CNI_COMMAND", bare[i], 1);
		assert_int_equal(cni_env_read(&env), 0);
		assert_int_equal(env.command, want[i]);
	}
	clear_env();
	assert_int_equal(cni_env_read(&env), 0);
	assert_int_equal(env.command, CNI_CMD_NONE);
	assert_false(error_recorded());
}

static void test_env_refused(void **state)
{
	char long_id[300], long_args[5000];
	static const struct {
		const char *command, *var, *value; /* value NULL: unset */
		const char *needle;
	} cases[] = {
		{ "add", NULL, NULL, "CNI_COMMAND: unknown command \"add\"" },
		{ "FOO", NULL, NULL, "CNI_COMMAND: unknown command \"FOO\"" },
		{ "ADD", "CNI_CONTAINERID", NULL, "CNI_CONTAINERID: required" },
		{ "ADD", "CNI_CONTAINERID", "", "CNI_CONTAINERID: required" },
		{ "ADD", "CNI_CONTAINERID", "-abc", "CNI_CONTAINERID: \"-abc\" does not match" },
		{ "ADD", "CNI_CONTAINERID", "a/b", "CNI_CONTAINERID: \"a/b\" does not match" },
		{ "DEL", "CNI_CONTAINERID", "a b", "CNI_CONTAINERID: \"a b\" does not match" },
		{ "ADD", "CNI_CONTAINERID", "LONG", "CNI_CONTAINERID: longer than 255 characters" },
		{ "ADD", "CNI_NETNS", NULL, "CNI_NETNS: required" },
		{ "CHECK", "CNI_NETNS", "", "CNI_NETNS: required" },
		{ "ADD", "CNI_NETNS", "run/netns/x", "CNI_NETNS: \"run/netns/x\" is not an absolute path" },
		{ "DEL", "CNI_NETNS", "x", "CNI_NETNS: \"x\" is not an absolute path" },
		{ "ADD", "CNI_IFNAME", NULL, "CNI_IFNAME: required" },
		{ "DEL", "CNI_IFNAME", NULL, "CNI_IFNAME: required" },
		{ "ADD", "CNI_IFNAME", "averyveryverylongname",
		  "CNI_IFNAME: \"averyveryverylongname\" is longer than 15 characters" },
		{ "ADD", "CNI_IFNAME", "a/b", "CNI_IFNAME: \"a/b\" contains" },
		{ "ADD", "CNI_IFNAME", "a:b", "CNI_IFNAME: \"a:b\" contains" },
		{ "ADD", "CNI_IFNAME", "a b", "CNI_IFNAME: \"a b\" contains" },
		{ "ADD", "CNI_IFNAME", "a\tb", "CNI_IFNAME: \"a\tb\" contains" },
		{ "ADD", "CNI_IFNAME", ".", "CNI_IFNAME: \".\" is not a valid name" },
		{ "ADD", "CNI_IFNAME", "..", "CNI_IFNAME: \"..\" is not a valid name" },
		{ "ADD", "CNI_ARGS", "LONG", "CNI_ARGS: longer than 4095 characters" },
	};

	memset(long_id, 'a', 256);
	long_id[256] = '\0';
	memset(long_args, 'k', 4096);
	long_args[4096] = '\0';
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cni_env env;
		const char *value = cases[i].value;

		set_add_env(cases[i].command);
		if (value && strcmp(value, "LONG") == 0)
			value = strcmp(cases[i].var, "CNI_ARGS") == 0 ? long_args : long_id;
		if (cases[i].var && value)
			setenv(cases[i].var, value, 1);
		else if (cases[i].var)
			unsetenv(cases[i].var);
		error_clear();
		if (cni_env_read(&env) != -EINVAL || error_code() != CNI_ERR_INVALID_ENV ||
		    !strstr(error_message(), cases[i].needle))
			fail_msg("case %zu: code=%d msg=\"%s\", wanted \"%s\"", i, error_code(),
				 error_message(), cases[i].needle);
	}
	/* 255 characters and 15 are the limits, not beyond them. */
	set_add_env("ADD");
	long_id[255] = '\0';
	setenv("CNI_CONTAINERID", long_id, 1);
	setenv("CNI_IFNAME", "abcdefghijklmno", 1);
	error_clear();
	assert_int_equal(cni_env_read(&(struct cni_env){ 0 }), 0);
	clear_env();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_read_limit),
		cmocka_unit_test(test_request_read_bad_fd),
		cmocka_unit_test(test_env_valid),
		cmocka_unit_test(test_env_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
