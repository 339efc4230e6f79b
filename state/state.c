/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Layout under the state directory:
 *   attachments/<network>/<container_id>.<ifname>   one record, "key=value" lines
 *   keys/<public key in hex>                        "network\tcontainer_id\tifname\n"
 *   lock                                            flock()ed by state_lock()
 * Files are replaced by rename() of a ".tmp-" sibling, so a reader sees the
 * old or the new content, never half of it; listings skip dot files.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "key.h"
#include "log.h"
#include "state.h"

/* The largest record: two 255-byte names, a 4095-byte path, short fields. */
#define RECORD_MAX 8192

static char state_dir[PATH_MAX] = STATE_DIR;

void state_set_dir(const char *dir)
{
	snprintf(state_dir, sizeof(state_dir), "%s", dir);
}

/* Names become path components and record lines: no '/', no control characters. */
static bool name_ok(const char *s, size_t size)
{
	size_t len = strnlen(s, size);

	if (len == 0 || len >= size || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$, the runtimes' own rule for container ids. */
static bool container_id_ok(const char *s)
{
	size_t len = strnlen(s, 256);

	return len > 0 && len < 256 && strchr(ALNUM, s[0]) && strspn(s, ALNUM "_.-") == len;
}

static int check_names(const char *network, const char *container_id, const char *ifname)
{
	if (!name_ok(network, 256))
		return error_report(-EINVAL, CNI_ERR_INVALID_CONFIG, "network name \"%s\"",
				    network);
	if (!container_id_ok(container_id))
		return error_report(-EINVAL, CNI_ERR_INVALID_ENV, "container id \"%s\"",
				    container_id);
	if (!name_ok(ifname, IFNAMSIZ))
		return error_report(-EINVAL, CNI_ERR_INVALID_ENV, "interface name \"%s\"", ifname);
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return error_report(-errno, CNI_ERR_IO, "creating %s", path);
	return 0;
}

/* vsnprintf that refuses to truncate: a shortened path names another file. */
static int __attribute__((format(printf, 2, 3))) path_format(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		return error_report(-ENAMETOOLONG, CNI_ERR_IO, "a path under %s", state_dir);
	return 0;
}

/* state_dir/<sub>[/<leaf>] into a PATH_MAX buffer, each level created (0700) when asked. */
static int dir_path(char *buf, const char *sub, const char *leaf, bool create)
{
	int r = path_format(buf, "%s/%s", state_dir, sub);

	if (r == 0 && create)
		r = make_dir(state_dir);
	if (r == 0 && create)
		r = make_dir(buf);
	if (r == 0 && leaf)
		r = path_format(buf, "%s/%s/%s", state_dir, sub, leaf);
	if (r == 0 && leaf && create)
		r = make_dir(buf);
	return r;
}

static int record_path(char *buf, const char *network, const char *container_id,
		       const char *ifname)
{
	return path_format(buf, "%s/attachments/%s/%s.%s", state_dir, network, container_id,
			   ifname);
}

/* Reads all of a small file; -EBADMSG when it does not fit in size - 1 bytes. */
static int read_small(int dirfd, const char *path, char *buf, size_t size, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == size || memchr(buf, '\0', got))
		return -EBADMSG;
	buf[got] = '\0';
	*len = got;
	return 0;
}

/* Replace dir/name with content: a private temporary sibling, then rename(). */
static int write_atomic(const char *dir, const char *final, const char *content, size_t len)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r = path_format(tmp, "%s/.tmp-XXXXXX", dir);

	if (r < 0)
		return r;
	/* mkostemp: O_CREAT|O_EXCL, mode 0600. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return error_report(-errno, CNI_ERR_IO, "creating a file in %s", dir);
	for (size_t done = 0; done < len && r == 0;) {
		ssize_t n = write(fd, content + done, len - done);

		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			done += (size_t)n;
	}
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, final) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return error_report(r, CNI_ERR_IO, "writing %s", final);
	}
	return 0;
}

enum record_key {
	REC_NETWORK, REC_CONTAINER_ID, REC_IFNAME, REC_NETNS, REC_BACKEND,
	REC_HOST_IFNAME, REC_HELPER_PID, REC_HELPER_START_TIME, REC_PUBLIC_KEY, REC_KILL_SWITCH,
	REC_TUNNEL_IFNAME, REC_CHAINED, REC_SOCKET_IN_CONTAINER,
	REC_COUNT
};
/* Keys every record has; the later ones came with the routing modes and default to standalone. */
#define REC_REQUIRED ((1u << REC_TUNNEL_IFNAME) - 1)

static const char *const record_keys[REC_COUNT] = {
	[REC_NETWORK] = "network", [REC_CONTAINER_ID] = "container_id",
	[REC_IFNAME] = "ifname", [REC_NETNS] = "netns", [REC_BACKEND] = "backend",
	[REC_HOST_IFNAME] = "host_ifname", [REC_HELPER_PID] = "helper_pid",
	[REC_HELPER_START_TIME] = "helper_start_time", [REC_PUBLIC_KEY] = "public_key",
	[REC_KILL_SWITCH] = "kill_switch", [REC_TUNNEL_IFNAME] = "tunnel_ifname",
	[REC_CHAINED] = "chained", [REC_SOCKET_IN_CONTAINER] = "socket_in_container",
};

static int record_format(const struct attachment *a, char *buf, size_t size)
{
	char b64[WG_KEY_B64_LEN + 1];
	int n, m;

	if ((a->backend != BACKEND_KERNEL && a->backend != BACKEND_USERSPACE) ||
	    strnlen(a->netns, sizeof(a->netns)) >= sizeof(a->netns) || strchr(a->netns, '\n') ||
	    (a->host_ifname[0] && !name_ok(a->host_ifname, IFNAMSIZ)) || a->helper_pid < 0 ||
	    (a->tunnel_ifname[0] && !name_ok(a->tunnel_ifname, IFNAMSIZ)))
		return -EINVAL;
	key_to_base64(a->public_key, b64);
	n = snprintf(buf, size,
		     "network=%s\ncontainer_id=%s\nifname=%s\nnetns=%s\nbackend=%s\n"
		     "host_ifname=%s\nhelper_pid=%d\nhelper_start_time=%llu\npublic_key=%s\n"
		     "kill_switch=%d\n",
		     a->network, a->container_id, a->ifname, a->netns,
		     a->backend == BACKEND_KERNEL ? "kernel" : "userspace", a->host_ifname,
		     (int)a->helper_pid, a->helper_start_time, b64, a->kill_switch ? 1 : 0);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	/* Standalone records stay as older versions wrote them. */
	if (!a->chained && !a->socket_in_container && !a->tunnel_ifname[0])
		return n;
	m = snprintf(buf + n, size - (size_t)n, "tunnel_ifname=%s\nchained=%d\nsocket_in_container=%d\n",
		     a->tunnel_ifname, a->chained ? 1 : 0, a->socket_in_container ? 1 : 0);
	return m < 0 || (size_t)m >= size - (size_t)n ? -ENAMETOOLONG : n + m;
}

static int copy_text(char *dst, size_t size, const char *v, bool may_be_empty)
{
	size_t len = strlen(v);

	if (len >= size || (len == 0 && !may_be_empty))
		return -EBADMSG;
	memcpy(dst, v, len + 1);
	return 0;
}

/* Plain decimal digits only: strtoull alone would take "-1", " 7" and "0x7". */
static int parse_decimal(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -EBADMSG;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end || *out > max ? -EBADMSG : 0;
}

static int record_field(struct attachment *a, enum record_key field, const char *v)
{
	unsigned long long n = 0;

	switch (field) {
	case REC_NETWORK: return copy_text(a->network, sizeof(a->network), v, false);
	case REC_CONTAINER_ID: return copy_text(a->container_id, sizeof(a->container_id), v, false);
	case REC_IFNAME: return copy_text(a->ifname, sizeof(a->ifname), v, false);
	case REC_NETNS: return copy_text(a->netns, sizeof(a->netns), v, true);
	case REC_BACKEND:
		a->backend = strcmp(v, "kernel") == 0 ? BACKEND_KERNEL :
			     strcmp(v, "userspace") == 0 ? BACKEND_USERSPACE : BACKEND_AUTO;
		return a->backend == BACKEND_AUTO ? -EBADMSG : 0;
	case REC_HOST_IFNAME: return copy_text(a->host_ifname, sizeof(a->host_ifname), v, true);
	case REC_HELPER_PID:
		if (parse_decimal(v, INT_MAX, &n) < 0)
			return -EBADMSG;
		a->helper_pid = (pid_t)n;
		return 0;
	case REC_HELPER_START_TIME: return parse_decimal(v, ULLONG_MAX, &a->helper_start_time);
	case REC_PUBLIC_KEY: return key_from_base64(v, strlen(v), a->public_key) < 0 ? -EBADMSG : 0;
	case REC_KILL_SWITCH:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return -EBADMSG;
		a->kill_switch = v[0] == '1';
		return 0;
	case REC_TUNNEL_IFNAME:
		return copy_text(a->tunnel_ifname, sizeof(a->tunnel_ifname), v, true);
	case REC_CHAINED:
	case REC_SOCKET_IN_CONTAINER:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return -EBADMSG;
		*(field == REC_CHAINED ? &a->chained : &a->socket_in_container) = v[0] == '1';
		return 0;
	case REC_COUNT:
		break;
	}
	return -EBADMSG;
}

/* Every known key exactly once; unknown keys are a newer writer's and are skipped. */
static int record_parse(char *text, size_t len, struct attachment *out)
{
	unsigned seen = 0;

	memset(out, 0, sizeof(*out));
	if (len == 0 || text[len - 1] != '\n')
		return -EBADMSG;
	for (char *line = text, *eol; *line; line = eol + 1) {
		char *eq;
		unsigned f;

		eol = strchr(line, '\n');
		*eol = '\0';
		eq = strchr(line, '=');
		if (!eq || eq == line)
			return -EBADMSG;
		*eq = '\0';
		for (f = 0; f < REC_COUNT && strcmp(line, record_keys[f]); f++)
			;
		if (f == REC_COUNT)
			continue;
		if ((seen & (1u << f)) || record_field(out, (enum record_key)f, eq + 1) < 0)
			return -EBADMSG;
		seen |= 1u << f;
	}
	return (seen & REC_REQUIRED) == REC_REQUIRED ? 0 : -EBADMSG;
}

static int record_read_at(int dirfd, const char *path, struct attachment *out)
{
	char text[RECORD_MAX];
	size_t len = 0;
	int r = read_small(dirfd, path, text, sizeof(text), &len);

	if (r == 0)
		r = record_parse(text, len, out);
	return r;
}

static int record_read(const char *path, struct attachment *out)
{
	return record_read_at(AT_FDCWD, path, out);
}

static bool record_names_equal(const struct attachment *a, const char *network,
			       const char *container_id, const char *ifname)
{
	return strcmp(a->network, network) == 0 && strcmp(a->container_id, container_id) == 0 &&
	       strcmp(a->ifname, ifname) == 0;
}

int state_save(const struct attachment *a)
{
	char text[RECORD_MAX], path[PATH_MAX], dir[PATH_MAX];
	struct attachment old;
	int len, r;

	r = check_names(a->network, a->container_id, a->ifname);
	if (r < 0)
		return r;
	len = record_format(a, text, sizeof(text));
	if (len < 0)
		return error_report(len, CNI_ERR_INTERNAL, "recording %s/%s", a->container_id,
				    a->ifname);
	r = dir_path(dir, "attachments", a->network, true);
	if (r == 0)
		r = record_path(path, a->network, a->container_id, a->ifname);
	if (r < 0)
		return r;
	/* "a.b"+"c" and "a"+"b.c" share a file name: never overwrite another attachment. */
	if (record_read(path, &old) == 0 && !record_names_equal(&old, a->network,
								a->container_id, a->ifname))
		return error_report(-EEXIST, CNI_ERR_IO, "recording %s: %s belongs to %s/%s",
				    a->container_id, path, old.container_id, old.ifname);
	return write_atomic(dir, path, text, (size_t)len);
}

int state_load(const char *network, const char *container_id, const char *ifname,
	       struct attachment *out)
{
	char path[PATH_MAX];
	int r;

	r = check_names(network, container_id, ifname);
	if (r < 0)
		return r;
	r = record_path(path, network, container_id, ifname);
	if (r < 0)
		return r;
	r = record_read(path, out);
	if (r == 0 && !record_names_equal(out, network, container_id, ifname))
		r = -ENOENT;
	if (r < 0 && r != -ENOENT)
		return error_report(r, CNI_ERR_IO, "reading %s", path);
	return r;
}

int state_remove(const struct attachment *a)
{
	struct attachment old;
	char path[PATH_MAX];
	int r;

	r = check_names(a->network, a->container_id, a->ifname);
	if (r == 0)
		r = record_path(path, a->network, a->container_id, a->ifname);
	if (r < 0)
		return r;
	/* An unreadable record is still a's to remove; another attachment's is not. */
	r = record_read(path, &old);
	if (r == 0 && !record_names_equal(&old, a->network, a->container_id, a->ifname))
		return -ENOENT;
	if (r < 0 && r != -EBADMSG)
		return r == -ENOENT ? r : error_report(r, CNI_ERR_IO, "reading %s", path);
	if (unlink(path) < 0)
		return errno == ENOENT ? -ENOENT :
					 error_report(-errno, CNI_ERR_IO, "removing %s", path);
	return 0;
}

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

/* A record that cannot be read is logged and skipped: one bad file must not stop GC. */
static int list_network(struct record_list *l, const char *network)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char dir[PATH_MAX];
	struct dirent *e;
	int r = dir_path(dir, "attachments", network, false);

	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : error_report(-errno, CNI_ERR_IO, "listing %s", dir);
	while ((e = readdir(d))) {
		struct attachment a;

		if (e->d_name[0] == '.')
			continue;
		r = record_read_at(dirfd(d), e->d_name, &a);
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
	int r = dir_path(dir, "attachments", NULL, false);

	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : error_report(-errno, CNI_ERR_IO, "listing %s", dir);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !name_ok(e->d_name, 256))
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
	if (network && !name_ok(network, 256))
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

/* The claim file of a's key, and the directory holding it; both PATH_MAX buffers. */
static int claim_path(char *buf, char *dir, const struct attachment *a, bool create)
{
	char hex[2 * WG_KEY_LEN + 1];
	int r = dir_path(dir, "keys", NULL, create);

	key_to_hex(a->public_key, hex);
	return r < 0 ? r : path_format(buf, "%s/%s", dir, hex);
}

/* "network\tcontainer_id\tifname\n" into the name fields of `out`. */
static int claim_read(const char *path, struct attachment *out)
{
	char text[1024];
	char *fields[3], *p;
	size_t len = 0;
	int r = read_small(AT_FDCWD, path, text, sizeof(text), &len);

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
	if (p || !name_ok(fields[0], 256) || !container_id_ok(fields[1]) ||
	    !name_ok(fields[2], IFNAMSIZ))
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
	int r = record_path(path, claim->network, claim->container_id, claim->ifname);

	if (r == 0)
		r = record_read(path, &rec);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG)
		return 1; /* a record is there: do not hand its key to someone else */
	if (r < 0)
		return error_report(r, CNI_ERR_IO, "reading %s", path);
	return record_names_equal(&rec, claim->network, claim->container_id, claim->ifname) &&
	       memcmp(rec.public_key, a->public_key, WG_KEY_LEN) == 0;
}

int state_key_claim(const struct attachment *a, char *holder, size_t holder_len)
{
	char path[PATH_MAX], dir[PATH_MAX], text[600];
	struct attachment claim;
	int r;

	r = check_names(a->network, a->container_id, a->ifname);
	if (r < 0)
		return r;
	r = claim_path(path, dir, a, true);
	if (r < 0)
		return r;
	r = claim_read(path, &claim);
	if (r == 0 && record_names_equal(&claim, a->network, a->container_id, a->ifname))
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
	return write_atomic(dir, path, text, strlen(text));
}

int state_key_release(const struct attachment *a)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct attachment claim;
	int r = claim_path(path, dir, a, false);

	if (r == 0)
		r = claim_read(path, &claim);
	if (r < 0 || !record_names_equal(&claim, a->network, a->container_id, a->ifname))
		return r == -ENOENT || r == -EBADMSG ? 0 : r;
	if (unlink(path) < 0 && errno != ENOENT)
		return error_report(-errno, CNI_ERR_IO, "removing %s", path);
	return 0;
}

int state_lock(void)
{
	char path[PATH_MAX];
	int fd, r = make_dir(state_dir);

	if (r == 0)
		r = path_format(path, "%s/lock", state_dir);
	if (r < 0)
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_report(-errno, CNI_ERR_IO, "opening %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = -errno;
			close(fd);
			return error_report(r, CNI_ERR_IO, "locking %s", path);
		}
	}
	return fd;
}

/*
 * Field 22 of /proc/PID/stat. The command name (field 2) may hold spaces and
 * ')', so fields are counted from the last ')'.
 */
unsigned long long state_process_start_time(pid_t pid)
{
	char path[64], text[4096];
	char *p, *save = NULL, *field;
	unsigned long long start = 0;
	size_t len = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(AT_FDCWD, path, text, sizeof(text), &len) < 0)
		return 0;
	p = strrchr(text, ')');
	if (!p)
		return 0;
	field = strtok_r(p + 1, " ", &save);
	/* Z: exited, not yet reaped; X: being reaped. Neither runs anything any more. */
	if (!field || field[0] == 'Z' || field[0] == 'X' || field[0] == 'x')
		return 0;
	for (int i = 4; i <= 22 && field; i++)
		field = strtok_r(NULL, " ", &save);
	if (!field || parse_decimal(field, ULLONG_MAX, &start) < 0)
		return 0;
	return start;
}
