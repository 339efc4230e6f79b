/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The peer store's stamp (peers/peers.c) and merging again (peers/merge.c),
 * in a fresh temporary directory: every save and remove renews the stamp,
 * a merged netconf tells when the store changed since, and a remerge keeps
 * the configured peers while replacing the stored ones.
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

#include "config.h"
#include "peers.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/wgcni-test-peers.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	peers_set_dir(dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void store(const char *name, uint8_t key, uint8_t host)
{
	struct stored_peer p = { 0 };

	snprintf(p.name, sizeof(p.name), "%s", name);
	memset(p.public_key, key, sizeof(p.public_key));
	assert_int_equal(cidr_parse("10.9.0.1/32", &p.address), 0);
	p.address.addr.raw[3] = host;
	assert_int_equal(peers_save("net", &p, NULL), 0);
}

/* A server network with one configured peer (key 0x01). */
static void make_conf(struct netconf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->name = strdup("net");
	conf->has_peer_pool = true;
	conf->peers = calloc(1, sizeof(*conf->peers));
	assert_non_null(conf->name);
	assert_non_null(conf->peers);
	memset(conf->peers[0].public_key, 0x01, WG_KEY_LEN);
	conf->n_peers = 1;
}

static void test_stamp_renewed_by_every_change(void **state)
{
	char a[64], b[64], c[64];

	(void)state;
	assert_int_equal(peers_stamp("net", a, sizeof(a)), 0);
	assert_string_equal(a, "");
	store("one", 0x11, 2);
	assert_int_equal(peers_stamp("net", b, sizeof(b)), 0);
	assert_int_equal(strlen(b), 32);
	store("two", 0x12, 3);
	assert_int_equal(peers_stamp("net", c, sizeof(c)), 0);
	assert_string_not_equal(b, c);
	assert_int_equal(peers_remove("net", "one"), 0);
	assert_int_equal(peers_stamp("net", b, sizeof(b)), 0);
	assert_string_not_equal(b, c);
	/* A failed remove changes nothing. */
	assert_int_equal(peers_remove("net", "one"), -ENOENT);
	assert_int_equal(peers_stamp("net", c, sizeof(c)), 0);
	assert_string_equal(b, c);
}

static void test_changed_and_remerge(void **state)
{
	struct netconf conf;

	(void)state;
	store("one", 0x11, 2);
	store("two", 0x12, 3);
	make_conf(&conf);
	assert_int_equal(peers_changed(&conf), 0); /* not merged: nothing to tell */
	assert_int_equal(peers_merge(&conf), 0);
	assert_int_equal(conf.n_peers, 3);
	assert_int_equal(peers_changed(&conf), 0);

	assert_int_equal(peers_remove("net", "one"), 0);
	store("three", 0x13, 4);
	assert_int_equal(peers_changed(&conf), 1);
	assert_int_equal(peers_remerge(&conf), 0);
	assert_int_equal(peers_changed(&conf), 0);
	assert_int_equal(conf.n_peers, 3);
	assert_int_equal(conf.peers[0].public_key[0], 0x01); /* the configured one stays first */
	assert_int_equal(conf.peers[1].public_key[0], 0x13); /* sorted by name: three, two */
	assert_int_equal(conf.peers[1].allowed_ips[0].addr.raw[3], 4);
	assert_int_equal(conf.peers[2].public_key[0], 0x12);

	assert_int_equal(peers_remove("net", "two"), 0);
	assert_int_equal(peers_remove("net", "three"), 0);
	assert_int_equal(peers_changed(&conf), 1);
	assert_int_equal(peers_remerge(&conf), 0);
	assert_int_equal(conf.n_peers, 1);
	netconf_free(&conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stamp_renewed_by_every_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_and_remerge, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
