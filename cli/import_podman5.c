/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * import --podman5: the network podman 5 runs through the netavark plugin.
 * The configuration import wrote (keys in files) is named by one option:
 *
 *   podman network create -d wireguard -o config=<file> <name>
 *
 * Only paths and the name go on podman's command line, never a key: argv
 * is readable by every user through /proc.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "error.h"
#include "import.h"

int import_podman5_create(const struct import_args *a, const char *config_path)
{
	char option[4200];
	char *argv[] = { "podman", "network", "create", "-d", "wireguard", "-o", option,
			 (char *)a->name, NULL };
	int status = 0;
	pid_t pid;

	snprintf(option, sizeof(option), "config=%s", config_path);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return error_report(-errno, CNI_ERR_IO, "starting podman");
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "%s: running podman: %s\n", a->name, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return error_report(-errno, CNI_ERR_IO, "waiting for podman");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return error_report(-ENOENT, CNI_ERR_IO, "podman network create %s: podman not "
				    "found or not runnable", a->name);
	return error_report(-EIO, CNI_ERR_IO, "podman network create -d wireguard -o %s %s "
			    "failed (%s %d): its message is above", option, a->name,
			    WIFEXITED(status) ? "exit status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}
