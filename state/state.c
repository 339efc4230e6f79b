/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Layout under the state directory:
 *   attachments/<network>/<container_id>.<ifname>   one record, "key=value" lines
 *   keys/<public key in hex>                        "network\tcontainer_id\tifname\n"
 *   lock                                            flock()ed by state_lock()
 * Files are replaced by rename() of a ".tmp-" sibling, so a reader sees the
 * old or the new content, never half of it; listings skip dot files.
 * Here: names, paths, whole-file reads and writes, the lock; records are in
 * state_record.c, key claims in state_key.c, listings in state_list.c.
 */
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
#include "io.h"
#include "state.h"
#include "state_files.h"

static char state_dir[PATH_MAX] = STATE_DIR;

void state_set_dir(const char *dir)
{
	snprintf(state_dir, sizeof(state_dir), "%s", dir);
}

/* Names become path components and record lines: no '/', no control characters. */
bool state_name_ok(const char *s, size_t size)
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
bool state_container_id_ok(const char *s)
{
	size_t len = strnlen(s, 256);

	return len > 0 && len < 256 && strchr(ALNUM, s[0]) && strspn(s, ALNUM "_.-") == len;
}

int state_check_names(const char *network, const char *container_id, const char *ifname)
{
	if (!state_name_ok(network, 256))
		return error_report(-EINVAL, CNI_ERR_INVALID_CONFIG, "network name \"%s\"",
				    network);
	if (!state_container_id_ok(container_id))
		return error_report(-EINVAL, CNI_ERR_INVALID_ENV, "container id \"%s\"",
				    container_id);
	if (!state_name_ok(ifname, IFNAMSIZ))
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
int __attribute__((format(printf, 2, 3))) state_path_format(char *buf, const char *fmt, ...)
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
int state_dir_path(char *buf, const char *sub, const char *leaf, bool create)
{
	int r = state_path_format(buf, "%s/%s", state_dir, sub);

	if (r == 0 && create)
		r = make_dir(state_dir);
	if (r == 0 && create)
		r = make_dir(buf);
	if (r == 0 && leaf)
		r = state_path_format(buf, "%s/%s/%s", state_dir, sub, leaf);
	if (r == 0 && leaf && create)
		r = make_dir(buf);
	return r;
}

int state_record_path(char *buf, const char *network, const char *container_id,
		      const char *ifname)
{
	return state_path_format(buf, "%s/attachments/%s/%s.%s", state_dir, network,
				 container_id, ifname);
}

/* Reads all of a small file; -EBADMSG when it does not fit in size - 1 bytes. */
int state_read_small(int dirfd, const char *path, char *buf, size_t size, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = io_read_up_to(fd, buf, size);
	if (got < 0)
		return (int)got;
	if ((size_t)got == size || memchr(buf, '\0', (size_t)got))
		return -EBADMSG;
	buf[got] = '\0';
	*len = (size_t)got;
	return 0;
}

/* Replace dir/name with content: a private temporary sibling, then rename(). */
int state_write_atomic(const char *dir, const char *final, const char *content, size_t len)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r = state_path_format(tmp, "%s/.tmp-XXXXXX", dir);

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

/* Plain decimal digits only: strtoull alone would take "-1", " 7" and "0x7". */
int state_parse_decimal(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -EBADMSG;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end || *out > max ? -EBADMSG : 0;
}

int state_lock(void)
{
	char path[PATH_MAX];
	int fd, r = make_dir(state_dir);

	if (r == 0)
		r = state_path_format(path, "%s/lock", state_dir);
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
	if (state_read_small(AT_FDCWD, path, text, sizeof(text), &len) < 0)
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
	if (!field || state_parse_decimal(field, ULLONG_MAX, &start) < 0)
		return 0;
	return start;
}
