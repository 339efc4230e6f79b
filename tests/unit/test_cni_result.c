/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cni/: results rendered in each supported version, prevResults read back
 * from each version's shape, and the VERSION and error replies, all compared
 * as exact JSON text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "error.h"

/* What fn printed, as a string the caller frees. */
#define CAPTURE(call)                                                  \
	({                                                             \
		char *_buf = NULL;                                     \
		size_t _len = 0;                                       \
		FILE *out = open_memstream(&_buf, &_len);              \
		assert_non_null(out);                                  \
		call;                                                  \
		assert_int_equal(fclose(out), 0);                      \
		_buf;                                                  \
	})

static void cidr(const char *text, struct cidr *out)
{
	assert_int_equal(cidr_parse(text, out), 0);
}

static struct cni_result *sample_result(void)
{
	struct cni_result *r = cni_result_new();
	char sandbox[] = "/run/netns/x";
	struct cni_iface host = { .name = "wg0", .mtu = 1420 };
	struct cni_iface ctr = { .name = "eth0", .mac = "00:00:00:00:00:00", .mtu = 1420,
				 .sandbox = sandbox };
	struct cni_ip ip4 = { .interface = 1 }, ip6 = { .interface = 1, .has_gateway = true },
		      bare = { .interface = -1 };
	struct cni_route all4 = { 0 }, all6 = { .has_gw = true };
	char *nameservers[] = { "10.64.0.1" }, *search[] = { "a" }, *options[] = { "ndots:1" };
	struct dns_conf dns = { .nameservers = nameservers, .n_nameservers = 1, .domain = "x",
				.search = search, .n_search = 1, .options = options, .n_options = 1 };

	assert_non_null(r);
	assert_int_equal(cni_result_add_interface(r, &host), 0);
	assert_int_equal(cni_result_add_interface(r, &ctr), 1);
	/* The result holds its own copy of the sandbox path. */
	sandbox[1] = 'X';
	cidr("10.64.0.2/32", &ip4.address);
	cidr("fc00:bbbb::2/128", &ip6.address);
	cidr("fc00:bbbb::1/128", &ip6.gateway);
	cidr("192.0.2.5/24", &bare.address);
	assert_int_equal(cni_result_add_ip(r, &ip4), 0);
	assert_int_equal(cni_result_add_ip(r, &ip6), 1);
	assert_int_equal(cni_result_add_ip(r, &bare), 2);
	cidr("0.0.0.0/0", &all4.dst);
	cidr("::/0", &all6.dst);
	cidr("fc00:bbbb::1/128", &all6.gw);
	assert_int_equal(cni_result_add_route(r, &all4), 0);
	assert_int_equal(cni_result_add_route(r, &all6), 1);
	assert_int_equal(cni_result_set_dns(r, &dns), 0);
	/* ... and of the DNS settings. */
	nameservers[0] = "changed";
	return r;
}

#define IFACES_1_1                                                                    \
	"\"interfaces\":[{\"name\":\"wg0\",\"mtu\":1420},{\"name\":\"eth0\","           \
	"\"mac\":\"00:00:00:00:00:00\",\"mtu\":1420,\"sandbox\":\"/run/netns/x\"}],"
#define IFACES                                                                        \
	"\"interfaces\":[{\"name\":\"wg0\"},{\"name\":\"eth0\","                        \
	"\"mac\":\"00:00:00:00:00:00\",\"sandbox\":\"/run/netns/x\"}],"
#define IPS                                                                           \
	"\"ips\":[{\"address\":\"10.64.0.2/32\",\"interface\":1},"                      \
	"{\"address\":\"fc00:bbbb::2/128\",\"gateway\":\"fc00:bbbb::1\",\"interface\":1}," \
	"{\"address\":\"192.0.2.5/24\"}],"
#define IPS_VERSIONED                                                                 \
	"\"ips\":[{\"version\":\"4\",\"address\":\"10.64.0.2/32\",\"interface\":1},"    \
	"{\"version\":\"6\",\"address\":\"fc00:bbbb::2/128\",\"gateway\":\"fc00:bbbb::1\"," \
	"\"interface\":1},{\"version\":\"4\",\"address\":\"192.0.2.5/24\"}],"
#define ROUTES_DNS                                                                    \
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fc00:bbbb::1\"}]," \
	"\"dns\":{\"nameservers\":[\"10.64.0.1\"],\"domain\":\"x\",\"search\":[\"a\"],"  \
	"\"options\":[\"ndots:1\"]}}\n"

static void test_print_each_version(void **state)
{
	static const struct {
		const char *version, *json;
	} cases[] = {
		{ "1.1.0", "{\"cniVersion\":\"1.1.0\"," IFACES_1_1 IPS ROUTES_DNS },
		{ "1.0.0", "{\"cniVersion\":\"1.0.0\"," IFACES IPS ROUTES_DNS },
		{ "0.4.0", "{\"cniVersion\":\"0.4.0\"," IFACES IPS_VERSIONED ROUTES_DNS },
		{ "0.3.1", "{\"cniVersion\":\"0.3.1\"," IFACES IPS_VERSIONED ROUTES_DNS },
		{ "0.3.0", "{\"cniVersion\":\"0.3.0\"," IFACES IPS_VERSIONED ROUTES_DNS },
	};
	struct cni_result *r = sample_result();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = -1;
		char *text = CAPTURE(ret = cni_result_print(out, r, cases[i].version));

		assert_int_equal(ret, 0);
		assert_string_equal(text, cases[i].json);
		free(text);
	}
	cni_result_free(r);
}

static void test_print_empty_and_default(void **state)
{
	struct cni_result *r = cni_result_new();
	int ret = -1;
	char *text = CAPTURE(ret = cni_result_print(out, r, "1.0.0"));

	assert_int_equal(ret, 0);
	assert_string_equal(text, "{\"cniVersion\":\"1.0.0\"}\n");
	free(text);
	text = CAPTURE(ret = cni_result_print(out, r, NULL));
	assert_string_equal(text, "{\"cniVersion\":\"1.1.0\"}\n");
	free(text);

	/* has_dns with nothing in it is still an object; without has_dns, no "dns". */
	r->has_dns = true;
	text = CAPTURE(ret = cni_result_print(out, r, "0.3.0"));
	assert_string_equal(text, "{\"cniVersion\":\"0.3.0\",\"dns\":{}}\n");
	free(text);

	error_clear();
	text = CAPTURE(ret = cni_result_print(out, r, "0.2.0"));
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(text, "");
	assert_int_equal(error_code(), CNI_ERR_INCOMPATIBLE_VERSION);
	assert_string_equal(error_message(), "unsupported cniVersion \"0.2.0\"");
	free(text);
	cni_result_free(r);
	cni_result_free(NULL);
}

#define CONFIG_HEAD(v)                                                                   \
	"{\"cniVersion\":\"" v "\",\"name\":\"w\",\"privateKeyFile\":\"/k\","            \
	"\"address\":[\"10.64.0.2/32\"],"                                                \
	"\"peers\":[{\"publicKey\":\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\"}],"  \
	"\"prevResult\":"

/* What bridge + host-local print, in the shape of each version. */
#define PREV_LEGACY(v)                                                                   \
	"{\"cniVersion\":\"" v "\",\"interfaces\":[{\"name\":\"cni0\","                  \
	"\"mac\":\"aa:bb:cc:dd:ee:ff\"},{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:01\","  \
	"\"sandbox\":\"/run/netns/a\"}],\"ips\":[{\"version\":\"4\","                      \
	"\"address\":\"10.88.0.5/16\",\"gateway\":\"10.88.0.1\",\"interface\":1}],"       \
	"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.88.0.1\"}],"                      \
	"\"dns\":{\"nameservers\":[\"10.88.0.1\"]}}"
#define PREV_1_0                                                                         \
	"{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"cni0\","                  \
	"\"mac\":\"aa:bb:cc:dd:ee:ff\"},{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:01\","  \
	"\"sandbox\":\"/run/netns/a\"}],\"ips\":[{\"address\":\"10.88.0.5/16\","           \
	"\"gateway\":\"10.88.0.1\",\"interface\":1}],"                                    \
	"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.88.0.1\"}],"                      \
	"\"dns\":{\"nameservers\":[\"10.88.0.1\"]}}"
/* 1.1.0 fields this plugin does not keep (route mtu/table, socketPath) are dropped. */
#define PREV_1_1_IN                                                                      \
	"{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"cni0\","                  \
	"\"mac\":\"aa:bb:cc:dd:ee:ff\",\"mtu\":1500},{\"name\":\"eth0\","                  \
	"\"mac\":\"aa:bb:cc:dd:ee:01\",\"mtu\":1500,\"sandbox\":\"/run/netns/a\","         \
	"\"socketPath\":\"/x.sock\"}],\"ips\":[{\"address\":\"10.88.0.5/16\","             \
	"\"gateway\":\"10.88.0.1\",\"interface\":1}],\"routes\":[{\"dst\":\"0.0.0.0/0\","   \
	"\"gw\":\"10.88.0.1\",\"mtu\":1400,\"table\":100}],"                              \
	"\"dns\":{\"nameservers\":[\"10.88.0.1\"]}}"
#define PREV_1_1_OUT                                                                     \
	"{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"cni0\","                  \
	"\"mac\":\"aa:bb:cc:dd:ee:ff\",\"mtu\":1500},{\"name\":\"eth0\","                  \
	"\"mac\":\"aa:bb:cc:dd:ee:01\",\"mtu\":1500,\"sandbox\":\"/run/netns/a\"}],"       \
	"\"ips\":[{\"address\":\"10.88.0.5/16\",\"gateway\":\"10.88.0.1\",\"interface\":1}]," \
	"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.88.0.1\"}],"                      \
	"\"dns\":{\"nameservers\":[\"10.88.0.1\"]}}"

static void test_prev_result_each_version(void **state)
{
	static const struct {
		const char *version, *config, *printed;
	} cases[] = {
		{ "0.3.0", CONFIG_HEAD("0.3.0") PREV_LEGACY("0.3.0") "}", PREV_LEGACY("0.3.0") },
		{ "0.3.1", CONFIG_HEAD("0.3.1") PREV_LEGACY("0.3.1") "}", PREV_LEGACY("0.3.1") },
		{ "0.4.0", CONFIG_HEAD("0.4.0") PREV_LEGACY("0.4.0") "}", PREV_LEGACY("0.4.0") },
		{ "1.0.0", CONFIG_HEAD("1.0.0") PREV_1_0 "}", PREV_1_0 },
		{ "1.1.0", CONFIG_HEAD("1.1.0") PREV_1_1_IN "}", PREV_1_1_OUT },
		/* Converted: a 1.0.0 prevResult answered in 0.4.0 gains "version". */
		{ "0.4.0", CONFIG_HEAD("0.4.0") PREV_1_0 "}", PREV_LEGACY("0.4.0") },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cni_request req;
		const struct cni_result *p;
		char *text, *want;
		int ret = -1;

		error_clear();
		if (cni_request_parse(cases[i].config, strlen(cases[i].config), &req) != 0)
			fail_msg("case %zu: %s", i, error_message());
		p = req.prev_result;
		assert_non_null(p);
		assert_int_equal(p->n_interfaces, 2);
		assert_string_equal(p->interfaces[0].name, "cni0");
		assert_null(p->interfaces[0].sandbox);
		assert_string_equal(p->interfaces[1].mac, "aa:bb:cc:dd:ee:01");
		assert_string_equal(p->interfaces[1].sandbox, "/run/netns/a");
		assert_int_equal(p->interfaces[1].mtu, strcmp(cases[i].version, "1.1.0") ? 0 : 1500);
		assert_int_equal(p->n_ips, 1);
		assert_true(p->ips[0].has_gateway);
		assert_int_equal(p->ips[0].gateway.family, AF_INET);
		assert_int_equal(p->ips[0].interface, 1);
		assert_int_equal(p->n_routes, 1);
		assert_true(p->routes[0].has_gw);
		assert_true(p->has_dns);
		assert_int_equal(p->dns.n_nameservers, 1);
		text = CAPTURE(ret = cni_result_print(out, p, req.conf.cni_version));
		assert_int_equal(ret, 0);
		assert_int_equal(asprintf(&want, "%s\n", cases[i].printed) > 0, 1);
		assert_string_equal(text, want);
		free(want);
		free(text);
		cni_request_free(&req);
	}
}

static void test_error_json(void **state)
{
	char *text;

	error_clear();
	error_config("peers[0].endpoint: \"a/b\" is not host:port");
	text = CAPTURE(cni_error_print(out, "0.4.0"));
	assert_string_equal(text, "{\"cniVersion\":\"0.4.0\",\"code\":7,"
				  "\"msg\":\"invalid network configuration\","
				  "\"details\":\"peers[0].endpoint: \\\"a/b\\\" is not host:port\"}\n");
	free(text);
	/* No version, or one we do not speak: answered in 1.1.0. */
	text = CAPTURE(cni_error_print(out, NULL));
	assert_non_null(strstr(text, "{\"cniVersion\":\"1.1.0\",\"code\":7,"));
	free(text);
	text = CAPTURE(cni_error_print(out, "0.2.0"));
	assert_non_null(strstr(text, "{\"cniVersion\":\"1.1.0\",\"code\":7,"));
	free(text);

	error_clear();
	text = CAPTURE(cni_error_print(out, "1.0.0"));
	assert_string_equal(text, "{\"cniVersion\":\"1.0.0\",\"code\":999,"
				  "\"msg\":\"internal error\",\"details\":\"unknown error\"}\n");
	free(text);
}

static void test_error_codes(void **state)
{
	static const struct {
		enum cni_code code;
		const char *msg;
	} cases[] = {
		{ 1, "incompatible CNI version" },    { 2, "unsupported field in network configuration" },
		{ 3, "unknown container" },           { 4, "invalid environment variables" },
		{ 5, "I/O failure" },                 { 6, "failed to decode content" },
		{ 7, "invalid network configuration" }, { 11, "try again later" },
		{ 50, "plugin not available" },       { 100, "attachment differs from its configuration" },
		{ 999, "internal error" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text, *want;

		error_clear();
		error_report(-ENOENT, cases[i].code, "opening %s", "/x");
		text = CAPTURE(cni_error_print(out, "1.1.0"));
		assert_int_equal(asprintf(&want, "{\"cniVersion\":\"1.1.0\",\"code\":%d,\"msg\":\"%s\","
					  "\"details\":\"opening /x: No such file or directory\"}\n",
					  cases[i].code, cases[i].msg) > 0, 1);
		assert_string_equal(text, want);
		free(want);
		free(text);
	}
	error_clear();
}

static void test_version_json(void **state)
{
	static const char list[] = "\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\","
				   "\"1.1.0\"]}\n";
	char *text, *want;

	text = CAPTURE(cni_version_print(out, NULL));
	assert_int_equal(asprintf(&want, "{\"cniVersion\":\"1.1.0\",%s", list) > 0, 1);
	assert_string_equal(text, want);
	free(text);
	/* An unknown asked version is not echoed; the list lets the runtime decide. */
	text = CAPTURE(cni_version_print(out, "9.9.9"));
	assert_string_equal(text, want);
	free(want);
	free(text);
	text = CAPTURE(cni_version_print(out, "0.4.0"));
	assert_int_equal(asprintf(&want, "{\"cniVersion\":\"0.4.0\",%s", list) > 0, 1);
	assert_string_equal(text, want);
	free(want);
	free(text);
}

static void test_versions_supported(void **state)
{
	static const char *const yes[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };
	static const char *const no[] = { "0.1.0", "0.2.0", "1.0", "1.2.0", "", "1.0.0 " };

	for (size_t i = 0; i < 5; i++) {
		assert_true(cni_version_supported(yes[i]));
		assert_string_equal(cni_supported_versions[i], yes[i]);
	}
	assert_null(cni_supported_versions[5]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(cni_version_supported(no[i]));
	assert_false(cni_version_supported(NULL));
}

static void test_peek_version(void **state)
{
	static const struct {
		const char *json, *version;
	} cases[] = {
		{ "{\"cniVersion\":\"0.3.1\",\"name\":\"x\"}", "0.3.1" },
		{ "{\"cniVersion\":\"0.2.0\"}", "0.2.0" }, /* unsupported: the caller decides */
		{ "{\"name\":\"x\"}", NULL },
		{ "{\"cniVersion\":5}", NULL },
		{ "{\"cniVersion\":\"1.0.0\"", NULL },
		{ "[\"cniVersion\"]", NULL },
		{ "", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *v = cni_peek_version(cases[i].json, strlen(cases[i].json));

		if (cases[i].version)
			assert_string_equal(v, cases[i].version);
		else
			assert_null(v);
		free(v);
	}
	/* Only `len` bytes are read: the rest of the buffer is not part of the document. */
	{
		static const char buf[] = "{\"cniVersion\":\"1.0.0\"}GARBAGE";
		char *v = cni_peek_version(buf, strlen(buf) - 7);

		assert_string_equal(v, "1.0.0");
		free(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_each_version),
		cmocka_unit_test(test_print_empty_and_default),
		cmocka_unit_test(test_prev_result_each_version),
		cmocka_unit_test(test_error_json),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_version_json),
		cmocka_unit_test(test_versions_supported),
		cmocka_unit_test(test_peek_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
