// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_burst: make WRITES writes to DEVICE back to back, then READS
 * O_NONBLOCK reads, while the sleepers PID... cannot run yet, and count how
 * many of them those calls woke.
 *
 *   sleepy_burst [-r READS] DEVICE WRITES PID...
 *
 * Every PID must be asleep (state S) in a read or a write of DEVICE. This
 * pins them and itself to CPU 0 and runs there at SCHED_FIFO priority, so a
 * sleeper it wakes stays runnable (state R) until it has finished. Each write
 * must succeed and each read must take a write (return 0). Prints
 * "woken N of M" (N in state R, M sleepers) and exits 0; exits 1 when a step
 * failed (saying which), 64 on bad usage. When it exits, the woken run.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "helpers.h"

#define MAX_PIDS 64

static int fail(const char *why)
{
	printf("sleepy_burst: %s\n", why);
	return 1;
}

int main(int argc, char **argv)
{
	long writes, reads = 0, i;
	pid_t pids[MAX_PIDS];
	int fd, n, opt, woken = 0;
	char c;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		switch (opt) {
		case 'r':
			reads = atol(optarg);
			break;
		default:
			return EX_USAGE;
		}
	}
	n = argc - optind - 2;
	if (n < 1 || n > MAX_PIDS || reads < 0) {
		fprintf(stderr, "usage: %s [-r READS] DEVICE WRITES PID...\n",
			argv[0]);
		return EX_USAGE;
	}
	writes = atol(argv[optind + 1]);
	for (i = 0; i < n; i++)
		pids[i] = atoi(argv[optind + 2 + i]);

	fd = open(argv[optind], O_RDWR | O_NONBLOCK);
	if (fd < 0)
		return fail("cannot open the device");
	for (i = 0; i < n; i++) {
		if (task_state(pids[i]) != 'S')
			return fail("a sleeper is not asleep to begin with");
		if (pin(pids[i], 0))
			return fail("cannot pin a sleeper to CPU 0");
	}
	if (pin(0, 0) || run_fifo(50, 0))
		return fail("cannot run at SCHED_FIFO on CPU 0");

	for (i = 0; i < writes; i++)
		if (write(fd, "x", 1) != 1)
			return fail("a write failed");
	for (i = 0; i < reads; i++)
		if (read(fd, &c, 1) != 0)
			return fail("a read took no write");
	for (i = 0; i < n; i++) {
		switch (task_state(pids[i])) {
		case 'R':
			woken++;
			break;
		case 'S':
			break;
		default:
			return fail("a sleeper is neither asleep nor runnable");
		}
	}
	printf("woken %d of %d\n", woken, n);
	return 0;
}
