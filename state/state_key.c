/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key claims: which attachment holds a private key, by its public key, so two cannot share one. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "key.h"
#include "state.h"
#include "state_files.h"

/* The claim file of a's key, and the directory holding it; both PATH_MAX buffers. */
static int claim_path(char *buf, char *dir, const struct attachment *a, bool create)
{
	char hex[2 * WG_KEY_LEN + 1];
	int r = state_dir_path(dir, "keys", NULL, create);

	key_to_hex(a->public_key, hex);
	return r < 0 ? r : state_path_format(buf, "%s/%s", dir, hex);
}

/* "network\tcontainer_id\tifname\n" into the name fields of `out`. */
static int claim_read(const char *path, struct attachment *out)
{
	char text[1024];
	char *fields[3], *p;
	size_t len = 0;
	int r = state_read_small(AT_FDCWD, path, text, sizeof(text), &len);

	if (r < 0)
		return r;
	if (len == 0 || text[len - 1] != '\n' || strchr(text, '\n') != text + len - 1)
		return -EBADMSG;
	text[len - 1] = '\0';
	p = text;
	for (size_t i = 0; i < 3; i++) {
		fields[i] = strsep(&p, "\t");
		if (!fields[i])
			return -EBADMSG;
	}
	memset(out, 0, sizeof(*out));
	/* The names become a path to the holder's record: no climbing out of the directory. */
	if (p || !state_name_ok(fields[0], 256) || !state_container_id_ok(fields[1]) ||
	    !state_name_ok(fields[2], IFNAMSIZ))
		return -EBADMSG;
	memcpy(out->network, fields[0], strlen(fields[0]) + 1);
	memcpy(out->container_id, fields[1], strlen(fields[1]) + 1);
	memcpy(out->ifname, fields[2], strlen(fields[2]) + 1);
	return 0;
}

/* A claim is live while its holder's record exists and still names the key. */
static int claim_is_live(const struct attachment *claim, const struct attachment *a)
{
	struct attachment rec;
	char path[PATH_MAX];
	int r = state_record_path(path, claim->network, claim->container_id, claim->ifname);

	if (r == 0)
		r = state_record_read(path, &rec);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG)
		return 1; /* a record is there: do not hand its key to someone else */
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "reading %s", path);
	return state_record_names_equal(&rec, claim->network, claim->container_id,
					claim->ifname) &&
	       memcmp(rec.public_key, a->public_key, WG_KEY_LEN) == 0;
}

int state_key_claim(const struct attachment *a, char *holder, size_t holder_len)
{
	char path[PATH_MAX], dir[PATH_MAX], text[600];
	struct attachment claim;
	int r;

	r = state_check_names(a->network, a->container_id, a->ifname);
	if (r < 0)
		return r;
	r = claim_path(path, dir, a, true);
	if (r < 0)
		return r;
	r = claim_read(path, &claim);
	if (r == 0 && state_record_names_equal(&claim, a->network, a->container_id, a->ifname))
		return 0;
	if (r == 0)
		r = claim_is_live(&claim, a);
	if (r == 1) {
		if (holder_len)
			snprintf(holder, holder_len, "%s", claim.container_id);
		return -EBUSY;
	}
	if (r < 0 && r != -ENOENT && r != -EBADMSG)
		return error_report(r, CNI_ERR_IO, "reading %s", path);
	snprintf(text, sizeof(text), "%s\t%s\t%s\n", a->network, a->container_id, a->ifname);
	return state_write_atomic(dir, path, text, strlen(text));
}

int state_key_release(const struct attachment *a)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct attachment claim;
	int r = claim_path(path, dir, a, false);

	if (r == 0)
		r = claim_read(path, &claim);
	if (r < 0 || !state_record_names_equal(&claim, a->network, a->container_id, a->ifname))
		return r == -ENOENT || r == -EBADMSG ? 0 : r;
	if (unlink(path) < 0 && errno != ENOENT)
		return error_report(-errno, CNI_ERR_IO, "removing %s", path);
	return 0;
}
