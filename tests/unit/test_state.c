/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state directory, in a fresh temporary directory per test: records
 * round-trip exactly, malformed ones are refused, names cannot climb out of
 * the directory, key claims are exclusive (also between processes racing
 * under state_lock), and process start times tell a live process from a
 * zombie or a dead one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "state.h"

static char dir[64];

static struct attachment make(const char *network, const char *container_id, uint8_t key)
{
	struct attachment a;

	memset(&a, 0, sizeof(a));
	snprintf(a.network, sizeof(a.network), "%s", network);
	snprintf(a.container_id, sizeof(a.container_id), "%s", container_id);
	snprintf(a.ifname, sizeof(a.ifname), "eth0");
	snprintf(a.netns, sizeof(a.netns), "/run/netns/%s ns", container_id);
	a.backend = BACKEND_USERSPACE;
	snprintf(a.host_ifname, sizeof(a.host_ifname), "wgc%02x", key);
	a.helper_pid = 4242;
	a.helper_start_time = 18446744073709551615ULL;
	memset(a.public_key, key, sizeof(a.public_key));
	a.kill_switch = true;
	return a;
}

static void path_of(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", dir, rel);
}

static void write_rel(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	path_of(path, sizeof(path), rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void read_rel(const char *rel, char *buf, size_t size)
{
	char path[256];
	FILE *f;
	size_t n;

	path_of(path, sizeof(path), rel);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Save a, then read its record's text into buf. */
static void save_and_read(const struct attachment *a, char *buf, size_t size)
{
	char rel[640];

	assert_int_equal(state_save(a), 0);
	snprintf(rel, sizeof(rel), "attachments/%s/%s.%s", a->network, a->container_id, a->ifname);
	read_rel(rel, buf, size);
}

/* Load a's record into b, first filled with junk: every field must come from the file. */
static void reload(const struct attachment *a, struct attachment *b)
{
	memset(b, 0xee, sizeof(*b));
	assert_int_equal(state_load(a->network, a->container_id, a->ifname, b), 0);
}

static bool exists_rel(const char *rel)
{
	char path[256];

	path_of(path, sizeof(path), rel);
	return access(path, F_OK) == 0;
}

static mode_t mode_rel(const char *rel)
{
	char path[256];
	struct stat st;

	path_of(path, sizeof(path), rel);
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_round_trip(void **state)
{
	struct attachment a = make("net-a", "3f2a9c", 0x11), b;
	char text[1024];

	save_and_read(&a, text, sizeof(text));
	assert_string_equal(text,
			    "network=net-a\ncontainer_id=3f2a9c\nifname=eth0\n"
			    "netns=/run/netns/3f2a9c ns\nbackend=userspace\nhost_ifname=wgc11\n"
			    "helper_pid=4242\nhelper_start_time=18446744073709551615\n"
			    "public_key=ERERERERERERERERERERERERERERERERERERERERERE=\n"
			    "kill_switch=1\n");
	assert_int_equal(mode_rel("attachments/net-a/3f2a9c.eth0"), 0600);
	assert_int_equal(mode_rel("attachments/net-a"), 0700);
	assert_int_equal(mode_rel("attachments"), 0700);

	reload(&a, &b);
	assert_string_equal(b.network, "net-a");
	assert_string_equal(b.container_id, "3f2a9c");
	assert_string_equal(b.ifname, "eth0");
	assert_string_equal(b.netns, "/run/netns/3f2a9c ns");
	assert_int_equal(b.backend, BACKEND_USERSPACE);
	assert_string_equal(b.host_ifname, "wgc11");
	assert_int_equal(b.helper_pid, 4242);
	assert_true(b.helper_start_time == 18446744073709551615ULL);
	assert_memory_equal(b.public_key, a.public_key, WG_KEY_LEN);
	assert_true(b.kill_switch);

	/* Overwriting replaces the whole record; no temporary file is left behind. */
	a.backend = BACKEND_KERNEL;
	a.host_ifname[0] = '\0';
	a.helper_pid = 0;
	a.helper_start_time = 0;
	a.kill_switch = false;
	assert_int_equal(state_save(&a), 0);
	assert_int_equal(state_load("net-a", "3f2a9c", "eth0", &b), 0);
	assert_int_equal(b.backend, BACKEND_KERNEL);
	assert_string_equal(b.host_ifname, "");
	assert_int_equal(b.helper_pid, 0);
	assert_true(b.helper_start_time == 0);
	assert_false(b.kill_switch);
	struct attachment *all = NULL;
	size_t n = 0;
	assert_int_equal(state_list("net-a", &all, &n), 0);
	assert_int_equal(n, 1);
	free(all);
}

/* The routing modes' keys: written only when not standalone, read back, optional on load. */
static void test_round_trip_chained(void **state)
{
	struct attachment a = make("net-a", "c1", 0x22), b;
	char text[1024];

	snprintf(a.tunnel_ifname, sizeof(a.tunnel_ifname), "wg0");
	a.chained = true;
	a.socket_in_container = true;
	save_and_read(&a, text, sizeof(text));
	assert_non_null(strstr(text, "kill_switch=1\ntunnel_ifname=wg0\nchained=1\n"
				     "socket_in_container=1\n"));
	reload(&a, &b);
	assert_string_equal(b.tunnel_ifname, "wg0");
	assert_true(b.chained);
	assert_true(b.socket_in_container);

	/* A record without the keys (an older writer's) is standalone. */
	a = make("net-a", "c1", 0x22);
	save_and_read(&a, text, sizeof(text));
	assert_null(strstr(text, "chained"));
	assert_int_equal(state_load("net-a", "c1", "eth0", &b), 0);
	assert_string_equal(b.tunnel_ifname, "");
	assert_false(b.chained);
	assert_false(b.socket_in_container);
}

/* netavark's egress legs: kept in order, optional on load (older records: none). */
static void test_round_trip_egress_legs(void **state)
{
	struct attachment a = make("net-a", "p2", 0x34), *b = malloc(sizeof(*b));
	char text[8192];

	assert_non_null(b);
	a.beside = true;
	snprintf(a.egress_legs[0], IFNAMSIZ, "podman0");
	snprintf(a.egress_legs[1], IFNAMSIZ, "eth1");
	a.n_egress_legs = 2;
	save_and_read(&a, text, sizeof(text));
	assert_non_null(strstr(text, "\negress_legs=podman0,eth1\n"));
	reload(&a, b);
	assert_int_equal(b->n_egress_legs, 2);
	assert_string_equal(b->egress_legs[0], "podman0");
	assert_string_equal(b->egress_legs[1], "eth1");

	/* An older writer's record (no key) loads with none. */
	*strstr(text, "egress_legs=") = '\0';
	write_rel("attachments/net-a/p2.eth0", text);
	reload(&a, b);
	assert_true(b->beside);
	assert_int_equal(b->n_egress_legs, 0);

	/* A name the list cannot hold is refused, not written. */
	snprintf(a.egress_legs[1], IFNAMSIZ, "a,b");
	assert_int_not_equal(state_save(&a), 0);
	error_clear();
	free(b);
}

/* netavark's published ports: kept in order, optional on load, at most STATE_MAX_PUBLISHED. */
static void test_round_trip_published(void **state)
{
	struct attachment a = make("net-a", "p1", 0x33), *b = malloc(sizeof(*b));
	char text[8192];
	size_t i;

	assert_non_null(b);
	a.beside = true;
	a.published[0] = (struct port_range){ .first = 80, .last = 80, .protocol = IPPROTO_TCP };
	a.published[1] = (struct port_range){ .first = 5000, .last = 5009, .protocol = IPPROTO_UDP };
	a.published[2] = (struct port_range){ .first = 9, .last = 9, .protocol = IPPROTO_SCTP };
	a.n_published = 3;
	save_and_read(&a, text, sizeof(text));
	assert_non_null(strstr(text, "\nbeside=1\npublished=80-80/tcp,5000-5009/udp,9-9/sctp\n"));
	reload(&a, b);
	assert_true(b->beside);
	assert_true(b->published_recorded);
	assert_int_equal(b->n_published, 3);
	assert_memory_equal(b->published, a.published, 3 * sizeof(a.published[0]));

	/* beside without ports: an empty key, so that "none" differs from an older writer's. */
	a.n_published = 0;
	save_and_read(&a, text, sizeof(text));
	assert_non_null(strstr(text, "\nbeside=1\npublished=\n"));
	reload(&a, b);
	assert_true(b->beside);
	assert_true(b->published_recorded);
	assert_int_equal(b->n_published, 0);

	/* An older writer's record (no key) loads: no published ports, known to be unknown. */
	*strstr(text, "published=\n") = '\0';
	write_rel("attachments/net-a/p1.eth0", text);
	reload(&a, b);
	assert_true(b->beside);
	assert_false(b->published_recorded);
	assert_int_equal(b->n_published, 0);

	/* Not beside: no key, as before. */
	a.beside = false;
	save_and_read(&a, text, sizeof(text));
	assert_null(strstr(text, "published"));
	a.beside = true;

	/* The cap, with the longest netns path: every range fits in the record. */
	memset(a.netns, 'n', sizeof(a.netns) - 1);
	a.netns[0] = '/';
	a.netns[sizeof(a.netns) - 1] = '\0';
	for (i = 0; i < STATE_MAX_PUBLISHED; i++)
		a.published[i] = (struct port_range){ .first = (uint16_t)(60000 + i),
						      .last = 65535, .protocol = IPPROTO_SCTP };
	a.n_published = STATE_MAX_PUBLISHED;
	assert_int_equal(state_save(&a), 0);
	reload(&a, b);
	assert_int_equal(b->n_published, STATE_MAX_PUBLISHED);
	assert_memory_equal(b->published, a.published, sizeof(a.published));
	assert_string_equal(b->netns, a.netns);

	/* One more is refused when saving, and in a record on load. */
	a.n_published = STATE_MAX_PUBLISHED + 1;
	error_clear();
	assert_int_equal(state_save(&a), -E2BIG);
	assert_non_null(strstr(error_message(), "recording p1/eth0"));
	error_clear();
	a.n_published = 0;
	a.netns[1] = '\0';
	save_and_read(&a, text, sizeof(text));
	for (i = 0; i <= STATE_MAX_PUBLISHED; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s1-1/tcp",
			 i ? "," : "published=");
	strcat(text, "\n");
	write_rel("attachments/net-a/p1.eth0", text);
	assert_int_equal(state_load("net-a", "p1", "eth0", b), -EBADMSG);
	error_clear();
	free(b);
}

static void test_load_missing(void **state)
{
	struct attachment b;

	error_clear();
	assert_int_equal(state_load("net-a", "nothing", "eth0", &b), -ENOENT);
	assert_int_equal(error_recorded(), 0);
}

static int by_container(const void *x, const void *y)
{
	return strcmp(((const struct attachment *)x)->container_id,
		      ((const struct attachment *)y)->container_id);
}

static void test_list(void **state)
{
	struct attachment a1 = make("net-a", "a1", 1), a2 = make("net-a", "a2", 2);
	struct attachment b1 = make("net-b", "b1", 3);
	struct attachment *list = NULL;
	size_t n = 99;

	assert_int_equal(state_list(NULL, &list, &n), 0); /* nothing yet, not even the dir */
	assert_int_equal(n, 0);
	assert_int_equal(state_save(&a1), 0);
	assert_int_equal(state_save(&a2), 0);
	assert_int_equal(state_save(&b1), 0);
	/* Skipped: a writer's temporary file, a record under a name not its own, and garbage. */
	char text[1024];
	read_rel("attachments/net-a/a1.eth0", text, sizeof(text));
	write_rel("attachments/net-a/.tmp-Xy12ab", text);
	write_rel("attachments/net-a/copy.eth0", text);
	write_rel("attachments/net-a/bad.eth0", "garbage\n");

	assert_int_equal(state_list("net-a", &list, &n), 0);
	assert_int_equal(n, 2);
	qsort(list, n, sizeof(*list), by_container);
	assert_string_equal(list[0].container_id, "a1");
	assert_string_equal(list[1].container_id, "a2");
	assert_int_equal(list[1].public_key[0], 2);
	free(list);

	assert_int_equal(state_list(NULL, &list, &n), 0);
	assert_int_equal(n, 3);
	qsort(list, n, sizeof(*list), by_container);
	assert_string_equal(list[2].container_id, "b1");
	assert_string_equal(list[2].network, "net-b");
	free(list);

	assert_int_equal(state_list("net-none", &list, &n), 0);
	assert_int_equal(n, 0);
	assert_null(list);
}

static void test_remove(void **state)
{
	struct attachment a = make("net-a", "a1", 1), b;

	assert_int_equal(state_save(&a), 0);
	assert_int_equal(state_remove(&a), 0);
	assert_int_equal(state_load("net-a", "a1", "eth0", &b), -ENOENT);
	assert_false(exists_rel("attachments/net-a/a1.eth0"));
	assert_int_equal(state_remove(&a), -ENOENT);
}

/* "a.b"+"c" and "a"+"b.c" share a file name; neither may take the other's record. */
static void test_file_name_collision(void **state)
{
	struct attachment x = make("net-a", "a.b", 1), y = make("net-a", "a", 2), out;

	snprintf(x.ifname, sizeof(x.ifname), "c");
	snprintf(y.ifname, sizeof(y.ifname), "b.c");
	assert_int_equal(state_save(&x), 0);
	error_clear();
	assert_int_equal(state_save(&y), -EEXIST);
	assert_int_equal(state_load("net-a", "a", "b.c", &out), -ENOENT);
	assert_int_equal(state_remove(&y), -ENOENT);
	assert_int_equal(state_load("net-a", "a.b", "c", &out), 0);
	assert_int_equal(out.public_key[0], 1);
}

static void test_claims(void **state)
{
	struct attachment a = make("net-a", "holder1", 7), b = make("net-b", "taker2", 7);
	char holder[256] = "", text[256];
	const char *claim = "keys/0707070707070707070707070707070707070707070707070707070707070707";

	assert_int_equal(state_key_claim(&a, holder, sizeof(holder)), 0);
	assert_int_equal(state_save(&a), 0);
	read_rel(claim, text, sizeof(text));
	assert_string_equal(text, "net-a\tholder1\teth0\n");
	assert_int_equal(mode_rel(claim), 0600);
	assert_int_equal(mode_rel("keys"), 0700);
	assert_int_equal(state_key_claim(&a, holder, sizeof(holder)), 0); /* its own */

	assert_int_equal(state_key_claim(&b, holder, sizeof(holder)), -EBUSY);
	assert_string_equal(holder, "holder1");
	/* Releasing is for the holder only. */
	assert_int_equal(state_key_release(&b), 0);
	read_rel(claim, text, sizeof(text));
	assert_string_equal(text, "net-a\tholder1\teth0\n");

	/* The holder's record is gone: the claim is stale and taken over. */
	assert_int_equal(state_remove(&a), 0);
	assert_int_equal(state_key_claim(&b, holder, sizeof(holder)), 0);
	read_rel(claim, text, sizeof(text));
	assert_string_equal(text, "net-b\ttaker2\teth0\n");

	assert_int_equal(state_key_release(&a), 0);
	assert_true(exists_rel(claim));
	assert_int_equal(state_key_release(&b), 0);
	assert_false(exists_rel(claim));
	assert_int_equal(state_key_release(&b), 0);

	/* Claims that do not parse, or whose names would climb out, hold nothing. */
	write_rel(claim, "garbage\n");
	assert_int_equal(state_key_claim(&a, holder, sizeof(holder)), 0);
	write_rel(claim, "net-a\t../../x\teth0\n");
	assert_int_equal(state_key_claim(&a, holder, sizeof(holder)), 0);
	read_rel(claim, text, sizeof(text));
	assert_string_equal(text, "net-a\tholder1\teth0\n");
}

/* A holder whose record now carries another key no longer holds this one. */
static void test_claim_record_with_other_key(void **state)
{
	struct attachment a = make("net-a", "a1", 7), b = make("net-a", "b1", 7);
	char holder[256] = "";

	assert_int_equal(state_key_claim(&a, holder, sizeof(holder)), 0);
	assert_int_equal(state_save(&a), 0);
	assert_int_equal(state_key_claim(&b, holder, sizeof(holder)), -EBUSY);
	memset(a.public_key, 8, WG_KEY_LEN);
	assert_int_equal(state_save(&a), 0);
	assert_int_equal(state_key_claim(&b, holder, sizeof(holder)), 0);
}

static void test_malformed(void **state)
{
	static const char *const good =
		"network=net-a\ncontainer_id=m1\nifname=eth0\nnetns=/run/netns/x\n"
		"backend=kernel\nhost_ifname=\nhelper_pid=0\nhelper_start_time=0\n"
		"public_key=ERERERERERERERERERERERERERERERERERERERERERE=\nkill_switch=0\n";
	static const struct { const char *from, *to; } bad[] = {
		{ "backend=kernel", "backend=auto" },
		{ "helper_pid=0", "helper_pid=-1" },
		{ "helper_pid=0", "helper_pid= 1" },
		{ "helper_pid=0", "helper_pid=99999999999" },
		{ "helper_start_time=0", "helper_start_time=0x10" },
		{ "helper_start_time=0", "helper_start_time=18446744073709551616" },
		{ "kill_switch=0", "kill_switch=2" },
		{ "=ERER", "=!RER" },
		{ "ifname=eth0", "ifname=" },
		{ "ifname=eth0", "ifname=eth0123456789abcd" },
		{ "netns=/run/netns/x", "netns/run/netns/x" },
		{ "netns=/run/netns/x\n", "" },
		{ "kill_switch=0\n", "kill_switch=0\nkill_switch=1\n" },
		{ "kill_switch=0\n", "kill_switch=0" },
		{ "network=net-a\n", "network=net-a\n=x\n" },
		{ "kill_switch=0\n", "kill_switch=0\npublished=80/tcp\n" },
		{ "kill_switch=0\n", "kill_switch=0\npublished=0-1/tcp\n" },
		{ "kill_switch=0\n", "kill_switch=0\npublished=90-80/tcp\n" },
		{ "kill_switch=0\n", "kill_switch=0\npublished=80-65536/udp\n" },
		{ "kill_switch=0\n", "kill_switch=0\npublished=80-80/icmp\n" },
		{ "kill_switch=0\n", "kill_switch=0\npublished=80-80/tcp,,81-81/tcp\n" },
		{ "kill_switch=0\n", "kill_switch=0\npublished=80-80/tcp,\n" },
	};
	struct attachment m = make("net-a", "m1", 1), out;
	char text[1024];

	/* Positive control, and unknown keys are a newer writer's: skipped. */
	assert_int_equal(state_save(&m), 0);
	write_rel("attachments/net-a/m1.eth0", good);
	assert_int_equal(state_load("net-a", "m1", "eth0", &out), 0);
	snprintf(text, sizeof(text), "%sfuture_field=whatever=it is\n", good);
	write_rel("attachments/net-a/m1.eth0", text);
	assert_int_equal(state_load("net-a", "m1", "eth0", &out), 0);
	assert_int_equal(out.backend, BACKEND_KERNEL);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *at = strstr(good, bad[i].from);

		assert_non_null(at);
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, bad[i].to,
			 at + strlen(bad[i].from));
		write_rel("attachments/net-a/m1.eth0", text);
		error_clear();
		if (state_load("net-a", "m1", "eth0", &out) != -EBADMSG)
			fail_msg("accepted: %s -> %s", bad[i].from, bad[i].to);
		assert_non_null(strstr(error_message(), "m1.eth0: Bad message"));
	}
	write_rel("attachments/net-a/m1.eth0", "");
	assert_int_equal(state_load("net-a", "m1", "eth0", &out), -EBADMSG);
	/* A malformed record can still be removed by its owner. */
	assert_int_equal(state_remove(&m), 0);
}

static void test_names_refused(void **state)
{
	static const char *const networks[] = { "..", ".", "a/b", "", "x\ny" };
	static const char *const ids[] = { "../x", ".hidden", "a/b", "-x", "", "..", "a b", "a\n" };
	static const char *const ifnames[] = { "..", ".", "a/b", "", "eth0123456789abc" };
	struct attachment a = make("net-a", "ok1", 1), out;
	char holder[64];

	for (size_t i = 0; i < sizeof(networks) / sizeof(networks[0]); i++) {
		snprintf(a.network, sizeof(a.network), "%s", networks[i]);
		assert_int_equal(state_save(&a), -EINVAL);
		assert_int_equal(state_load(a.network, "ok1", "eth0", &out), -EINVAL);
		assert_int_equal(state_key_claim(&a, holder, sizeof(holder)), -EINVAL);
	}
	snprintf(a.network, sizeof(a.network), "net-a");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(a.container_id, sizeof(a.container_id), "%s", ids[i]);
		assert_int_equal(state_save(&a), -EINVAL);
		assert_int_equal(state_remove(&a), -EINVAL);
		assert_int_equal(state_key_claim(&a, holder, sizeof(holder)), -EINVAL);
	}
	snprintf(a.container_id, sizeof(a.container_id), "ok1");
	for (size_t i = 0; i < sizeof(ifnames) / sizeof(ifnames[0]); i++) {
		assert_int_equal(state_load("net-a", "ok1", ifnames[i], &out), -EINVAL);
		memcpy(a.ifname, ifnames[i], strnlen(ifnames[i], IFNAMSIZ - 1));
		a.ifname[strnlen(ifnames[i], IFNAMSIZ - 1)] = '\0';
		if (strlen(ifnames[i]) < IFNAMSIZ)
			assert_int_equal(state_save(&a), -EINVAL);
	}
	assert_false(exists_rel("attachments/x.eth0"));
	assert_false(exists_rel("x.eth0"));
	assert_false(exists_rel("attachments/net-a"));
	/* Positive control: the same record with good names is written. */
	snprintf(a.ifname, sizeof(a.ifname), "eth0");
	assert_int_equal(state_save(&a), 0);
	assert_true(exists_rel("attachments/net-a/ok1.eth0"));
}

/*
 * Children race for the same keys, each claim under state_lock: every key has
 * exactly one winner. Without the lock two children both see a key free, or
 * see a claim whose record is not written yet as stale.
 */
static int race(int child, int keys)
{
	char id[32], holder[256];
	int wins = 0;

	snprintf(id, sizeof(id), "racer%d", child);
	for (int k = 0; k < keys; k++) {
		struct attachment a = make("net-race", id, (uint8_t)k);
		int lock = state_lock(), r;

		snprintf(a.ifname, sizeof(a.ifname), "eth%d", k); /* one record per key */

		if (lock < 0)
			return -1;
		r = state_key_claim(&a, holder, sizeof(holder));
		if (r == 0)
			r = state_save(&a);
		close(lock);
		if (r == 0)
			wins++;
		else if (r != -EBUSY)
			return -1;
	}
	return wins;
}

static void test_concurrent_claims(void **state)
{
	enum { CHILDREN = 8, KEYS = 100 };
	pid_t pids[CHILDREN];
	int go[2], total = 0;

	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char byte;
			int wins;

			close(go[1]);
			if (read(go[0], &byte, 1) < 0)
				_exit(255);
			wins = race(i, KEYS);
			_exit(wins < 0 ? 255 : wins);
		}
	}
	close(go[0]);
	close(go[1]); /* every child's read returns now */
	for (int i = 0; i < CHILDREN; i++) {
		int status = 0;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_not_equal(WEXITSTATUS(status), 255);
		total += WEXITSTATUS(status);
	}
	assert_int_equal(total, KEYS);
}

/* Field 22 of /proc/self/stat, read another way than the code under test. */
static unsigned long long start_time_by_scanf(pid_t pid)
{
	char path[64], text[2048];
	unsigned long long start = 0;
	char st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_int_equal(sscanf(strrchr(text, ')') + 1,
				" %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
				"%*d %*d %*d %*d %llu", &st, &start), 2);
	return start;
}

static char process_state(pid_t pid)
{
	char path[64], line[256];
	char st = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return '-';
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "State: %c", &st) == 1)
			break;
	fclose(f);
	return st;
}

static void test_start_time(void **state)
{
	unsigned long long self = state_process_start_time(getpid()), before;
	int ready[2], release[2];
	char byte;
	pid_t pid;

	assert_true(self > 0);
	assert_true(self == start_time_by_scanf(getpid()));
	assert_true(state_process_start_time(0) == 0);
	assert_true(state_process_start_time(-1) == 0);

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Only the parent's end keeps the child waiting: it leaves when the test does. */
		close(release[1]);
		/* ")" and "Z" in the name: splitting at the first ')' would see a zombie. */
		prctl(PR_SET_NAME, "x) Z 1 (2) 3");
		if (write(ready[1], "x", 1) != 1 || read(release[0], &byte, 1) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &byte, 1), 1);
	before = start_time_by_scanf(pid);
	assert_true(before >= self);
	assert_true(state_process_start_time(pid) == before);

	/* Exited but not reaped: a zombie runs nothing. */
	assert_int_equal(write(release[1], "x", 1), 1);
	for (int i = 0; i < 500 && process_state(pid) != 'Z'; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	assert_int_equal(process_state(pid), 'Z');
	assert_true(state_process_start_time(pid) == 0);

	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_true(state_process_start_time(pid) == 0);
	close(ready[0]);
	close(ready[1]);
	close(release[0]);
	close(release[1]);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int fresh_dir(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/wgt-%d-state-XXXXXX", (int)getpid());
	if (!mkdtemp(dir))
		return -1;
	state_set_dir(dir);
	error_clear();
	return 0;
}

static int remove_dir(void **state)
{
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, fresh_dir, remove_dir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_round_trip),
		TEST(test_round_trip_chained),
		TEST(test_round_trip_published),
		TEST(test_round_trip_egress_legs),
		TEST(test_load_missing),
		TEST(test_list),
		TEST(test_remove),
		TEST(test_file_name_collision),
		TEST(test_claims),
		TEST(test_claim_record_with_other_key),
		TEST(test_malformed),
		TEST(test_names_refused),
		TEST(test_concurrent_claims),
		TEST(test_start_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
