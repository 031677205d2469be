// SPDX-License-Identifier: GPL-2.0
/*
 * Two threads share one open /proc/sleep: one keeps writing a 79-byte
 * message of all 'a' then all 'b', the other keeps reading it with pread()
 * from offset 0. Every read must be one whole message, never a mix.
 *
 *   sleep_torn ROUNDS      prints "reads: N torn: N"
 *
 * Exit status: 0 the run completed (the test judges the numbers), 1 the
 * run itself failed, 64 usage.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define PREFIX "Last input:"
#define LEN 79

static int fd;
static int done;

static void *writer(void *arg)
{
	char msg[2][LEN];
	int i;

	(void)arg;
	memset(msg[0], 'a', LEN);
	memset(msg[1], 'b', LEN);
	for (i = 0; !__atomic_load_n(&done, __ATOMIC_RELAXED); i++)
		if (write(fd, msg[i & 1], LEN) != LEN) {
			perror("write");
			exit(1);
		}
	return NULL;
}

/* A whole message: the prefix, 79 equal letters, a newline. */
static int whole(const char *buf, ssize_t n)
{
	const char *msg = buf + strlen(PREFIX);
	int i;

	if (n != (ssize_t)strlen(PREFIX) + LEN + 1 || msg[LEN] != '\n' ||
	    strncmp(buf, PREFIX, strlen(PREFIX)))
		return 0;
	for (i = 1; i < LEN; i++)
		if (msg[i] != msg[0])
			return 0;
	return 1;
}

int main(int argc, char *argv[])
{
	long rounds, i, torn = 0;
	char buf[256];
	pthread_t t;
	ssize_t n;

	rounds = argc == 2 ? atol(argv[1]) : 0;
	if (rounds <= 0) {
		fprintf(stderr, "usage: %s ROUNDS\n", argv[0]);
		return EX_USAGE;
	}
	fd = open("/proc/sleep", O_RDWR);
	if (fd < 0) {
		perror("/proc/sleep");
		return 1;
	}
	memset(buf, 'a', LEN);
	if (write(fd, buf, LEN) != LEN ||
	    pthread_create(&t, NULL, writer, NULL)) {
		perror("start");
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		n = pread(fd, buf, sizeof(buf), 0);
		if (!whole(buf, n)) {
			if (!torn)
				printf("first torn read: %.*s",
				       (int)(n > 0 ? n : 0), buf);
			torn++;
		}
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	printf("reads: %ld torn: %ld\n", rounds, torn);
	return 0;
}
