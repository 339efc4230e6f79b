/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attachment records: one "key=value" file an attachment, saved, loaded and removed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "key.h"
#include "state.h"
#include "state_files.h"

/* The largest record: two 255-byte names, a 4095-byte path, short fields. */
#define RECORD_MAX 8192

enum record_key {
	REC_NETWORK, REC_CONTAINER_ID, REC_IFNAME, REC_NETNS, REC_BACKEND,
	REC_HOST_IFNAME, REC_HELPER_PID, REC_HELPER_START_TIME, REC_PUBLIC_KEY, REC_KILL_SWITCH,
	REC_TUNNEL_IFNAME, REC_CHAINED, REC_SOCKET_IN_CONTAINER, REC_BESIDE, REC_PUBLISHED,
	REC_EGRESS_LEGS, REC_COUNT
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
	[REC_BESIDE] = "beside", [REC_PUBLISHED] = "published",
	[REC_EGRESS_LEGS] = "egress_legs",
};

static const struct {
	const char *name;
	uint8_t number;
} port_protocols[] = { { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "sctp", IPPROTO_SCTP } };

static const char *protocol_name(uint8_t number)
{
	for (size_t i = 0; i < sizeof(port_protocols) / sizeof(port_protocols[0]); i++)
		if (port_protocols[i].number == number)
			return port_protocols[i].name;
	return NULL;
}

/* "published=80-80/tcp,5000-5009/udp\n", in the order given; "published=\n": none (beside). */
static int format_published(const struct attachment *a, char *buf, size_t size)
{
	size_t n = 0;

	if (!a->beside && a->n_published == 0)
		return 0;
	if (a->n_published > STATE_MAX_PUBLISHED)
		return -E2BIG;
	for (size_t i = 0; i < a->n_published; i++) {
		const struct port_range *p = &a->published[i];
		const char *proto = protocol_name(p->protocol);
		int m;

		if (!proto || p->first == 0 || p->first > p->last)
			return -EINVAL;
		m = snprintf(buf + n, size - n, "%s%u-%u/%s", i ? "," : "published=",
			     (unsigned)p->first, (unsigned)p->last, proto);
		if (m < 0 || (size_t)m >= size - n)
			return -ENAMETOOLONG;
		n += (size_t)m;
	}
	if (n == 0)
		n = (size_t)snprintf(buf, size, "published=");
	if (n + 1 >= size)
		return -ENAMETOOLONG;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (int)n;
}

static int parse_published(struct attachment *a, char *v)
{
	a->published_recorded = true;
	for (char *item = *v ? v : NULL, *next; item; item = next) {
		unsigned long long first, last;
		char *dash, *slash;
		struct port_range *p = &a->published[a->n_published];
		size_t k;

		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		dash = strchr(item, '-');
		slash = dash ? strchr(dash, '/') : NULL;
		if (!slash || a->n_published == STATE_MAX_PUBLISHED)
			return -EBADMSG;
		*dash = *slash = '\0';
		if (state_parse_decimal(item, 65535, &first) < 0 ||
		    state_parse_decimal(dash + 1, 65535, &last) < 0 || first == 0 || first > last)
			return -EBADMSG;
		for (k = 0; k < sizeof(port_protocols) / sizeof(port_protocols[0]) &&
			    strcmp(slash + 1, port_protocols[k].name); k++)
			;
		if (k == sizeof(port_protocols) / sizeof(port_protocols[0]))
			return -EBADMSG;
		*p = (struct port_range){ .first = (uint16_t)first, .last = (uint16_t)last,
					  .protocol = port_protocols[k].number };
		a->n_published++;
	}
	return 0;
}

/* "egress_legs=eth0,eth2\n"; nothing when there are none (older records look the same). */
static int format_egress_legs(const struct attachment *a, char *buf, size_t size)
{
	size_t n = 0;

	if (a->n_egress_legs > STATE_MAX_LEGS)
		return -E2BIG;
	for (size_t i = 0; i < a->n_egress_legs; i++) {
		int m;

		if (!state_name_ok(a->egress_legs[i], IFNAMSIZ) || strchr(a->egress_legs[i], ','))
			return -EINVAL;
		m = snprintf(buf + n, size - n, "%s%s", i ? "," : "egress_legs=", a->egress_legs[i]);
		if (m < 0 || (size_t)m >= size - n)
			return -ENAMETOOLONG;
		n += (size_t)m;
	}
	if (n && n + 1 >= size)
		return -ENAMETOOLONG;
	if (n) {
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	return (int)n;
}

static int parse_egress_legs(struct attachment *a, char *v)
{
	for (char *item = *v ? v : NULL, *next; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (a->n_egress_legs == STATE_MAX_LEGS || !state_name_ok(item, IFNAMSIZ))
			return -EBADMSG;
		memcpy(a->egress_legs[a->n_egress_legs++], item, strlen(item) + 1);
	}
	return 0;
}

static int record_format(const struct attachment *a, char *buf, size_t size)
{
	char b64[WG_KEY_B64_LEN + 1];
	int n, m;

	if ((a->backend != BACKEND_KERNEL && a->backend != BACKEND_USERSPACE) ||
	    strnlen(a->netns, sizeof(a->netns)) >= sizeof(a->netns) || strchr(a->netns, '\n') ||
	    (a->host_ifname[0] && !state_name_ok(a->host_ifname, IFNAMSIZ)) || a->helper_pid < 0 ||
	    (a->tunnel_ifname[0] && !state_name_ok(a->tunnel_ifname, IFNAMSIZ)))
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
	/* Written only when set, so the other records stay as older versions wrote them. */
	if (a->beside) {
		m = snprintf(buf + n, size - (size_t)n, "beside=1\n");
		if (m < 0 || (size_t)m >= size - (size_t)n)
			return -ENAMETOOLONG;
		n += m;
	}
	m = format_published(a, buf + n, size - (size_t)n);
	if (m < 0)
		return m;
	n += m;
	m = format_egress_legs(a, buf + n, size - (size_t)n);
	if (m < 0)
		return m;
	n += m;
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

static int record_field(struct attachment *a, enum record_key field, char *v)
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
		if (state_parse_decimal(v, INT_MAX, &n) < 0)
			return -EBADMSG;
		a->helper_pid = (pid_t)n;
		return 0;
	case REC_HELPER_START_TIME: return state_parse_decimal(v, ULLONG_MAX, &a->helper_start_time);
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
	case REC_BESIDE:
		if (strcmp(v, "1") != 0)
			return -EBADMSG;
		a->beside = true;
		return 0;
	case REC_PUBLISHED: return parse_published(a, v);
	case REC_EGRESS_LEGS: return parse_egress_legs(a, v);
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

int state_record_read_at(int dirfd, const char *path, struct attachment *out)
{
	char text[RECORD_MAX];
	size_t len = 0;
	int r = state_read_small(dirfd, path, text, sizeof(text), &len);

	if (r == 0)
		r = record_parse(text, len, out);
	return r;
}

int state_record_read(const char *path, struct attachment *out)
{
	return state_record_read_at(AT_FDCWD, path, out);
}

bool state_record_names_equal(const struct attachment *a, const char *network,
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

	r = state_check_names(a->network, a->container_id, a->ifname);
	if (r < 0)
		return r;
	len = record_format(a, text, sizeof(text));
	if (len < 0)
		return error_report(len, CNI_ERR_INTERNAL, "recording %s/%s", a->container_id,
				    a->ifname);
	r = state_dir_path(dir, "attachments", a->network, true);
	if (r == 0)
		r = state_record_path(path, a->network, a->container_id, a->ifname);
	if (r < 0)
		return r;
	/* "a.b"+"c" and "a"+"b.c" share a file name: never overwrite another attachment. */
	if (state_record_read(path, &old) == 0 &&
	    !state_record_names_equal(&old, a->network, a->container_id, a->ifname))
		return error_report(-EEXIST, CNI_ERR_IO, "recording %s: %s belongs to %s/%s",
				    a->container_id, path, old.container_id, old.ifname);
	return state_write_atomic(dir, path, text, (size_t)len);
}

int state_load(const char *network, const char *container_id, const char *ifname,
	       struct attachment *out)
{
	char path[PATH_MAX];
	int r;

	r = state_check_names(network, container_id, ifname);
	if (r < 0)
		return r;
	r = state_record_path(path, network, container_id, ifname);
	if (r < 0)
		return r;
	r = state_record_read(path, out);
	if (r == 0 && !state_record_names_equal(out, network, container_id, ifname))
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

	r = state_check_names(a->network, a->container_id, a->ifname);
	if (r == 0)
		r = state_record_path(path, a->network, a->container_id, a->ifname);
	if (r < 0)
		return r;
	/* An unreadable record is still a's to remove; another attachment's is not. */
	r = state_record_read(path, &old);
	if (r == 0 && !state_record_names_equal(&old, a->network, a->container_id, a->ifname))
		return -ENOENT;
	if (r < 0 && r != -EBADMSG)
		return r == -ENOENT ? r : error_report(r, CNI_ERR_IO, "reading %s", path);
	if (unlink(path) < 0)
		return errno == ENOENT ? -ENOENT :
					 error_report(-errno, CNI_ERR_IO, "removing %s", path);
	/* The network's directory goes with its last record (it fails while any is left);
	 * records are created under the state lock, which the caller holds. */
	*strrchr(path, '/') = '\0';
	rmdir(path);
	return 0;
}
