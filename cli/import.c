/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * import: a wg-quick file becomes a CNI network. The keys go to 0600 files
 * under the key directory and the conflist names them: runtimes cache
 * conflists on disk, so a key must never be written into one.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "import.h"
#include "key.h"
#include "peers.h"
#include "wgquick.h"

#define SOURCE_LIMIT (1024 * 1024)

static void usage(FILE *out)
{
	fprintf(out, "Usage: %s import FILE --name NET [--chained [--subnet CIDR]] [--dir DIR]"
		     " [--key-dir DIR] [--force]\n"
		     "       %s import FILE --name NET --podman5 [--dir DIR] [--key-dir DIR]"
		     " [--force]\n"
		     "  CNI (podman 4, containerd): writes DIR/NET.conflist (DIR: " CLI_DEFAULT_CNI_DIR
		     ").\n"
		     "  --podman5: writes DIR/NET.json (DIR: " IMPORT_PODMAN5_DIR ") and runs\n"
		     "    podman network create -d wireguard -o config=DIR/NET.json NET\n"
		     "  The keys go to 0600 files in KEY-DIR/NET/ (KEY-DIR: " CLI_DEFAULT_KEY_DIR
		     ").\n", cli_prog, cli_prog);
}

static int parse_args(int argc, char **argv, struct import_args *a)
{
	static const struct option options[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "chained", no_argument, NULL, 'c' },
		{ "subnet", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "key-dir", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "podman5", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->dir = NULL;
	a->key_dir = CLI_DEFAULT_KEY_DIR;
	a->subnet = IMPORT_DEFAULT_SUBNET;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'n': a->name = optarg; break;
		case 'c': a->chained = true; break;
		case 's': a->subnet = optarg; break;
		case 'd': a->dir = optarg; break;
		case 'k': a->key_dir = optarg; break;
		case 'f': a->force = true; break;
		case 'p': a->podman5 = true; break;
		default: usage(stderr); return CLI_USAGE;
		}
	}
	if (optind + 1 != argc || !a->name) {
		usage(stderr);
		return CLI_USAGE;
	}
	a->file = argv[optind];
	if (!a->dir)
		a->dir = a->podman5 ? IMPORT_PODMAN5_DIR : CLI_DEFAULT_CNI_DIR;
	if (a->podman5 && a->chained)
		return cli_usage_error("import", "--podman5 and --chained: podman 5 puts the "
						 "bridge next to the tunnel itself "
						 "(podman run --network podman,%s)", a->name);
	if (!peers_name_valid(a->name))
		return cli_usage_error("import", "--name \"%s\": use letters, digits, '_', '.', "
						 "'-' (at most %d)", a->name, PEER_NAME_MAX);
	return CLI_OK;
}

/* Read the whole file; a key in a file others could read is already exposed: say so. */
static int read_source(const char *path, char **out, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return error_report(-errno, CNI_ERR_IO, "opening %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > SOURCE_LIMIT)
		return error_config("%s: not a regular file of at most 1 MiB", path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		fprintf(stderr, "warning: %s is readable by group or others; treat its keys as "
				"exposed\n", path);
	buf = calloc(1, (size_t)st.st_size + 1);
	if (!buf)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "reading %s", path);
	n = read(fd, buf, (size_t)st.st_size);
	if (n != st.st_size)
		return error_report(n < 0 ? -errno : -EIO, CNI_ERR_IO, "reading %s", path);
	*len = (size_t)n;
	*out = TAKE_PTR(buf);
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return error_report(-errno, CNI_ERR_IO, "creating %s", path);
	return 0;
}

static int write_key(const char *path, const uint8_t key[WG_KEY_LEN])
{
	char b64[WG_KEY_B64_LEN + 2];
	int r;

	key_to_base64(key, b64);
	b64[WG_KEY_B64_LEN] = '\n';
	r = peers_write_file(path, b64, WG_KEY_B64_LEN + 1, 0600);
	key_wipe(b64, sizeof(b64));
	return r;
}

/* Keys out of conf into files; conf then names the files, as a network written by hand would. */
static int store_keys(const struct import_args *a, struct netconf *conf)
{
	char base[PATH_MAX], dir[PATH_MAX + 256], path[PATH_MAX + 300];
	int r;

	if (!conf->has_private_key)
		return error_config("%s: [Interface] has no PrivateKey", a->file);
	r = make_dir(a->key_dir);
	/* The plugin runs with another working directory: the conflist needs absolute paths. */
	if (r == 0 && !realpath(a->key_dir, base))
		r = error_report(-errno, CNI_ERR_IO, "resolving %s", a->key_dir);
	snprintf(dir, sizeof(dir), "%s/%s", base, a->name);
	if (r == 0)
		r = make_dir(dir);
	snprintf(path, sizeof(path), "%s/private.key", dir);
	if (r == 0)
		r = write_key(path, conf->private_key);
	if (r < 0)
		return r;
	conf->private_key_file = strdup(path);
	for (size_t i = 0; i < conf->n_peers && conf->private_key_file; i++) {
		struct peer_conf *p = &conf->peers[i];

		if (!p->has_preshared_key)
			continue;
		snprintf(path, sizeof(path), "%s/peer%zu.psk", dir, i);
		r = write_key(path, p->preshared_key);
		if (r < 0)
			return r;
		p->preshared_key_file = strdup(path);
		if (!p->preshared_key_file)
			return -ENOMEM;
	}
	return conf->private_key_file ? 0 : -ENOMEM;
}

static void remove_written(const struct netconf *conf, const char *path)
{
	char dir[PATH_MAX];

	unlink(path);
	for (size_t i = 0; i < conf->n_peers; i++)
		if (conf->peers[i].preshared_key_file)
			unlink(conf->peers[i].preshared_key_file);
	if (!conf->private_key_file)
		return;
	unlink(conf->private_key_file);
	snprintf(dir, sizeof(dir), "%s", conf->private_key_file);
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		rmdir(dir);
	}
	fprintf(stderr, "removed %s and its key files\n", path);
}

int import_main(int argc, char **argv)
{
	struct import_args a = { 0 };
	struct netconf conf = { 0 };
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];
	struct stat st;
	bool existed;
	size_t len = 0;
	int r;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	r = parse_args(argc, argv, &a);
	if (r != CLI_OK)
		return r;
	snprintf(path, sizeof(path), a.podman5 ? "%s/%s.json" : "%s/%s.conflist", a.dir, a.name);
	existed = stat(path, &st) == 0;
	if (!a.force && existed)
		return cli_fail(error_report(-EEXIST, CNI_ERR_INVALID_CONFIG,
					     "%s exists (--force replaces it)", path));
	r = read_source(a.file, &text, &len);
	if (r == 0) {
		r = wgquick_parse_buffer(a.file, text, len, &conf);
		key_wipe(text, len);
	}
	if (r == 0)
		r = store_keys(&a, &conf);
	if (r == 0 && a.podman5)
		r = make_dir(a.dir);
	if (r == 0)
		r = import_write_conflist(&a, &conf, path);
	/*
	 * The network's files are useless without the network: a failed create
	 * takes them back, unless they replaced (--force) what a network may use.
	 */
	if (r == 0 && a.podman5 && (r = import_podman5_create(&a, path)) < 0 && !existed)
		remove_written(&conf, path);
	netconf_free(&conf);
	if (r < 0)
		return cli_fail(r);
	fprintf(stderr, "wrote %s; keys in %s/%s/ (mode 0600)\n", path, a.key_dir, a.name);
	if (a.podman5)
		fprintf(stderr, "created the podman network %s: podman run --network %s ...\n",
			a.name, a.name);
	fprintf(stderr, "%s still holds the private key: delete it once the network works\n",
		a.file);
	return CLI_OK;
}
