/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cni/: the configuration on stdin (the CNI_* environment and reading stdin
 * are in test_cni_env.c). Every refusal is checked for its code and for
 * naming the field; each has a valid neighbour (the base configuration) that
 * parses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cni.h"
#include "error.h"

#define KEY_A "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define KEY_B "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="

static const uint8_t key_a[32] = {
	0xc5, 0x32, 0x01, 0x03, 0x9a, 0xdb, 0xa1, 0x4b, 0xe7, 0x1f, 0x88, 0x6d, 0xa1, 0xd8, 0xdb, 0xe9,
	0xee, 0xbd, 0xed, 0x08, 0xcb, 0x11, 0x1b, 0x75, 0x34, 0x00, 0x78, 0x99, 0x9a, 0xa9, 0xf0, 0x38,
};
static const uint8_t key_b[32] = {
	0x1c, 0x88, 0x28, 0xf7, 0x13, 0x73, 0x24, 0xc5, 0x8b, 0x28, 0x04, 0x92, 0x86, 0x24, 0xea, 0x23,
	0x26, 0xf1, 0x67, 0x45, 0x37, 0xc0, 0x62, 0xe2, 0x51, 0xe2, 0x75, 0x3c, 0xa7, 0xfc, 0xca, 0x4c,
};

/* Every field set, plus what podman and libcni add around it. */
static const char full_config[] =
	"{\"cniVersion\":\"1.0.0\",\"name\":\"wgnet\",\"type\":\"wireguard\","
	"\"backend\":\"userspace\",\"privateKeyFile\":\"/etc/wgcni/wgnet.key\","
	"\"address\":[\"10.64.0.2/24\",\"fc00:bbbb::2/128\"],\"listenPort\":51820,"
	"\"mtu\":1380,\"fwmark\":51821,"
	"\"dns\":{\"nameservers\":[\"10.64.0.1\",\"fc00:bbbb::1\"],\"domain\":\"x\","
	"\"search\":[\"a\",\"b.c\"],\"options\":[\"ndots:1\"]},"
	"\"killSwitch\":false,\"userspaceImplementation\":\"/usr/bin/wireguard-go\","
	"\"capabilities\":{\"aliases\":true},\"runtimeConfig\":{\"aliases\":{\"wgnet\":[\"a\"]}},"
	"\"args\":{},\"ipMasq\":false,\"ipam\":{},"
	"\"peers\":[{\"publicKey\":\"" KEY_A "\",\"presharedKeyFile\":\"/etc/wgcni/psk\","
	"\"endpoint\":\"203.0.113.7:51820\",\"allowedIPs\":[\"0.0.0.0/0\",\"::/0\"],"
	"\"persistentKeepalive\":25},"
	"{\"publicKey\":\"" KEY_B "\",\"endpoint\":\"[fc00::7]:443\","
	"\"allowedIPs\":[\"10.99.1.2/16\"]}],"
	"\"prevResult\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
	"\"ips\":[{\"address\":\"10.88.0.5/16\",\"interface\":0}]},"
	"\"cni.dev/valid-attachments\":[{\"containerID\":\"abc\",\"ifname\":\"eth0\"},"
	"{\"containerID\":\"def\",\"ifname\":\"wg1\"}]}";

static const char minimal_config[] =
	"{\"cniVersion\":\"0.4.0\",\"name\":\"w\",\"privateKeyFile\":\"/k\","
	"\"address\":[\"10.64.0.2/32\"],\"peers\":[{\"publicKey\":\"" KEY_A "\"}]}";

static void assert_cidr(const struct cidr *c, const char *text)
{
	char buf[50];

	cidr_format(c, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void test_full_config(void **state)
{
	struct cni_request req;
	const struct netconf *c = &req.conf;

	error_clear();
	assert_int_equal(cni_request_parse(full_config, strlen(full_config), &req), 0);
	assert_string_equal(c->cni_version, "1.0.0");
	assert_string_equal(c->name, "wgnet");
	assert_int_equal(c->backend, BACKEND_USERSPACE);
	assert_string_equal(c->private_key_file, "/etc/wgcni/wgnet.key");
	assert_int_equal(c->n_addresses, 2);
	assert_cidr(&c->addresses[0], "10.64.0.2/24"); /* host bits kept for addresses */
	assert_cidr(&c->addresses[1], "fc00:bbbb::2/128");
	assert_int_equal(c->listen_port, 51820);
	assert_int_equal(c->mtu, 1380);
	assert_int_equal(c->fwmark, 51821);
	assert_true(c->has_dns);
	assert_int_equal(c->dns.n_nameservers, 2);
	assert_string_equal(c->dns.nameservers[0], "10.64.0.1");
	assert_string_equal(c->dns.nameservers[1], "fc00:bbbb::1");
	assert_string_equal(c->dns.domain, "x");
	assert_int_equal(c->dns.n_search, 2);
	assert_string_equal(c->dns.search[0], "a");
	assert_string_equal(c->dns.search[1], "b.c");
	assert_int_equal(c->dns.n_options, 1);
	assert_string_equal(c->dns.options[0], "ndots:1");
	assert_false(c->kill_switch);
	assert_string_equal(c->userspace_implementation, "/usr/bin/wireguard-go");

	assert_int_equal(c->n_peers, 2);
	assert_memory_equal(c->peers[0].public_key, key_a, 32);
	assert_string_equal(c->peers[0].preshared_key_file, "/etc/wgcni/psk");
	assert_string_equal(c->peers[0].endpoint_host, "203.0.113.7");
	assert_int_equal(c->peers[0].endpoint_port, 51820);
	assert_int_equal(c->peers[0].endpoint_len, 0);
	assert_int_equal(c->peers[0].n_allowed_ips, 2);
	assert_cidr(&c->peers[0].allowed_ips[0], "0.0.0.0/0");
	assert_cidr(&c->peers[0].allowed_ips[1], "::/0");
	assert_int_equal(c->peers[0].persistent_keepalive, 25);
	assert_memory_equal(c->peers[1].public_key, key_b, 32);
	assert_null(c->peers[1].preshared_key_file);
	assert_string_equal(c->peers[1].endpoint_host, "fc00::7");
	assert_int_equal(c->peers[1].endpoint_port, 443);
	assert_int_equal(c->peers[1].n_allowed_ips, 1);
	assert_cidr(&c->peers[1].allowed_ips[0], "10.99.0.0/16"); /* host bits masked */
	assert_int_equal(c->peers[1].persistent_keepalive, 0);

	assert_non_null(req.prev_result);
	assert_int_equal(req.prev_result->n_interfaces, 1);
	assert_string_equal(req.prev_result->interfaces[0].name, "eth0");
	assert_int_equal(req.prev_result->n_ips, 1);
	assert_cidr(&req.prev_result->ips[0].address, "10.88.0.5/16");
	assert_int_equal(req.prev_result->ips[0].interface, 0);

	assert_true(req.has_valid_attachments);
	assert_int_equal(req.n_valid_attachments, 2);
	assert_string_equal(req.valid_attachments[0], "abc\teth0");
	assert_string_equal(req.valid_attachments[1], "def\twg1");
	assert_false(error_recorded());
	cni_request_free(&req);
	assert_null(req.conf.name);
	assert_null(req.prev_result);
}

static void test_defaults(void **state)
{
	struct cni_request req;
	const struct netconf *c = &req.conf;

	error_clear();
	assert_int_equal(cni_request_parse(minimal_config, strlen(minimal_config), &req), 0);
	assert_string_equal(c->cni_version, "0.4.0");
	assert_int_equal(c->backend, BACKEND_AUTO);
	assert_int_equal(c->listen_port, 0);
	assert_int_equal(c->mtu, 1420);
	assert_int_equal(c->fwmark, 0);
	assert_false(c->has_dns);
	assert_null(c->dns.nameservers);
	assert_null(c->dns.domain);
	assert_true(c->kill_switch);
	assert_null(c->userspace_implementation);
	assert_int_equal(c->n_peers, 1);
	assert_null(c->peers[0].preshared_key_file);
	assert_null(c->peers[0].endpoint_host);
	assert_int_equal(c->peers[0].endpoint_port, 0);
	assert_int_equal(c->peers[0].n_allowed_ips, 0);
	assert_int_equal(c->peers[0].persistent_keepalive, 0);
	assert_null(req.prev_result);
	assert_false(req.has_valid_attachments);
	assert_int_equal(req.n_valid_attachments, 0);
	cni_request_free(&req);
}

/*
 * The full configuration with one field replaced by `value` (JSON text) or,
 * when value is NULL, removed. "peers[1].endpoint" reaches into a peer.
 */
static char *variant(const char *path, const char *value)
{
	json_object *root = json_tokener_parse(full_config), *target = root;
	const char *key = path;
	unsigned index;
	char *text;

	assert_non_null(root);
	if (sscanf(path, "peers[%u]", &index) == 1) {
		target = json_object_array_get_idx(json_object_object_get(root, "peers"), index);
		key = strchr(path, '.') + 1;
	}
	if (value) {
		json_object *v = json_tokener_parse(value);

		assert_true(v || strcmp(value, "null") == 0);
		json_object_object_add(target, key, v);
	} else {
		json_object_object_del(target, key);
	}
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return text;
}

struct bad_case {
	const char *path;  /* field to replace; NULL: `value` is the whole input */
	const char *value; /* JSON text; NULL: remove the field */
	enum cni_code code;
	const char *needle; /* must appear in the message */
};

static void expect_refusal(const struct bad_case *t)
{
	char *json = t->path ? variant(t->path, t->value) : strdup(t->value);
	struct cni_request req;
	int r;

	error_clear();
	r = cni_request_parse(json, strlen(json), &req);
	if (r >= 0 || error_code() != t->code || !strstr(error_message(), t->needle))
		fail_msg("%s=%s: r=%d code=%d msg=\"%s\", wanted code %d and \"%s\"",
			 t->path ? t->path : "(input)", t->value ? t->value : "(removed)", r,
			 error_code(), error_message(), t->code, t->needle);
	/* The request is left empty and freeable after a refusal. */
	assert_null(req.conf.name);
	assert_null(req.conf.peers);
	cni_request_free(&req);
	free(json);
}

static void test_refused_documents(void **state)
{
	static const struct bad_case cases[] = {
		{ NULL, "not json", 6, "failed to decode configuration: " },
		{ NULL, "{\"cniVersion\":\"1.0.0\",\"name\":", 6,
		  "failed to decode configuration: unexpected end of data" },
		{ NULL, "", 6, "failed to decode configuration: unexpected end of data" },
		{ NULL, "[1,2]", 6, "failed to decode configuration: not a JSON object" },
		{ NULL, "null", 6, "failed to decode configuration: not a JSON object" },
		{ NULL, "\"x\"", 6, "failed to decode configuration: not a JSON object" },
		{ NULL, "{\"cniVersion\":\"1.0.0\"} {}", 6, "failed to decode configuration: " },
		{ NULL, "{'cniVersion':'1.0.0'}", 6, "failed to decode configuration: " },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refusal(&cases[i]);
}

static void test_refused_top_level(void **state)
{
	static const struct bad_case cases[] = {
		{ "cniVersion", NULL, 7, "cniVersion: required" },
		{ "cniVersion", "1", 7, "cniVersion: must be a string" },
		{ "cniVersion", "\"0.2.0\"", 1, "unsupported cniVersion \"0.2.0\"" },
		{ "cniVersion", "\"1.0\"", 1, "unsupported cniVersion \"1.0\"" },
		{ "name", NULL, 7, "name: required" },
		{ "name", "\"\"", 7, "name: must not be empty" },
		{ "name", "5", 7, "name: must be a string" },
		{ "name", "\"a/b\"", 7, "name: \"a/b\" may contain only" },
		{ "name", "\"a b\"", 7, "name: \"a b\" may contain only" },
		{ "name", "\"..\"", 7, "name: \"..\" is not a usable name" },
		{ "name", "\"a\\u0000b\"", 7, "name: must not contain NUL" },
		{ "backend", "\"fast\"", 7, "backend: \"fast\" is not one of auto, kernel, userspace" },
		{ "backend", "1", 7, "backend: must be a string" },
		{ "privateKeyFile", NULL, 7, "privateKeyFile: required" },
		{ "privateKeyFile", "\"etc/k\"", 7, "privateKeyFile: must be an absolute path" },
		{ "privateKeyFile", "[\"/k\"]", 7, "privateKeyFile: must be a string" },
		{ "address", NULL, 7, "address: required" },
		{ "address", "\"10.64.0.2/32\"", 7, "address: must be an array" },
		{ "address", "[]", 7, "address: needs at least 1 entry" },
		{ "address", "[\"10.64.0.2/32\",\"10.1.2\"]", 7, "address[1]: not an IP prefix: \"10.1.2\"" },
		{ "address", "[\"10.64.0.2\"]", 7, "address[0]: not an IP prefix: \"10.64.0.2\"" },
		{ "address", "[\"10.64.0.2/33\"]", 7, "address[0]: not an IP prefix" },
		{ "address", "[5]", 7, "address[0]: must be a string" },
		{ "address", "[\"10.64.0.2/32\",\"10.64.0.2/24\"]", 7, "address[1]: duplicate of address[0]" },
		{ "listenPort", "0", 7, "listenPort: 0 is out of range 1..65535" },
		{ "listenPort", "65536", 7, "listenPort: 65536 is out of range 1..65535" },
		{ "listenPort", "\"51820\"", 7, "listenPort: must be an integer" },
		{ "listenPort", "5.5", 7, "listenPort: must be an integer" },
		{ "mtu", "\"big\"", 7, "mtu: must be an integer" },
		{ "mtu", "575", 7, "mtu: 575 is out of range 576..65535" },
		{ "mtu", "65536", 7, "mtu: 65536 is out of range" },
		{ "mtu", "1200", 7, "mtu: 1200 is below 1280, the minimum for IPv6" },
		{ "mtu", "99999999999999999999", 7, "mtu: out of range 576..65535" },
		{ "mtu", "-99999999999999999999", 7, "mtu: out of range 576..65535" },
		{ "fwmark", "-1", 7, "fwmark: -1 is out of range 0..4294967295" },
		{ "fwmark", "4294967296", 7, "fwmark: 4294967296 is out of range" },
		{ "fwmark", "\"51820\"", 7, "fwmark: \"51820\" is neither an integer nor a hex string" },
		{ "fwmark", "\"0xZZ\"", 7, "fwmark: \"0xZZ\" is neither" },
		{ "fwmark", "\"0x1g\"", 7, "fwmark: \"0x1g\" is not a 32-bit hex number" },
		{ "fwmark", "\"0x100000000\"", 7, "fwmark: \"0x100000000\" is not a 32-bit hex number" },
		{ "fwmark", "true", 7, "fwmark: must be an integer" },
		{ "dns", "\"10.0.0.1\"", 7, "dns: must be an object" },
		{ "dns", "{\"nameservers\":\"10.0.0.1\"}", 7, "dns.nameservers: must be an array" },
		{ "dns", "{\"nameservers\":[\"nope\"]}", 7, "dns.nameservers[0]: not an IP address: \"nope\"" },
		{ "dns", "{\"nameservers\":[1]}", 7, "dns.nameservers[0]: must be a string" },
		{ "dns", "{\"domain\":3}", 7, "dns.domain: must be a string" },
		{ "dns", "{\"search\":[\"a\",{}]}", 7, "dns.search[1]: must be a string" },
		{ "dns", "{\"options\":\"x\"}", 7, "dns.options: must be an array" },
		{ "dns", "{\"nameserver\":[]}", 7, "dns: unknown field \"nameserver\"" },
		{ "killSwitch", "\"yes\"", 7, "killSwitch: must be true or false" },
		{ "killSwitch", "1", 7, "killSwitch: must be true or false" },
		{ "userspaceImplementation", "\"wireguard-go\"", 7,
		  "userspaceImplementation: must be an absolute path" },
		{ "allowedIps", "[]", 7, "unknown field \"allowedIps\"" },
		{ "listen_port", "1", 7, "unknown field \"listen_port\"" },
		{ "privateKey", "\"" KEY_B "\"", 7, "privateKey: keys are not accepted inline" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refusal(&cases[i]);
}

/* The routing modes' fields: defaults, accepted values, refusals naming the field. */
static void test_modes_fields(void **state)
{
	static const char modes_config[] =
		"{\"cniVersion\":\"1.0.0\",\"name\":\"w\",\"privateKeyFile\":\"/k\","
		"\"address\":[\"10.64.0.2/32\"],\"peers\":[{\"publicKey\":\"" KEY_A "\"}],"
		"\"dns\":{\"nameservers\":[\"10.64.0.1\"]},\"tunnelInterface\":\"tun7\","
		"\"allowedSubnets\":[\"192.168.1.9/24\",\"fd00:1::/64\"],"
		"\"socketNamespace\":\"container\",\"dnsRedirect\":true,"
		"\"inboundPorts\":[{\"port\":8080,\"protocol\":\"tcp\"},"
		"{\"protocol\":\"udp\",\"port\":51000}]}";
	struct cni_request req;
	const struct netconf *c = &req.conf;

	error_clear();
	assert_int_equal(cni_request_parse(minimal_config, strlen(minimal_config), &req), 0);
	assert_null(c->tunnel_interface);
	assert_int_equal(c->n_allowed_subnets, 0);
	assert_int_equal(c->socket_namespace, SOCKET_NS_HOST);
	assert_int_equal(c->n_inbound_ports, 0);
	assert_false(c->dns_redirect);
	cni_request_free(&req);

	assert_int_equal(cni_request_parse(modes_config, strlen(modes_config), &req), 0);
	assert_string_equal(c->tunnel_interface, "tun7");
	assert_int_equal(c->n_allowed_subnets, 2);
	assert_cidr(&c->allowed_subnets[0], "192.168.1.0/24");
	assert_cidr(&c->allowed_subnets[1], "fd00:1::/64");
	assert_int_equal(c->socket_namespace, SOCKET_NS_CONTAINER);
	assert_int_equal(c->n_inbound_ports, 2);
	assert_int_equal(c->inbound_ports[0].port, 8080);
	assert_int_equal(c->inbound_ports[0].protocol, IPPROTO_TCP);
	assert_int_equal(c->inbound_ports[1].port, 51000);
	assert_int_equal(c->inbound_ports[1].protocol, IPPROTO_UDP);
	assert_true(c->dns_redirect);
	cni_request_free(&req);
}

static void test_refused_modes(void **state)
{
	static const struct bad_case cases[] = {
		{ "tunnelInterface", "\"\"", 7, "tunnelInterface: \"\" is not a valid interface name" },
		{ "tunnelInterface", "\"0123456789abcdef\"", 7,
		  "tunnelInterface: \"0123456789abcdef\" is not a valid interface name" },
		{ "tunnelInterface", "\"a/b\"", 7, "tunnelInterface: \"a/b\" is not a valid" },
		{ "tunnelInterface", "3", 7, "tunnelInterface: must be a string" },
		{ "allowedSubnets", "\"10.0.0.0/8\"", 7, "allowedSubnets: must be an array" },
		{ "allowedSubnets", "[\"10.0.0.0/8\",\"x\"]", 7, "allowedSubnets[1]: not an IP prefix: \"x\"" },
		{ "allowedSubnets", "[\"0.0.0.0/0\"]", 7,
		  "allowedSubnets[0]: a default route is not a local network" },
		{ "allowedSubnets", "[\"::/0\"]", 7, "allowedSubnets[0]: a default route" },
		{ "socketNamespace", "\"pod\"", 7, "socketNamespace: \"pod\" is not one of host, container" },
		{ "socketNamespace", "true", 7, "socketNamespace: must be a string" },
		{ "inboundPorts", "{}", 7, "inboundPorts: must be an array" },
		{ "inboundPorts", "[\"8080/tcp\"]", 7, "inboundPorts[0]: must be an object" },
		{ "inboundPorts", "[{\"port\":8080}]", 7, "inboundPorts[0].protocol: required" },
		{ "inboundPorts", "[{\"protocol\":\"tcp\"}]", 7, "inboundPorts[0].port: required" },
		{ "inboundPorts", "[{\"port\":0,\"protocol\":\"tcp\"}]", 7,
		  "inboundPorts[0].port: 0 is out of range 1..65535" },
		{ "inboundPorts", "[{\"port\":80,\"protocol\":\"icmp\"}]", 7,
		  "inboundPorts[0].protocol: \"icmp\" is not one of tcp, udp" },
		{ "inboundPorts", "[{\"port\":80,\"protocol\":\"tcp\",\"to\":1}]", 7,
		  "inboundPorts[0]: unknown field \"to\"" },
		{ "inboundPorts", "[{\"port\":80,\"protocol\":\"tcp\"},{\"port\":80,\"protocol\":\"tcp\"}]",
		  7, "inboundPorts[1]: duplicate of inboundPorts[0]" },
		{ "dnsRedirect", "1", 7, "dnsRedirect: must be true or false" },
		{ "fwmark", "\"0x57474e49\"", 7, "fwmark: 0x57474e49 is reserved for the replies of published ports" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refusal(&cases[i]);
}

/* dnsRedirect needs a resolver: the full configuration has one; without it, refused. */
static void test_dns_redirect_needs_resolver(void **state)
{
	char *json = variant("dnsRedirect", "true");
	json_object *root = json_tokener_parse(json);
	struct cni_request req;

	error_clear();
	assert_int_equal(cni_request_parse(json, strlen(json), &req), 0);
	cni_request_free(&req);
	free(json);
	json_object_object_del(root, "dns");
	json = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	assert_int_equal(cni_request_parse(json, strlen(json), &req), -EINVAL);
	assert_int_equal(error_code(), 7);
	assert_string_equal(error_message(), "dnsRedirect: needs a resolver in dns.nameservers");
	cni_request_free(&req);
	free(json);
}

/* Refused key material is never quoted back. */
static void test_keys_not_echoed(void **state)
{
	static const char *const fields[] = { "privateKey", "peers[0].presharedKey",
					      "peers[0].privateKey" };

	for (size_t i = 0; i < 3; i++) {
		char *json = variant(fields[i], "\"" KEY_B "\"");
		struct cni_request req;

		error_clear();
		assert_int_equal(cni_request_parse(json, strlen(json), &req), -EINVAL);
		assert_int_equal(error_code(), CNI_ERR_INVALID_CONFIG);
		assert_non_null(strstr(error_message(), fields[i]));
		assert_non_null(strstr(error_message(), "File"));
		assert_null(strstr(error_message(), "HIgo9x"));
		free(json);
	}
	/* A private key pasted as a public key that does not decode is not quoted either. */
	{
		char *json = variant("peers[0].publicKey", "\"" KEY_B "xx\"");
		struct cni_request req;

		error_clear();
		assert_int_equal(cni_request_parse(json, strlen(json), &req), -EINVAL);
		assert_string_equal(error_message(), "peers[0].publicKey: not a base64 WireGuard key");
		free(json);
	}
}

static void test_refused_peers(void **state)
{
	char many[64 * 3 + 8] = "[";
	static struct bad_case cases[] = {
		{ "peers", NULL, 7, "peers: required" },
		{ "peers", "{}", 7, "peers: must be an array" },
		{ "peers", "[]", 7, "peers: needs at least 1 entry" },
		{ "peers", NULL /* 65 peers, below */, 7, "peers: more than 64 entries" },
		{ "peers", "[5]", 7, "peers[0]: must be an object" },
		{ "peers[0].publicKey", NULL, 7, "peers[0].publicKey: required" },
		{ "peers[1].publicKey", "7", 7, "peers[1].publicKey: must be a string" },
		/* 43 characters; 44 without padding (33 bytes); a bad character; non-canonical bits */
		{ "peers[0].publicKey", "\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg\"", 7,
		  "peers[0].publicKey: not a base64 WireGuard key" },
		{ "peers[0].publicKey", "\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8DgA\"", 7,
		  "peers[0].publicKey: not a base64 WireGuard key" },
		{ "peers[0].publicKey", "\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8D!=\"", 7,
		  "peers[0].publicKey: not a base64 WireGuard key" },
		{ "peers[0].publicKey", "\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dh=\"", 7,
		  "peers[0].publicKey: not a base64 WireGuard key" },
		{ "peers[0].publicKey", "\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\\n\"", 7,
		  "peers[0].publicKey: not a base64 WireGuard key" },
		{ "peers[1].publicKey", "\"" KEY_A "\"", 7, "peers[1].publicKey: duplicate of peers[0]" },
		{ "peers[0].presharedKeyFile", "\"psk\"", 7,
		  "peers[0].presharedKeyFile: must be an absolute path" },
		{ "peers[0].endpoint", "\"203.0.113.7\"", 7, "peers[0].endpoint: \"203.0.113.7\" is not host:port" },
		{ "peers[0].endpoint", "\"203.0.113.7:0\"", 7, "peers[0].endpoint: \"203.0.113.7:0\"" },
		{ "peers[0].endpoint", "\"203.0.113.7:65536\"", 7, "peers[0].endpoint: " },
		{ "peers[0].endpoint", "\"203.0.113.7:+5\"", 7, "peers[0].endpoint: " },
		{ "peers[0].endpoint", "\"203.0.113.7:\"", 7, "peers[0].endpoint: " },
		{ "peers[0].endpoint", "\":51820\"", 7, "peers[0].endpoint: \":51820\" is not an IP" },
		{ "peers[0].endpoint", "\"fc00::1:51820\"", 7,
		  "peers[0].endpoint: \"fc00::1:51820\": an IPv6 address needs brackets" },
		{ "peers[0].endpoint", "\"[wg.example]:51820\"", 7, "is not [IPv6 address]:port" },
		{ "peers[0].endpoint", "\"[fc00::1:51820\"", 7, "peers[0].endpoint: " },
		{ "peers[1].endpoint", "\"bad_host:1\"", 7, "peers[1].endpoint: \"bad_host:1\" is not an IP" },
		{ "peers[0].endpoint", "51820", 7, "peers[0].endpoint: must be a string" },
		{ "peers[0].allowedIPs", "\"0.0.0.0/0\"", 7, "peers[0].allowedIPs: must be an array" },
		{ "peers[0].allowedIPs", "[\"10.0.0/8\"]", 7,
		  "peers[0].allowedIPs[0]: not an IP prefix: \"10.0.0/8\"" },
		{ "peers[0].allowedIPs", "[\"10.0.0.0/8\",\"10.1.2.3/8\"]", 7,
		  "peers[0].allowedIPs[1]: duplicate of peers[0].allowedIPs[0]" },
		{ "peers[1].allowedIPs", "[\"10.9.0.0/16\",\"::/0\"]", 7,
		  "peers[1].allowedIPs[1]: duplicate of peers[0].allowedIPs[1]" },
		{ "peers[0].persistentKeepalive", "-1", 7,
		  "peers[0].persistentKeepalive: -1 is out of range 0..65535" },
		{ "peers[0].persistentKeepalive", "65536", 7, "peers[0].persistentKeepalive: 65536" },
		{ "peers[0].persistentKeepalive", "\"25\"", 7,
		  "peers[0].persistentKeepalive: must be an integer" },
		{ "peers[0].allowedIps", "[]", 7, "peers[0]: unknown field \"allowedIps\"" },
		{ "peers[1].presharedKey", "\"" KEY_B "\"", 7, "peers[1].presharedKey: keys are not" },
	};

	for (int i = 0; i < 65; i++)
		strcat(many, i ? ",{}" : "{}");
	strcat(many, "]");
	cases[3].value = many;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refusal(&cases[i]);
}

static void test_refused_address_count(void **state)
{
	char list[17 * 20 + 4] = "[";
	struct bad_case t = { "address", list, 7, "address: more than 16 entries" };

	for (int i = 0; i < 17; i++)
		sprintf(list + strlen(list), "%s\"10.0.0.%d/32\"", i ? "," : "", i + 1);
	strcat(list, "]");
	expect_refusal(&t);
}

static void test_refused_prev_result_and_attachments(void **state)
{
	static const struct bad_case cases[] = {
		{ "prevResult", "\"x\"", 7, "prevResult: must be an object" },
		{ "prevResult", "{\"ips\":[{\"address\":\"10.1.2\"}]}", 7,
		  "prevResult.ips[0].address: not an IP prefix: \"10.1.2\"" },
		{ "prevResult", "{\"ips\":[{}]}", 7, "prevResult.ips[0].address: required" },
		{ "prevResult", "{\"ips\":[{\"address\":\"10.1.2.3/8\",\"gateway\":\"10.1.2.3/8\"}]}", 7,
		  "prevResult.ips[0].gateway: not an IP address" },
		{ "prevResult", "{\"ips\":[{\"address\":\"10.1.2.3/8\",\"interface\":0}]}", 7,
		  "prevResult.ips[0].interface: there are no interfaces" },
		{ "prevResult",
		  "{\"interfaces\":[{\"name\":\"eth0\"}],\"ips\":[{\"address\":\"10.1.2.3/8\",\"interface\":1}]}",
		  7, "prevResult.ips[0].interface: 1 is out of range 0..0" },
		{ "prevResult", "{\"interfaces\":[{}]}", 7, "prevResult.interfaces[0].name: required" },
		{ "prevResult", "{\"interfaces\":[{\"name\":\"averyveryverylongname\"}]}", 7,
		  "prevResult.interfaces[0].name: \"averyveryverylongname\" is longer than 15" },
		{ "prevResult", "{\"interfaces\":[{\"name\":\"e\",\"mtu\":\"x\"}]}", 7,
		  "prevResult.interfaces[0].mtu: must be an integer" },
		{ "prevResult", "{\"routes\":[{\"gw\":\"10.0.0.1\"}]}", 7, "prevResult.routes[0].dst: required" },
		{ "prevResult", "{\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"x\"}]}", 7,
		  "prevResult.routes[0].gw: not an IP address: \"x\"" },
		{ "prevResult", "{\"ips\":{}}", 7, "prevResult.ips: must be an array" },
		{ "prevResult", "{\"dns\":{\"nameservers\":[\"x\"]}}", 7,
		  "prevResult.dns.nameservers[0]: not an IP address" },
		{ "cni.dev/valid-attachments", "{}", 7, "cni.dev/valid-attachments: must be an array" },
		{ "cni.dev/valid-attachments", "[{\"ifname\":\"eth0\"}]", 7,
		  "cni.dev/valid-attachments[0].containerID: required" },
		{ "cni.dev/valid-attachments", "[{\"containerID\":\"a\",\"ifname\":1}]", 7,
		  "cni.dev/valid-attachments[0].ifname: must be a string" },
		{ "cni.dev/valid-attachments", "[\"a\"]", 7, "cni.dev/valid-attachments[0]: must be an object" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refusal(&cases[i]);
}

/* Positive neighbours of refusals above: each shows the check is not over-broad. */
static void test_accepted_variants(void **state)
{
	static const struct {
		const char *path, *value;
	} cases[] = {
		{ "mtu", "1280" },
		{ "fwmark", "\"0xCA6C\"" },
		{ "fwmark", "4294967295" },
		{ "listenPort", "65535" },
		{ "peers[0].endpoint", "\"wg-1.example.com:1\"" },
		{ "peers[0].persistentKeepalive", "65535" },
		{ "peers[1].allowedIPs", "[]" },
		{ "peers[1].endpoint", "null" },
		{ "dns", "{}" },
		{ "cni.dev/valid-attachments", "[]" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *json = variant(cases[i].path, cases[i].value);
		struct cni_request req;

		error_clear();
		if (cni_request_parse(json, strlen(json), &req) != 0)
			fail_msg("%s=%s refused: %s", cases[i].path, cases[i].value, error_message());
		if (i == 1)
			assert_int_equal(req.conf.fwmark, 0xca6c);
		if (i == 2)
			assert_int_equal(req.conf.fwmark, 0xffffffffu);
		if (i == 4) {
			assert_string_equal(req.conf.peers[0].endpoint_host, "wg-1.example.com");
			assert_int_equal(req.conf.peers[0].endpoint_port, 1);
		}
		if (i == 7)
			assert_null(req.conf.peers[1].endpoint_host);
		if (i == 8)
			assert_true(req.conf.has_dns);
		if (i == 9) {
			assert_true(req.has_valid_attachments);
			assert_int_equal(req.n_valid_attachments, 0);
		}
		cni_request_free(&req);
		free(json);
	}
}

static void test_mtu_below_1280_without_ipv6(void **state)
{
	char *json = variant("mtu", "1200");
	struct cni_request req;
	json_object *root = json_tokener_parse(json);

	/* The IPv6 floor applies only when an IPv6 address is configured. */
	json_object_object_add(root, "address", json_tokener_parse("[\"10.64.0.2/32\"]"));
	free(json);
	json = strdup(json_object_to_json_string(root));
	json_object_put(root);
	error_clear();
	assert_int_equal(cni_request_parse(json, strlen(json), &req), 0);
	assert_int_equal(req.conf.mtu, 1200);
	cni_request_free(&req);
	free(json);
}

static void test_misspelt_attachments_key(void **state)
{
	char *json = variant("cni.dev/valid-attachments", NULL);
	json_object *root = json_tokener_parse(json);
	struct cni_request req;

	json_object_object_add(root, "cni.dev/attachments",
			       json_tokener_parse("[{\"containerID\":\"c1\",\"ifname\":\"eth9\"}]"));
	free(json);
	json = strdup(json_object_to_json_string(root));
	json_object_put(root);
	error_clear();
	assert_int_equal(cni_request_parse(json, strlen(json), &req), 0);
	assert_true(req.has_valid_attachments);
	assert_int_equal(req.n_valid_attachments, 1);
	assert_string_equal(req.valid_attachments[0], "c1\teth9");
	cni_request_free(&req);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_refused_documents),
		cmocka_unit_test(test_refused_top_level),
		cmocka_unit_test(test_modes_fields),
		cmocka_unit_test(test_refused_modes),
		cmocka_unit_test(test_dns_redirect_needs_resolver),
		cmocka_unit_test(test_keys_not_echoed),
		cmocka_unit_test(test_refused_peers),
		cmocka_unit_test(test_refused_address_count),
		cmocka_unit_test(test_refused_prev_result_and_attachments),
		cmocka_unit_test(test_accepted_variants),
		cmocka_unit_test(test_mtu_below_1280_without_ipv6),
		cmocka_unit_test(test_misspelt_attachments_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
