/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics go to stderr (runtimes discard it on success) and, when
 * /run/wgcni exists, are appended to /run/wgcni/log with a UTC time stamp,
 * where a user finds what a cleanup process ran by podman said. Past 1 MiB
 * the log becomes log.1. Never log key material.
 */
#pragma once

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prefix later messages with the verb and container, e.g. "DEL 3f2a..". */
void log_context(const char *verb, const char *container_id);
