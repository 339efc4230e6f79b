/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scope-bound ownership: memory, descriptors and key material released on every path. */
#pragma once

#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <sodium.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership on: the local is reset so its cleanup does nothing. */
#define TAKE_PTR(p) ({ __typeof__(p) _tmp = (p); (p) = NULL; _tmp; })
#define TAKE_FD(fd) ({ int _tmp = (fd); (fd) = -1; _tmp; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
