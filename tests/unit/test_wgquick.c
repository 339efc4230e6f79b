/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wg-quick files: a provider-like file read field by field, every refusal
 * with its line number, the JSON fields that override the file, and the
 * file mode check. Keys are samples made with `wg genkey` for this test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"
#include "error.h"
#include "key.h"
#include "wgquick.h"

#define PRIV1 "cLoJBYA8MYERUMJPPxUzxt4te/uxKDcRxL9zFgIZ50Y="
#define PUB1 "jRsQ0CagzJQWK1O4SMO8WrVUP8MooOQ/TbjM1QQpZig="
#define PRIV2 "uGJkjUisk4aPG+cQVDsu4Ii+M/LynrjjIRue4CLhDXQ="
#define PUB2 "+D008Hxu+HLe25hN89cfFpi6YQyF5sMnbmzsNxBnjEI="
#define PUB3 "xGEV0wwiwCX3vqc27iuaWbznfuDXQ30SpNCKnlIj9H4="
#define PSK "ZOAHBfXi8xzwnmBkJyAU9GXwZ3hEGv1N3CWCxdPj2+Q="

static const char provider[] =
	"# Sweden, server se-got-wg-001\n"
	"[Interface]\n"
	"PrivateKey = " PRIV1 "\n"
	"Address = 10.68.12.34/32,fc00:bbbb:bbbb:bb01::5:c21/128\n"
	"DNS = 10.64.0.1, fc00:bbbb:bbbb:bb01::1, vpn.example\n"
	"  mtu = 1380   # lower for PPPoE\n"
	"ListenPort = 51821\n"
	"FwMark = 0x1234\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " PUB2 "\n"
	"PresharedKey = " PSK "\n"
	"AllowedIPs = 0.0.0.0/0, ::/0\n"
	"Endpoint = 198.51.100.7:51820\n"
	"PersistentKeepalive = 25\n"
	"[peer]\n"
	"publickey=" PUB3 "\r\n"
	"endpoint = [2001:db8::7]:4500\n"
	"AllowedIPs = 10.1.2.3/16\n"
	"AllowedIPs = fd00:1::1\n"
	"PersistentKeepalive = off\n";

static char dir[] = "/tmp/wgq-test-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void assert_cidr(const struct cidr *c, const char *text)
{
	char buf[64];

	cidr_format(c, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void assert_key(const uint8_t key[WG_KEY_LEN], const char *b64)
{
	char text[WG_KEY_B64_LEN + 1];

	key_to_base64(key, text);
	assert_string_equal(text, b64);
}

static void test_provider_file(void **state)
{
	struct netconf c = { 0 };
	uint8_t pub[WG_KEY_LEN];

	assert_int_equal(wgquick_parse_file(write_file("se.conf", provider, 0600), &c), 0);
	assert_true(c.has_private_key);
	key_public(c.private_key, pub);
	assert_key(pub, PUB1);
	assert_int_equal(c.n_addresses, 2);
	assert_cidr(&c.addresses[0], "10.68.12.34/32");
	assert_cidr(&c.addresses[1], "fc00:bbbb:bbbb:bb01::5:c21/128");
	assert_true(c.has_dns);
	assert_int_equal(c.dns.n_nameservers, 2);
	assert_string_equal(c.dns.nameservers[0], "10.64.0.1");
	assert_string_equal(c.dns.nameservers[1], "fc00:bbbb:bbbb:bb01::1");
	assert_int_equal(c.dns.n_search, 1);
	assert_string_equal(c.dns.search[0], "vpn.example");
	assert_int_equal(c.mtu, 1380);
	assert_int_equal(c.listen_port, 51821);
	assert_int_equal(c.fwmark, 0x1234);
	assert_int_equal(c.n_peers, 2);

	assert_key(c.peers[0].public_key, PUB2);
	assert_true(c.peers[0].has_preshared_key);
	assert_key(c.peers[0].preshared_key, PSK);
	assert_null(c.peers[0].preshared_key_file);
	assert_int_equal(c.peers[0].n_allowed_ips, 2);
	assert_cidr(&c.peers[0].allowed_ips[0], "0.0.0.0/0");
	assert_cidr(&c.peers[0].allowed_ips[1], "::/0");
	assert_string_equal(c.peers[0].endpoint_host, "198.51.100.7");
	assert_int_equal(c.peers[0].endpoint_port, 51820);
	assert_int_equal(c.peers[0].persistent_keepalive, 25);

	assert_key(c.peers[1].public_key, PUB3);
	assert_false(c.peers[1].has_preshared_key);
	assert_string_equal(c.peers[1].endpoint_host, "2001:db8::7");
	assert_int_equal(c.peers[1].endpoint_port, 4500);
	assert_int_equal(c.peers[1].n_allowed_ips, 2);
	assert_cidr(&c.peers[1].allowed_ips[0], "10.1.0.0/16");
	assert_cidr(&c.peers[1].allowed_ips[1], "fd00:1::1/128");
	assert_int_equal(c.peers[1].persistent_keepalive, 0);
	netconf_free(&c);
	assert_int_equal(c.n_peers, 0);
	assert_false(error_recorded());
}

static const struct {
	const char *text;
	const char *message;
} refusals[] = {
	{ "[Interface]\nAddress = 10.0.0.2/32\n\n# hooks\nPostUp = iptables -A x\n",
	  "t.conf:5: PostUp is not supported: hooks would run as root" },
	{ "[Interface]\npreup=x\n", "t.conf:2: PreUp is not supported: hooks would run as root" },
	{ "[Interface]\nPreDown = x\n",
	  "t.conf:2: PreDown is not supported: hooks would run as root" },
	{ "[Peer]\nPublicKey=" PUB2 "\n[Interface]\nPOSTDOWN=x\n",
	  "t.conf:4: PostDown is not supported: hooks would run as root" },
	{ "[Interface]\nSaveConfig = true\n",
	  "t.conf:2: SaveConfig is not supported: the plugin never writes the file back" },
	{ "\n[Interface]\nTable = off\n",
	  "t.conf:3: Table is not supported: the plugin routes the container's traffic itself" },
	{ "[Interface]\nPrivateKey = " PRIV1 "\nFoo = 1\n",
	  "t.conf:3: unknown key \"Foo\" in [Interface]" },
	{ "[Peer]\nPublicKey = " PUB2 "\nAddress = 10.0.0.1/32\n",
	  "t.conf:3: unknown key \"Address\" in [Peer]" },
	{ "[Interface]\n[Wireguard]\n", "t.conf:2: unknown section \"Wireguard\"" },
	{ "[Interface]\nMTU = 1400\n[Interface]\n",
	  "t.conf:3: a second [Interface] (the first is on line 1)" },
	{ "PrivateKey = " PRIV1 "\n",
	  "t.conf:1: key \"PrivateKey\" outside of an [Interface] or [Peer] section" },
	{ "[Interface]\nAddress\n", "t.conf:2: expected Key = Value or a [Section]" },
	/* A key pasted alone has '=' padding: it must not come back in the message. */
	{ "[Interface]\n" PRIV1 "\n", "t.conf:2: unknown key that is not a name (not shown: "
	  "it may be a key) in [Interface]" },
	{ "[Interface]\n[" PRIV1 "]\n", "t.conf:2: unknown section that is not a name (not "
	  "shown: it may be a key)" },
	{ "[Interface]\nPrivateKey = " PUB2 "x\n",
	  "t.conf:2: PrivateKey: not a base64 WireGuard key" },
	{ "[Interface]\n[Peer]\nEndpoint = 192.0.2.1:51820\n[Peer]\nPublicKey = " PUB2 "\n",
	  "t.conf:2: [Peer] without a PublicKey" },
	{ "[Peer]\nPublicKey = " PUB2 "\n[Peer]\nPublicKey = " PUB2 "\n",
	  "t.conf:3: [Peer] has the same PublicKey as peer 1" },
	{ "[Interface]\nAddress = 10.0.0.2/32, 10.0.0.300/24\n",
	  "t.conf:2: Address: \"10.0.0.300/24\" is not an IP address or prefix" },
	{ "[Interface]\nDNS = 1.1.1.1, bad/domain\n",
	  "t.conf:2: DNS: \"bad/domain\" is neither an IP address nor a domain" },
	{ "[Interface]\nMTU = 100\n", "t.conf:2: MTU: 100 is below 576" },
	{ "[Interface]\nDNS = " PRIV1 "\n",
	  "t.conf:2: DNS: (withheld: it may be a key) is neither an IP address nor a domain" },
	{ "[Peer]\nPublicKey = " PUB2 "\nEndpoint = " PSK ":1\n",
	  "t.conf:3: Endpoint: (withheld: it may be a key) is not an IPv4 address, [IPv6 "
	  "address] or host name with a port" },
	{ "[Interface]\nListenPort = 65536\n",
	  "t.conf:2: ListenPort: \"65536\" is not a number in 0..65535" },
	{ "[Peer]\nPublicKey = " PUB2 "\nEndpoint = fc00::1:51820\n",
	  "t.conf:3: Endpoint: \"fc00::1:51820\" is not an IPv4 address, [IPv6 address] or "
	  "host name with a port" },
	{ "[Peer]\nPublicKey = " PUB2 "\nEndpoint = 192.0.2.1\n",
	  "t.conf:3: Endpoint: \"192.0.2.1\" is not host:port" },
	{ "[Peer]\nPublicKey = " PUB2 "\nPersistentKeepalive = -1\n",
	  "t.conf:3: PersistentKeepalive: \"-1\" is not a number in 0..65535" },
};

static void test_refusals(void **state)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct netconf c = { 0 };

		error_clear();
		assert_int_equal(wgquick_parse_buffer("t.conf", refusals[i].text,
						      strlen(refusals[i].text), &c), -EINVAL);
		assert_int_equal(error_code(), CNI_ERR_INVALID_CONFIG);
		assert_string_equal(error_message(), refusals[i].message);
		/* No message may quote a private or preshared key. */
		assert_null(strstr(error_message(), PRIV1));
		assert_null(strstr(error_message(), PSK));
		netconf_free(&c);
	}
	error_clear();
}

static void test_mode(void **state)
{
	struct netconf c = { 0 };
	const char *path = write_file("open.conf", provider, 0640);
	char expected[256];

	assert_int_equal(wgquick_parse_file(path, &c), -EACCES);
	snprintf(expected, sizeof(expected),
		 "wgQuickConfig %s: readable by group or others (mode 0640); chmod 600 it", path);
	assert_string_equal(error_message(), expected);
	assert_int_equal(error_code(), CNI_ERR_INVALID_CONFIG);
	assert_int_equal(c.n_peers, 0);
	error_clear();
	path = write_file("open.conf", provider, 0604);
	assert_int_equal(wgquick_parse_file(path, &c), -EACCES);
	error_clear();
	/* Positive control: the same file, 0400. */
	path = write_file("open.conf", provider, 0400);
	assert_int_equal(wgquick_parse_file(path, &c), 0);
	assert_int_equal(c.n_peers, 2);
	netconf_free(&c);
	snprintf(expected, sizeof(expected), "%s/missing.conf", dir);
	assert_int_equal(wgquick_parse_file(expected, &c), -ENOENT);
	error_clear();
}

__attribute__((format(printf, 2, 3)))
static int parse_json(struct cni_request *req, const char *fmt, ...)
{
	char json[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(json, sizeof(json), fmt, ap);
	va_end(ap);
	error_clear();
	return cni_request_parse(json, strlen(json), req);
}

#define HEAD "{\"cniVersion\":\"1.0.0\",\"name\":\"vpn\",\"type\":\"wireguard\"," \
	"\"wgQuickConfig\":\"%s\""

static void test_json_uses_file(void **state)
{
	struct cni_request req;
	uint8_t key[WG_KEY_LEN], pub[WG_KEY_LEN];
	const char *path = write_file("se.conf", provider, 0600);

	assert_int_equal(parse_json(&req, HEAD "}", path), 0);
	assert_string_equal(req.conf.wg_quick_config, path);
	assert_null(req.conf.private_key_file);
	assert_true(req.conf.has_private_key);
	assert_int_equal(wgquick_private_key(&req.conf, key), 0);
	key_public(key, pub);
	key_wipe(key, sizeof(key));
	assert_key(pub, PUB1);
	assert_int_equal(req.conf.n_addresses, 2);
	assert_int_equal(req.conf.mtu, 1380);
	assert_int_equal(req.conf.listen_port, 51821);
	assert_int_equal(req.conf.fwmark, 0x1234);
	assert_true(req.conf.has_dns);
	assert_int_equal(req.conf.dns.n_nameservers, 2);
	assert_int_equal(req.conf.n_peers, 2);
	assert_true(req.conf.peers[0].has_preshared_key);
	assert_true(req.conf.kill_switch);
	cni_request_free(&req);
}

static void test_json_overrides(void **state)
{
	struct cni_request req;
	uint8_t key[WG_KEY_LEN], pub[WG_KEY_LEN];
	char keyfile[128];

	snprintf(keyfile, sizeof(keyfile), "%s", write_file("own.key", PRIV2 "\n", 0600));
	char path[128];

	snprintf(path, sizeof(path), "%s", write_file("se.conf", provider, 0600));
	assert_int_equal(parse_json(&req, HEAD ",\"privateKeyFile\":\"%s\",\"address\":"
				    "[\"10.9.0.2/32\"],\"mtu\":1300,\"listenPort\":5000,"
				    "\"fwmark\":7,\"dns\":{\"nameservers\":[\"9.9.9.9\"]},"
				    "\"peers\":[{\"publicKey\":\"" PUB3 "\",\"allowedIPs\":"
				    "[\"10.9.0.0/16\"]}]}", path, keyfile), 0);
	assert_string_equal(req.conf.private_key_file, keyfile);
	assert_false(req.conf.has_private_key);
	assert_int_equal(wgquick_private_key(&req.conf, key), 0);
	key_public(key, pub);
	key_wipe(key, sizeof(key));
	assert_key(pub, PUB2);
	assert_int_equal(req.conf.n_addresses, 1);
	assert_cidr(&req.conf.addresses[0], "10.9.0.2/32");
	assert_int_equal(req.conf.mtu, 1300);
	assert_int_equal(req.conf.listen_port, 5000);
	assert_int_equal(req.conf.fwmark, 7);
	assert_int_equal(req.conf.dns.n_nameservers, 1);
	assert_string_equal(req.conf.dns.nameservers[0], "9.9.9.9");
	assert_int_equal(req.conf.dns.n_search, 0);
	assert_int_equal(req.conf.n_peers, 1);
	assert_key(req.conf.peers[0].public_key, PUB3);
	assert_false(req.conf.peers[0].has_preshared_key);
	cni_request_free(&req);
}

static void test_json_errors(void **state)
{
	struct cni_request req;
	char expected[256];
	const char *path = write_file("bad.conf", "[Interface]\nPrivateKey = " PRIV1 "\n"
				      "Address = 10.0.0.2/32\nPostUp = true\n", 0600);

	assert_int_equal(parse_json(&req, HEAD "}", path), -EINVAL);
	assert_int_equal(error_code(), CNI_ERR_INVALID_CONFIG);
	snprintf(expected, sizeof(expected),
		 "%s:4: PostUp is not supported: hooks would run as root", path);
	assert_string_equal(error_message(), expected);

	path = write_file("nopeer.conf", "[Interface]\nPrivateKey = " PRIV1 "\n"
			  "Address = 10.0.0.2/32\n", 0600);
	assert_int_equal(parse_json(&req, HEAD "}", path), -EINVAL);
	snprintf(expected, sizeof(expected), "peers: required (wgQuickConfig %s has no [Peer])",
		 path);
	assert_string_equal(error_message(), expected);

	path = write_file("nokey.conf", "[Interface]\nAddress = 10.0.0.2/32\n[Peer]\n"
			  "PublicKey = " PUB2 "\n", 0600);
	assert_int_equal(parse_json(&req, HEAD "}", path), -EINVAL);
	snprintf(expected, sizeof(expected),
		 "privateKeyFile: required (wgQuickConfig %s has no PrivateKey)", path);
	assert_string_equal(error_message(), expected);

	assert_int_equal(parse_json(&req, HEAD "}", "etc/relative.conf"), -EINVAL);
	assert_string_equal(error_message(), "wgQuickConfig: must be an absolute path");
	/* Without wgQuickConfig the fields stay required. */
	assert_int_equal(parse_json(&req, "{\"cniVersion\":\"1.0.0\",\"name\":\"%s\"}", "vpn"),
			 -EINVAL);
	assert_string_equal(error_message(), "privateKeyFile: required");
	error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider_file),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_json_uses_file),
		cmocka_unit_test(test_json_overrides),
		cmocka_unit_test(test_json_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
