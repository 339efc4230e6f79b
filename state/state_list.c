/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Listing the records of one network or of all, for GC and the CLI. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "state.h"
#include "state_files.h"

struct record_list {
	struct attachment *items;
	size_t n, cap;
};

static int list_append(struct record_list *l, const struct attachment *a)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct attachment *items = reallocarray(l->items, cap, sizeof(*items));

		if (!items)
			return -ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n++] = *a;
	return 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* A record copied under another name would be undone under the wrong one. */
static bool record_is_named(const struct attachment *a, const char *network, const char *file)
{
	size_t id_len = strlen(a->container_id);

	return strcmp(a->network, network) == 0 && strncmp(file, a->container_id, id_len) == 0 &&
	       file[id_len] == '.' && strcmp(file + id_len + 1, a->ifname) == 0;
}

/* attachments/[<network>] into dir (PATH_MAX), opened; *d stays NULL when it does not exist. */
static int open_listing(const char *network, char *dir, DIR **d)
{
	int r = state_dir_path(dir, "attachments", network, false);

	if (r < 0)
		return r;
	*d = opendir(dir);
	if (!*d)
		return errno == ENOENT ? 0 : error_report(-errno, CNI_ERR_IO, "listing %s", dir);
	return 0;
}

/* A record that cannot be read is logged and skipped: one bad file must not stop GC. */
static int list_network(struct record_list *l, const char *network)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char dir[PATH_MAX];
	struct dirent *e;
	int r = open_listing(network, dir, &d);

	if (r < 0 || !d)
		return r;
	while ((e = readdir(d))) {
		struct attachment a;

		if (e->d_name[0] == '.')
			continue;
		r = state_record_read_at(dirfd(d), e->d_name, &a);
		if (r == -ENOENT)
			continue; /* removed while we listed */
		if (r == 0 && !record_is_named(&a, network, e->d_name))
			r = -EBADMSG;
		if (r < 0) {
			log_msg("skipping %s/%s: %s", dir, e->d_name, strerror(-r));
			continue;
		}
		if (list_append(l, &a) < 0)
			return error_report(-ENOMEM, CNI_ERR_INTERNAL, "listing %s", dir);
	}
	return 0;
}

static int list_all(struct record_list *l)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char dir[PATH_MAX];
	struct dirent *e;
	int r = open_listing(NULL, dir, &d);

	if (r < 0 || !d)
		return r;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !state_name_ok(e->d_name, 256))
			continue;
		r = list_network(l, e->d_name);
		if (r < 0)
			return r;
	}
	return 0;
}

int state_list(const char *network, struct attachment **out, size_t *n)
{
	struct record_list l = { 0 };
	int r;

	*out = NULL;
	*n = 0;
	if (network && !state_name_ok(network, 256))
		return error_report(-EINVAL, CNI_ERR_INVALID_CONFIG, "network name \"%s\"",
				    network);
	r = network ? list_network(&l, network) : list_all(&l);
	if (r < 0) {
		free(l.items);
		return r;
	}
	*out = l.items;
	*n = l.n;
	return 0;
}
