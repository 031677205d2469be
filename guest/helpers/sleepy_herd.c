// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_herd: start N readers and N writers of DEVICE together, ROUNDS
 * times. Each child opens DEVICE itself (its own open file), waits at a
 * common barrier, then makes one read or one one-byte write.
 *
 *   sleepy_herd DEVICE N ROUNDS
 *
 * A round passes when every writer's write succeeded, every reader's read
 * returned 0 within 30 s, and then an O_NONBLOCK read finds nothing pending
 * (EAGAIN): N writes released exactly N reads, none lost, none doubled.
 * Prints one line per round; stops at the first round that fails and exits
 * 1, else exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define MAX_N 64
#define ROUND_SECONDS 30

/* A child: open, wait for the barrier to open, then read or write once. */
static void child(const char *dev, int barrier, int writer)
{
	char c;
	int fd = open(dev, writer ? O_WRONLY : O_RDONLY);

	if (fd < 0)
		_exit(3);
	/* The parent closing its end of the pipe releases everybody at once. */
	if (read(barrier, &c, 1) != 0)
		_exit(3);
	if (writer)
		_exit(write(fd, "x", 1) == 1 ? 0 : 1);
	_exit(read(fd, &c, 1) == 0 ? 0 : 1);
}

/* 1 if a write is still pending: an O_NONBLOCK read does not fail with EAGAIN. */
static int still_pending(const char *dev)
{
	int fd = open(dev, O_RDONLY | O_NONBLOCK);
	int ret = 1;
	char c;

	if (fd >= 0 && read(fd, &c, 1) < 0 && errno == EAGAIN)
		ret = 0;
	if (fd >= 0)
		close(fd);
	return ret;
}

static int round_once(const char *dev, int n, int round)
{
	pid_t pids[2 * MAX_N];
	int pipefd[2], i, left, pending, ok[2] = { 0, 0 }, status;
	long start = now_ms(), deadline = start + ROUND_SECONDS * 1000;

	if (pipe(pipefd))
		return -1;
	for (i = 0; i < 2 * n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			/* Nobody has passed the barrier yet: stop the ones started. */
			close(pipefd[0]);
			close(pipefd[1]);
			while (i-- > 0) {
				kill(pids[i], SIGKILL);
				waitpid(pids[i], NULL, 0);
			}
			return -1;
		}
		if (pids[i] == 0) {
			close(pipefd[1]);
			child(dev, pipefd[0], i % 2);
		}
	}
	close(pipefd[0]);
	close(pipefd[1]);

	/* Reap with a deadline, so a reader nobody wakes is reported, not waited for. */
	for (left = 2 * n; left > 0 && now_ms() < deadline;) {
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0) {
			usleep(10000);
			continue;
		}
		for (i = 0; i < 2 * n && pids[i] != pid; i++)
			;
		if (i == 2 * n)
			continue;
		pids[i] = 0;
		left--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok[i % 2]++;
	}
	for (i = 0; i < 2 * n; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	}

	pending = still_pending(dev);
	printf("round %d: %d of %d readers returned, %d of %d writes, then %s, %ld ms\n",
	       round, ok[0], n, ok[1], n,
	       pending ? "a write still pending" : "nothing pending",
	       now_ms() - start);
	return ok[0] == n && ok[1] == n && !pending ? 0 : 1;
}

int main(int argc, char **argv)
{
	int n, rounds, r;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DEVICE N ROUNDS\n", argv[0]);
		return EX_USAGE;
	}
	n = atoi(argv[2]);
	rounds = atoi(argv[3]);
	if (n < 1 || n > MAX_N || rounds < 1)
		return EX_USAGE;
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (r = 1; r <= rounds; r++) {
		int ret = round_once(argv[1], n, r);

		if (ret < 0)
			printf("round %d: %s\n", r, strerror(errno));
		/* Stop at the first failure: its line says what went wrong. */
		if (ret)
			return 1;
	}
	return 0;
}
