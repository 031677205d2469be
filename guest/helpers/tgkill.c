// SPDX-License-Identifier: GPL-2.0
/*
 * Send a thread-directed signal, which busybox kill cannot: the signal is
 * queued on the one thread TID of process TGID, not on the process.
 *
 *   tgkill TGID TID SIGNAL     SIGNAL as a number (kill -l NAME prints it)
 *
 * Exit status: 0 sent, 1 the kernel refused (errno printed), 64 usage.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s TGID TID SIGNAL\n", argv[0]);
		return EX_USAGE;
	}
	if (tgkill(atoi(argv[1]), atoi(argv[2]), atoi(argv[3]))) {
		perror("tgkill");
		return 1;
	}
	return 0;
}
