/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keys: known vectors (throwaway keys made with `wg genkey | wg pubkey` when
 * this test was written, and RFC 7748 section 6.1), and the rules for key
 * files: mode, shape, and error messages that never carry key text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "key.h"

struct vector {
	const char *priv_b64, *priv_hex, *pub_b64, *pub_hex;
};

static const struct vector wg_vectors[] = {
	{ "cKOYEPD2p8V6m/H4pvanRPrEPTrHMGYyRGvLbXfo9U8=",
	  "70a39810f0f6a7c57a9bf1f8a6f6a744fac43d3ac7306632446bcb6d77e8f54f",
	  "FDvsXQrznk3V+VpWZ0da0bHmiUCUsuZHshWYssivaw4=",
	  "143bec5d0af39e4dd5f95a5667475ad1b1e6894094b2e647b21598b2c8af6b0e" },
	{ "qAr1RKQhfQNvSeIIUSlPo+zqeuKM26pQLtuLX9ZZH1o=",
	  "a80af544a4217d036f49e20851294fa3ecea7ae28cdbaa502edb8b5fd6591f5a",
	  "bS/jdTAOngSFtN1iiYU+7PIG0JzS4KscKubFbHJEvyM=",
	  "6d2fe375300e9e0485b4dd6289853eecf206d09cd2e0ab1c2ae6c56c7244bf23" },
};

/* RFC 7748 6.1: Alice and Bob. The private keys are not clamped: key_public must clamp. */
static const char *const rfc7748[][2] = {
	{ "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" },
	{ "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f" },
};

static const char *const psk_b64 = "Ra7rl3Zn5hUXf3vyKcQcKLfnUM4Hxkg165SCFK2YARY=";

static char dir[64];

static void from_hex(const char *hex, uint8_t out[WG_KEY_LEN])
{
	for (size_t i = 0; i < WG_KEY_LEN; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &out[i]), 1);
}

static void test_wg_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(wg_vectors) / sizeof(wg_vectors[0]); i++) {
		const struct vector *v = &wg_vectors[i];
		uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
		char b64[WG_KEY_B64_LEN + 1], hex[2 * WG_KEY_LEN + 1];

		assert_int_equal(key_from_base64(v->priv_b64, strlen(v->priv_b64), priv), 0);
		key_to_hex(priv, hex);
		assert_string_equal(hex, v->priv_hex);
		key_to_base64(priv, b64);
		assert_string_equal(b64, v->priv_b64);
		key_public(priv, pub);
		key_to_base64(pub, b64);
		assert_string_equal(b64, v->pub_b64);
		key_to_hex(pub, hex);
		assert_string_equal(hex, v->pub_hex);
	}
}

static void test_rfc7748_vectors(void **state)
{
	for (size_t i = 0; i < 2; i++) {
		uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
		char hex[2 * WG_KEY_LEN + 1];

		from_hex(rfc7748[i][0], priv);
		key_public(priv, pub);
		key_to_hex(pub, hex);
		assert_string_equal(hex, rfc7748[i][1]);
	}
}

static void test_base64_shapes(void **state)
{
	const char *good = wg_vectors[0].priv_b64;
	uint8_t key[WG_KEY_LEN];
	char text[64];

	assert_int_equal(key_from_base64(good, 44, key), 0);
	assert_int_equal(key_from_base64(good, 43, key), -EINVAL);
	snprintf(text, sizeof(text), "%sA", good);
	assert_int_equal(key_from_base64(text, 45, key), -EINVAL);
	/* 44 characters without padding would be 33 bytes. */
	snprintf(text, sizeof(text), "%.43sA", good);
	assert_int_equal(key_from_base64(text, 44, key), -EINVAL);
	snprintf(text, sizeof(text), "%.20s*%s", good, good + 21);
	assert_int_equal(key_from_base64(text, 44, key), -EINVAL);
	/* "8=" -> "9=": same bytes, but nonzero trailing bits are not canonical base64. */
	snprintf(text, sizeof(text), "%.42s9=", good);
	assert_int_equal(key_from_base64(text, 44, key), -EINVAL);
	/* The URL-safe alphabet is not WireGuard's. */
	snprintf(text, sizeof(text), "%s", good);
	*strchr(text, '/') = '_';
	assert_int_equal(key_from_base64(text, 44, key), -EINVAL);
	for (size_t i = 0; i < WG_KEY_LEN; i++)
		assert_int_equal(key[i], 0); /* a refused key leaves nothing behind */
}

static void test_generate(void **state)
{
	uint8_t a[WG_KEY_LEN], b[WG_KEY_LEN], pub[WG_KEY_LEN], zero[WG_KEY_LEN] = { 0 };

	for (int i = 0; i < 64; i++) {
		key_generate_private(a);
		assert_int_equal(a[0] & 7, 0);
		assert_int_equal(a[31] & 0xc0, 0x40);
	}
	key_generate_private(b);
	assert_memory_not_equal(a, b, WG_KEY_LEN);
	key_public(a, pub);
	assert_memory_not_equal(pub, zero, WG_KEY_LEN);

	key_generate_psk(a);
	key_generate_psk(b);
	assert_memory_not_equal(a, b, WG_KEY_LEN);
	key_wipe(a, sizeof(a));
	assert_memory_equal(a, zero, WG_KEY_LEN);
}

static const char *write_file(const char *name, const void *content, size_t len, mode_t mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

/* Reads `content` from a file of `mode`, and checks the result and the message. */
static int read_text(const char *content, mode_t mode, uint8_t key[WG_KEY_LEN])
{
	const char *path = write_file("k", content, strlen(content), mode);
	int r;

	error_clear();
	memset(key, 0xaa, WG_KEY_LEN);
	r = key_read_file(path, "privateKeyFile", key);
	if (r < 0) {
		uint8_t zero[WG_KEY_LEN] = { 0 };

		assert_memory_equal(key, zero, WG_KEY_LEN);
		assert_null(strstr(error_message(), wg_vectors[0].priv_b64));
		assert_null(strstr(error_message(), "cKOYEPD2p8V6m"));
	}
	return r;
}

static void test_file_accepted(void **state)
{
	uint8_t key[WG_KEY_LEN], want[WG_KEY_LEN];
	char text[64];

	from_hex(wg_vectors[0].priv_hex, want);
	snprintf(text, sizeof(text), "%s\n", wg_vectors[0].priv_b64);
	assert_int_equal(read_text(text, 0600, key), 0);
	assert_memory_equal(key, want, WG_KEY_LEN);
	assert_int_equal(read_text(wg_vectors[0].priv_b64, 0400, key), 0);
	assert_memory_equal(key, want, WG_KEY_LEN);
	snprintf(text, sizeof(text), "%s\r\n", wg_vectors[0].priv_b64);
	assert_int_equal(read_text(text, 0600, key), 0);
	assert_memory_equal(key, want, WG_KEY_LEN);
	assert_int_equal(error_recorded(), 0);
}

static void test_file_mode(void **state)
{
	static const mode_t refused[] = { 0644, 0640, 0604, 0660, 0601 };
	uint8_t key[WG_KEY_LEN];
	char want[256];

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(read_text(wg_vectors[0].priv_b64, refused[i], key), -EACCES);
		snprintf(want, sizeof(want),
			 "privateKeyFile %s/k: readable by group or others (mode %04o); "
			 "chmod 600 it", dir, (unsigned)refused[i]);
		assert_string_equal(error_message(), want);
		assert_int_equal(error_code(), CNI_ERR_INVALID_CONFIG);
	}
}

static void test_file_bad_content(void **state)
{
	const char *good = wg_vectors[0].priv_b64;
	uint8_t key[WG_KEY_LEN];
	char text[128], want[256];

	snprintf(want, sizeof(want), "privateKeyFile %s/k: not a base64 WireGuard key", dir);
	snprintf(text, sizeof(text), "%.43s\n", good);
	assert_int_equal(read_text(text, 0600, key), -EINVAL);
	assert_string_equal(error_message(), want);
	snprintf(text, sizeof(text), "%sA\n", good);
	assert_int_equal(read_text(text, 0600, key), -EINVAL);
	snprintf(text, sizeof(text), "%.10s!%s", good, good + 11);
	assert_int_equal(read_text(text, 0600, key), -EINVAL);
	assert_string_equal(error_message(), want);
	snprintf(text, sizeof(text), "%s\n%s\n", good, good);
	assert_int_equal(read_text(text, 0600, key), -EINVAL);
	snprintf(text, sizeof(text), " %s", good);
	assert_int_equal(read_text(text, 0600, key), -EINVAL);
	snprintf(text, sizeof(text), "%s\n\n", good);
	assert_int_equal(read_text(text, 0600, key), -EINVAL);
	assert_int_equal(read_text("", 0600, key), -EINVAL);
}

static void test_file_raw_bytes(void **state)
{
	uint8_t raw[WG_KEY_LEN], key[WG_KEY_LEN];
	const char *path;

	from_hex(wg_vectors[0].priv_hex, raw);
	path = write_file("raw", raw, sizeof(raw), 0600);
	error_clear();
	assert_int_equal(key_read_file(path, "privateKeyFile", key), -EINVAL);
	assert_non_null(strstr(error_message(), "not a base64 WireGuard key"));
}

static void test_file_not_regular(void **state)
{
	uint8_t key[WG_KEY_LEN];
	char path[128], want[256];

	snprintf(path, sizeof(path), "%s/missing", dir);
	error_clear();
	assert_int_equal(key_read_file(path, "presharedKeyFile", key), -ENOENT);
	snprintf(want, sizeof(want), "presharedKeyFile %s: No such file or directory", path);
	assert_string_equal(error_message(), want);

	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	error_clear();
	assert_int_equal(key_read_file(path, "privateKeyFile", key), -EINVAL);
	snprintf(want, sizeof(want), "privateKeyFile %s: not a regular file", path);
	assert_string_equal(error_message(), want);
	rmdir(path);

	/* A FIFO must be refused, not waited on. */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	error_clear();
	assert_int_equal(key_read_file(path, "privateKeyFile", key), -EINVAL);
	unlink(path);
}

/* A link is followed, and the mode judged is the target's (a link's own is always 0777). */
static void test_file_symlink(void **state)
{
	uint8_t key[WG_KEY_LEN], want[WG_KEY_LEN];
	char link_path[128], target[128];

	from_hex(wg_vectors[1].priv_hex, want);
	snprintf(target, sizeof(target), "%s",
		 write_file("target", wg_vectors[1].priv_b64, 44, 0600));
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	assert_int_equal(symlink(target, link_path), 0);
	error_clear();
	assert_int_equal(key_read_file(link_path, "privateKeyFile", key), 0);
	assert_memory_equal(key, want, WG_KEY_LEN);
	assert_int_equal(chmod(target, 0644), 0);
	assert_int_equal(key_read_file(link_path, "privateKeyFile", key), -EACCES);
	unlink(link_path);
	unlink(target);
}

static void test_psk_file(void **state)
{
	uint8_t key[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN + 1];

	error_clear();
	assert_int_equal(read_text(psk_b64, 0600, key), 0);
	key_to_base64(key, b64);
	assert_string_equal(b64, psk_b64);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/wgt-key-%d-XXXXXX", (int)getpid());
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wg_vectors),
		cmocka_unit_test(test_rfc7748_vectors),
		cmocka_unit_test(test_base64_shapes),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_file_accepted),
		cmocka_unit_test(test_file_mode),
		cmocka_unit_test(test_file_bad_content),
		cmocka_unit_test(test_file_raw_bytes),
		cmocka_unit_test(test_file_not_regular),
		cmocka_unit_test(test_file_symlink),
		cmocka_unit_test(test_psk_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
