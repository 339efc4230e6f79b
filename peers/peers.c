/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stored peers as small text files. The public key and address are not
 * secret; the preshared key is, and lives in its own 0600 file that
 * key_read_file() checks like any other key file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "key.h"
#include "peers.h"

static char peers_dir[1024] = PEERS_DIR; /* short enough to leave room for names */

static void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

void peers_set_dir(const char *dir)
{
	snprintf(peers_dir, sizeof(peers_dir), "%s", dir);
}

bool peers_name_valid(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= PEER_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
		       len &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static void network_dir(const char *network, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", peers_dir, network);
}

void peers_psk_path(const char *network, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s.psk", peers_dir, network, name);
}

static void peer_path(const char *network, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s.peer", peers_dir, network, name);
}

int peers_write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX + 16];
	_cleanup_close_ int fd = -1;
	int r = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return error_report(-errno, CNI_ERR_IO, "creating a temporary file for %s", path);
	if (fchmod(fd, mode) < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0)
		r = error_report(errno ? -errno : -EIO, CNI_ERR_IO, "writing %s", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = error_report(-errno, CNI_ERR_IO, "renaming %s to %s", tmp, path);
	if (r < 0)
		unlink(tmp);
	return r;
}

static void stamp_path(const char *network, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/stamp", peers_dir, network);
}

/* After the change, never before: a reader that stamped first then sees it differ. */
static int stamp_renew(const char *network)
{
	char path[PATH_MAX], text[40];
	uint8_t rnd[16];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return error_report(-EIO, CNI_ERR_IO, "reading random bytes for the store's stamp");
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(text + 2 * i, 3, "%02x", rnd[i]);
	text[32] = '\n';
	stamp_path(network, path, sizeof(path));
	return peers_write_file(path, text, 33, 0600);
}

int peers_stamp(const char *network, char *buf, size_t len)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	buf[0] = '\0';
	stamp_path(network, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : error_report(-errno, CNI_ERR_IO, "opening %s", path);
	n = read(fd, buf, len - 1);
	if (n < 0)
		return error_report(-errno, CNI_ERR_IO, "reading %s", path);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int make_dirs(const char *network)
{
	char dir[PATH_MAX];
	const char *parts[] = { "/etc/wgcni", peers_dir, dir };

	network_dir(network, dir, sizeof(dir));
	for (size_t i = strcmp(peers_dir, PEERS_DIR) == 0 ? 0 : 1; i < ARRAY_SIZE(parts); i++)
		if (mkdir(parts[i], 0700) < 0 && errno != EEXIST)
			return error_report(-errno, CNI_ERR_IO, "creating %s", parts[i]);
	return 0;
}

static int parse_line(const char *path, char *line, struct stored_peer *p)
{
	char *eq = strchr(line, '=');
	char *value;

	line[strcspn(line, "\n")] = '\0';
	if (!eq)
		return error_config("%s: malformed line", path);
	*eq = '\0';
	value = eq + 1;
	if (strcmp(line, "name") == 0)
		snprintf(p->name, sizeof(p->name), "%s", value);
	else if (strcmp(line, "public_key") == 0) {
		if (key_from_base64(value, strlen(value), p->public_key) < 0)
			return error_config("%s: public_key: not a base64 key", path);
	} else if (strcmp(line, "address") == 0) {
		if (cidr_parse(value, &p->address) < 0)
			return error_config("%s: address: \"%s\" is not an address", path, value);
	} else if (strcmp(line, "preshared_key") == 0)
		p->has_psk = strcmp(value, "file") == 0;
	return 0;
}

static int load_path(const char *path, struct stored_peer *out)
{
	_cleanup_(fclosep) FILE *f = fopen(path, "re");
	char line[256];

	memset(out, 0, sizeof(*out));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (parse_line(path, line, out) < 0)
			return -EINVAL;
	if (!out->name[0] || !out->address.family)
		return error_config("%s: name, public_key and address are required", path);
	return 0;
}

int peers_load(const char *network, const char *name, struct stored_peer *out)
{
	char path[PATH_MAX];

	peer_path(network, name, path, sizeof(path));
	return load_path(path, out);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(((const struct stored_peer *)a)->name, ((const struct stored_peer *)b)->name);
}

int peers_list(const char *network, struct stored_peer **out, size_t *n)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_free_ struct stored_peer *list = NULL;
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct dirent *e;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	network_dir(network, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : error_report(-errno, CNI_ERR_IO, "opening %s", dir);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct stored_peer *grown;

		if (len < 6 || strcmp(e->d_name + len - 5, ".peer") != 0)
			continue;
		grown = realloc(list, (count + 1) * sizeof(*list));
		if (!grown)
			return error_report(-ENOMEM, CNI_ERR_INTERNAL, "listing %s", dir);
		list = grown;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (load_path(path, &list[count]) < 0)
			return error_report(-EINVAL, CNI_ERR_INVALID_CONFIG, "reading %s", path);
		count++;
	}
	if (count)
		qsort(list, count, sizeof(*list), compare_names);
	*out = TAKE_PTR(list);
	*n = count;
	return 0;
}

int peers_save(const char *network, const struct stored_peer *p, const uint8_t psk[WG_KEY_LEN])
{
	char path[PATH_MAX], text[512], b64[WG_KEY_B64_LEN + 1], addr[64];
	struct stat st;
	int r;

	if (!peers_name_valid(p->name))
		return error_config("peer name \"%s\": use letters, digits, '_', '.', '-'", p->name);
	r = make_dirs(network);
	if (r < 0)
		return r;
	peer_path(network, p->name, path, sizeof(path));
	if (stat(path, &st) == 0)
		return error_report(-EEXIST, CNI_ERR_INVALID_CONFIG, "peer %s: %s exists", p->name,
				    path);
	if (p->has_psk) {
		char psk_path[PATH_MAX], psk_text[WG_KEY_B64_LEN + 2];

		key_to_base64(psk, b64);
		snprintf(psk_text, sizeof(psk_text), "%s\n", b64);
		key_wipe(b64, sizeof(b64));
		peers_psk_path(network, p->name, psk_path, sizeof(psk_path));
		r = peers_write_file(psk_path, psk_text, strlen(psk_text), 0600);
		key_wipe(psk_text, sizeof(psk_text));
		if (r < 0)
			return r;
	}
	key_to_base64(p->public_key, b64);
	cidr_format(&p->address, addr, sizeof(addr));
	snprintf(text, sizeof(text), "name=%s\npublic_key=%s\naddress=%s\npreshared_key=%s\n",
		 p->name, b64, addr, p->has_psk ? "file" : "none");
	r = peers_write_file(path, text, strlen(text), 0600);
	return r < 0 ? r : stamp_renew(network);
}

int peers_remove(const char *network, const char *name)
{
	char path[PATH_MAX];

	peers_psk_path(network, name, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT)
		return error_report(-errno, CNI_ERR_IO, "removing %s", path);
	peer_path(network, name, path, sizeof(path));
	if (unlink(path) < 0)
		return errno == ENOENT ? -ENOENT : error_report(-errno, CNI_ERR_IO, "removing %s", path);
	return stamp_renew(network);
}
