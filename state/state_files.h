/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the state module: the checks, paths, whole-file reads and atomic
 * writes that records (state_record.c), key claims (state_key.c) and listings
 * (state_list.c) share. Paths, name checks and writes report their failures;
 * reads and parses return -errno for the caller to name.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "state.h"

/* Names become path components and record lines: no '/', no control characters. */
bool state_name_ok(const char *s, size_t size);
bool state_container_id_ok(const char *s);
int state_check_names(const char *network, const char *container_id, const char *ifname);

/* Paths under the state directory, into PATH_MAX buffers; never truncated. */
int state_path_format(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int state_dir_path(char *buf, const char *sub, const char *leaf, bool create);
int state_record_path(char *buf, const char *network, const char *container_id,
		      const char *ifname);

int state_read_small(int dirfd, const char *path, char *buf, size_t size, size_t *len);
int state_write_atomic(const char *dir, const char *final, const char *content, size_t len);
int state_parse_decimal(const char *v, unsigned long long max, unsigned long long *out);

/* A record parsed; -ENOENT when absent, -EBADMSG when malformed. Reports nothing. */
int state_record_read_at(int dirfd, const char *path, struct attachment *out);
int state_record_read(const char *path, struct attachment *out);
bool state_record_names_equal(const struct attachment *a, const char *network,
			      const char *container_id, const char *ifname);
