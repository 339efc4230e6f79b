/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one place a failure is described for the user. Library code reports a
 * failure where it is understood, naming the object ("moving wgc1a2b to
 * /run/netns/x"), and returns the negative errno it got; only the command
 * layer turns the recorded message into a CNI error.
 *
 * The first report wins until error_clear(): rollback after a failure may
 * fail too, and the user must still see the original cause.
 */
#pragma once

/* CNI error codes (SPEC "Error codes"). */
enum cni_code {
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_STATUS_UNAVAILABLE = 50,
	/* This plugin's own (100+): CHECK found the attachment differs from its configuration. */
	WGCNI_ERR_DIFFERS = 100,
	CNI_ERR_INTERNAL = 999,
};

/*
 * Record "<formatted>: <strerror(-err)>" (err < 0) or just "<formatted>"
 * (err >= 0) with the given CNI code, unless a report is already recorded.
 * Returns err so callers can write `return error_report(-errno, ...)`.
 */
int error_report(int err, enum cni_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Shorthand for an invalid configuration field: code 7, returns -EINVAL. */
int error_config(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int error_recorded(void);
enum cni_code error_code(void);
const char *error_message(void);
void error_clear(void);
