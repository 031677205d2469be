// SPDX-License-Identifier: GPL-2.0
/*
 * Keep one CPU from every normal (SCHED_OTHER) task for a while: pinned to
 * CPU and SCHED_FIFO, it spins for MS milliseconds. A kernel thread woken
 * on that CPU, and allowed no other, stays runnable but does not run until
 * the hog is done, as long as real-time throttling is off
 * (/proc/sys/kernel/sched_rt_runtime_us = -1; else it runs 5% of the time).
 *
 *   cpu_hog CPU MS
 *
 * Prints "hogging CPU N" once it runs there. Exit status: 0 done, 1 the
 * kernel refused the CPU or the policy (errno printed), 64 usage.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sysexits.h>

#include "helpers.h"

int main(int argc, char *argv[])
{
	long until;
	int cpu;

	if (argc != 3) {
		fprintf(stderr, "usage: %s CPU MS\n", argv[0]);
		return EX_USAGE;
	}
	cpu = atoi(argv[1]);
	if (pin(0, cpu)) {
		perror("sched_setaffinity");
		return 1;
	}
	if (run_fifo(1, 0)) {
		perror("sched_setscheduler");
		return 1;
	}
	until = now_ms() + atol(argv[2]);
	printf("hogging CPU %d\n", sched_getcpu());
	fflush(stdout);
	while (now_ms() < until)
		;
	return 0;
}
