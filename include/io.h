/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a small file or a pipe whole, through interrupted reads. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * Read until end of file or until `size` bytes are in: the count read, or
 * -errno (what was read before the error is left in buf for the caller to
 * wipe). Reports nothing.
 */
ssize_t io_read_up_to(int fd, void *buf, size_t size);
