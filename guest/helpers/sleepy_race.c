// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_race: two processes, one pinned to each of CPUs 0 and 1, each make
 * ROUNDS rounds of one write and two reads on /dev/sleepy, all O_NONBLOCK, so
 * the count keeps going from 1 to 0 with both racing to take the last write.
 * Then the parent drains what is left. Every write is taken once, so
 *   writes = reads + left
 * A take that tests and then decrements in two steps lets both readers pass
 * on the same last write: the count goes below 0 and reads outnumber writes.
 *
 *   sleepy_race DEVICE ROUNDS
 *
 * Prints "writes W reads R left L"; exits 0 when W = R + L, 1 when not or
 * on an error, 64 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "helpers.h"

/* Per child: writes accepted and reads that took one, in shared memory. */
struct tally {
	long writes;
	long reads;
};

static int race(const char *dev, long rounds, int cpu, struct tally *t)
{
	long i;
	int fd;

	/* One vCPU only: then the race is with ourselves; still a valid run. */
	pin(0, cpu);
	fd = open(dev, O_RDWR | O_NONBLOCK);
	if (fd < 0) {
		perror(dev);
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		char c = 'x';

		if (write(fd, &c, 1) == 1)
			t->writes++;
		if (read(fd, &c, 1) == 0)
			t->reads++;
		if (read(fd, &c, 1) == 0)
			t->reads++;
	}
	close(fd);
	return 0;
}

int main(int argc, char *argv[])
{
	struct tally *t;
	long rounds, writes, reads, left = 0;
	int fd, cpu, status, failed = 0;
	char c;

	rounds = argc == 3 ? atol(argv[2]) : 0;
	if (rounds <= 0) {
		fprintf(stderr, "usage: sleepy_race DEVICE ROUNDS\n");
		return EX_USAGE;
	}
	t = mmap(NULL, 2 * sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(t, 0, 2 * sizeof(*t));
	for (cpu = 0; cpu < 2; cpu++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid)
			_exit(race(argv[1], rounds, cpu, &t[cpu]));
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	fd = open(argv[1], O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	/* Bounded: a count driven below 0 would let reads go on for ever. */
	while (left <= 2 * rounds && read(fd, &c, 1) == 0)
		left++;
	close(fd);
	writes = t[0].writes + t[1].writes;
	reads = t[0].reads + t[1].reads;
	printf("writes %ld reads %ld left %ld\n", writes, reads, left);
	return failed || writes != reads + left;
}
