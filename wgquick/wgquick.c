/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wg-quick .conf files into struct netconf. Lines are read as wg(8) reads
 * them: everything after '#' is a comment, all whitespace is dropped, keys
 * and section names are case-insensitive. Lists (Address, DNS, AllowedIPs)
 * accumulate over repeated lines as wg-quick's do; other keys: the last wins.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sodium.h>

#include "cleanup.h"
#include "error.h"
#include "key.h"
#include "parser.h"
#include "wgquick.h"

#define FILE_MAX (1024 * 1024)
#define MAX_PEERS 64

int wgquick_fail(const struct parser *p, const char *fmt, ...)
{
	char message[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	error_report(0, CNI_ERR_INVALID_CONFIG, "%s:%u: %s", p->name, p->line, message);
	return -EINVAL;
}

/*
 * A pasted key line ("<base64>=") reads as an unknown key: only short,
 * letters-only names are quoted back, so no message carries key material.
 */
static const char *quotable(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 24)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (!isalpha((unsigned char)name[i]))
			return NULL;
	return name;
}

const char *wgquick_shown(const char *value)
{
	static __thread char quoted[72];
	size_t run = 0;

	/* A key is 43 base64 characters and '=': a run of 20 is enough to withhold it. */
	for (const char *c = value; *c; c++) {
		run = isalnum((unsigned char)*c) || *c == '+' || *c == '/' ? run + 1 : 0;
		if (run >= 20)
			return "(withheld: it may be a key)";
	}
	snprintf(quoted, sizeof(quoted), "\"%.64s\"", value);
	return quoted;
}

int wgquick_unknown(const struct parser *p, const char *what, const char *name,
		   const char *where)
{
	if (!quotable(name))
		return wgquick_fail(p, "%s that is not a name (not shown: it may be a key)%s",
				    what, where);
	return wgquick_fail(p, "%s \"%s\"%s", what, name, where);
}

/* wg-quick features that would act outside the container, or that have no meaning here. */
static const struct {
	const char *key;
	const char *why;
} refused[] = {
	{ "PreUp", "hooks would run as root" },
	{ "PostUp", "hooks would run as root" },
	{ "PreDown", "hooks would run as root" },
	{ "PostDown", "hooks would run as root" },
	{ "SaveConfig", "the plugin never writes the file back" },
	{ "Table", "the plugin routes the container's traffic itself" },
};

static int key_value(struct parser *p, char *line)
{
	char *value = strchr(line, '=');

	if (!value)
		return wgquick_fail(p, "expected Key = Value or a [Section]");
	*value++ = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
		if (strcasecmp(line, refused[i].key) == 0)
			return wgquick_fail(p, "%s is not supported: %s", refused[i].key,
					    refused[i].why);
	if (p->section == SECTION_NONE)
		return wgquick_unknown(p, "key", line,
				       " outside of an [Interface] or [Peer] section");
	if (p->section == SECTION_INTERFACE)
		return wgquick_interface_value(p, line, value);
	return wgquick_peer_value(p, line, value);
}

/* The peer before the next section or the end: complete and unique? */
static int finish_peer(struct parser *p)
{
	static const uint8_t zero[WG_KEY_LEN];
	struct netconf *conf = p->conf;
	const struct peer_conf *peer = NULL;

	if (p->section != SECTION_PEER)
		return 0;
	peer = wgquick_current_peer(p);
	p->line = p->peer_line;
	if (sodium_memcmp(peer->public_key, zero, WG_KEY_LEN) == 0)
		return wgquick_fail(p, "[Peer] without a PublicKey");
	for (size_t i = 0; i + 1 < conf->n_peers; i++)
		if (sodium_memcmp(conf->peers[i].public_key, peer->public_key, WG_KEY_LEN) == 0)
			return wgquick_fail(p, "[Peer] has the same PublicKey as peer %zu", i + 1);
	return 0;
}

static int section(struct parser *p, char *line, size_t len, unsigned line_number)
{
	struct peer_conf *grown = NULL;
	struct netconf *conf = p->conf;

	if (line[len - 1] != ']')
		return wgquick_fail(p, "a section header must end with ']'");
	line[len - 1] = '\0';
	if (finish_peer(p) < 0)
		return -EINVAL;
	p->line = line_number;
	if (strcasecmp(line + 1, "Interface") == 0) {
		if (p->interface_line)
			return wgquick_fail(p, "a second [Interface] (the first is on line %u)",
				    p->interface_line);
		p->interface_line = line_number;
		p->section = SECTION_INTERFACE;
		return 0;
	}
	if (strcasecmp(line + 1, "Peer") != 0)
		return wgquick_unknown(p, "unknown section", line + 1, "");
	if (conf->n_peers == MAX_PEERS)
		return wgquick_fail(p, "more than %d peers", MAX_PEERS);
	grown = realloc(conf->peers, (conf->n_peers + 1) * sizeof(*grown));
	if (!grown)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "%s:%u", p->name, p->line);
	memset(&grown[conf->n_peers++], 0, sizeof(*grown));
	conf->peers = grown;
	p->section = SECTION_PEER;
	p->peer_line = line_number;
	return 0;
}

/* One line without its comment and whitespace, as wg(8) reads it, into `clean`. */
static size_t clean_line(const char *line, size_t len, char *clean)
{
	size_t n = 0;

	for (size_t i = 0; i < len && line[i] != '#'; i++)
		if (!isspace((unsigned char)line[i]))
			clean[n++] = line[i];
	clean[n] = '\0';
	return n;
}

static int parse_lines(struct parser *p, const char *text, size_t len, char *clean)
{
	const char *line = text, *end = text + len;

	for (unsigned number = 1; line < end; number++) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t line_len = nl ? (size_t)(nl - line) : (size_t)(end - line);
		size_t n = clean_line(line, line_len, clean);
		int r = 0;

		p->line = number;
		if (memchr(line, '\0', line_len))
			return wgquick_fail(p, "a NUL byte");
		if (n > 0 && clean[0] == '[')
			r = section(p, clean, n, number);
		else if (n > 0)
			r = key_value(p, clean);
		if (r < 0)
			return r;
		line += line_len + 1;
	}
	return finish_peer(p);
}

int wgquick_parse_buffer(const char *name, const char *text, size_t len, struct netconf *conf)
{
	struct parser p = { .name = name, .conf = conf };
	char *clean = NULL;
	int r;

	/* A line is never longer than the text; the copy may hold a key, so it is wiped. */
	clean = malloc(len + 1);
	if (!clean)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "reading %s", name);
	r = parse_lines(&p, text, len, clean);
	sodium_memzero(clean, len + 1);
	free(clean);
	return r;
}

static int read_config(const char *path, char *buf, size_t *len)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t n;

	/* O_NONBLOCK: a FIFO planted at the path must not hang the plugin. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return error_report(-errno, CNI_ERR_INVALID_CONFIG, "wgQuickConfig %s", path);
	if (fstat(fd, &st) < 0)
		return error_report(-errno, CNI_ERR_IO, "wgQuickConfig %s", path);
	if (!S_ISREG(st.st_mode))
		return error_report(-EINVAL, CNI_ERR_INVALID_CONFIG,
				    "wgQuickConfig %s: not a regular file", path);
	/* It holds the private key, as a key file does. */
	if (st.st_mode & 077) {
		error_report(0, CNI_ERR_INVALID_CONFIG, "wgQuickConfig %s: readable by group or "
			     "others (mode %04o); chmod 600 it", path,
			     (unsigned)(st.st_mode & 07777));
		return -EACCES;
	}
	*len = 0;
	while ((n = read(fd, buf + *len, FILE_MAX + 1 - *len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_report(-errno, CNI_ERR_IO, "reading wgQuickConfig %s", path);
		*len += (size_t)n;
		if (*len > FILE_MAX)
			return error_report(-EFBIG, CNI_ERR_INVALID_CONFIG,
					    "wgQuickConfig %s: larger than 1 MiB", path);
	}
	return 0;
}

int wgquick_parse_file(const char *path, struct netconf *conf)
{
	char *buf = malloc(FILE_MAX + 1);
	size_t len = 0;
	int r;

	if (!buf)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "reading wgQuickConfig %s", path);
	r = read_config(path, buf, &len);
	if (r == 0)
		r = wgquick_parse_buffer(path, buf, len, conf);
	sodium_memzero(buf, len);
	free(buf);
	return r;
}

int wgquick_private_key(const struct netconf *conf, uint8_t out[WG_KEY_LEN])
{
	if (conf->private_key_file)
		return key_read_file(conf->private_key_file, "privateKeyFile", out);
	if (!conf->has_private_key)
		return error_config("privateKeyFile: required");
	memcpy(out, conf->private_key, WG_KEY_LEN);
	return 0;
}
