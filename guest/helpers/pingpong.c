// SPDX-License-Identifier: GPL-2.0
/*
 * How long one CPU takes to wake a task on the other and hear back: two
 * processes, pinned to CPU 0 and CPU 1, pass a byte back and forth through
 * two pipes ROUNDS times, each asleep in read() while the other runs. A
 * round trip is two wake-ups across CPUs, the work kthread_stop(), an RCU
 * grace period or a wake-up of a sleeper on another CPU waits for. Under
 * QEMU's TCG each vCPU is a host thread: on two host cores the two run at
 * once; on one they take turns, and each wake-up waits for the host to
 * switch, which the time of one process starting on one CPU never shows.
 *
 *   pingpong [ROUNDS]    (default 200)
 *
 * Prints the mean round trip in microseconds. Exit status: 0 done, 1 a
 * CPU could not be used or a pipe failed (errno printed), 64 usage.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>

#include "helpers.h"

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

int main(int argc, char *argv[])
{
	int ping[2], pong[2], status, i;
	long rounds = 200, start;
	char byte = 0;
	pid_t peer;

	if (argc == 2)
		rounds = atol(argv[1]);
	if (argc > 2 || rounds <= 0) {
		fprintf(stderr, "usage: %s [ROUNDS]\n", argv[0]);
		return EX_USAGE;
	}
	if (pipe(ping) || pipe(pong)) {
		perror("pipe");
		return 1;
	}
	peer = fork();
	if (peer < 0) {
		perror("fork");
		return 1;
	}
	if (!peer) {
		close(ping[1]);
		close(pong[0]);
		if (pin(0, 1))
			_exit(1);
		while (read(ping[0], &byte, 1) == 1)
			if (write(pong[1], &byte, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	if (pin(0, 0)) {
		perror("sched_setaffinity");
		kill(peer, SIGKILL);
		return 1;
	}
	/* One round first: the peer has pinned itself when it answers. */
	start = 0;
	for (i = -1; i < rounds; i++) {
		if (i == 0)
			start = now_us();
		if (write(ping[1], &byte, 1) != 1 ||
		    read(pong[0], &byte, 1) != 1) {
			fprintf(stderr, "pingpong: the peer is gone\n");
			kill(peer, SIGKILL);
			waitpid(peer, NULL, 0);
			return 1;
		}
	}
	printf("%ld\n", (now_us() - start) / rounds);
	close(ping[1]); /* the peer's read() sees the end and it exits */
	waitpid(peer, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}
