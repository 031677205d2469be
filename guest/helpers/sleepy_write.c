// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_write: make COUNT write(2) calls of one byte (or of zero bytes with
 * -z) on one open DEVICE, stopping at the first failure.
 *
 *   sleepy_write [-a UID:GID] [-n] [-z] [-i | -r] [-v] DEVICE COUNT
 *
 * -a  write as UID:GID, without supplementary groups
 * -n  open with O_NONBLOCK
 * -z  write zero bytes
 * -i  handle SIGUSR1 without SA_RESTART: a signal ends a sleeping write
 * -r  handle SIGUSR1 with SA_RESTART: the write resumes after the handler
 * -v  first print "nvcsw N", the voluntary context switches made so far, so a
 *     caller can count how often the writes slept
 *
 * Prints "wrote N of COUNT", then ": ERRNO" (e.g. EAGAIN) if a write failed,
 * then " signals=N" if a handler was set.
 * Exits 0 when every write succeeded, 1 otherwise, 64 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <unistd.h>

#include "helpers.h"

/* Handlers run so far; atomic, so handler and main() agree without volatile. */
static int signals;

static void on_signal(int sig)
{
	(void)sig;
	__atomic_fetch_add(&signals, 1, __ATOMIC_SEQ_CST);
}

int main(int argc, char **argv)
{
	int flags = O_WRONLY, handler = -1, verbose = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	struct rusage ru;
	size_t len = 1;
	long count, done;
	ssize_t n = 0;
	int fd, opt;

	while ((opt = getopt(argc, argv, "a:nzirv")) != -1) {
		switch (opt) {
		case 'a':
			if (become_ids(optarg)) {
				perror("-a");
				return 1;
			}
			break;
		case 'n':
			flags |= O_NONBLOCK;
			break;
		case 'z':
			len = 0;
			break;
		case 'i':
			handler = 0;
			break;
		case 'r':
			handler = SA_RESTART;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr,
			"usage: %s [-a UID:GID] [-n] [-z] [-i | -r] [-v] DEVICE COUNT\n",
			argv[0]);
		return EX_USAGE;
	}
	count = atol(argv[optind + 1]);
	if (handler >= 0) {
		sa.sa_flags = handler;
		sigaction(SIGUSR1, &sa, NULL);
	}

	fd = open(argv[optind], flags);
	if (fd < 0) {
		printf("open %s\n", strerrorname_np(errno));
		return 1;
	}
	if (verbose) {
		getrusage(RUSAGE_SELF, &ru);
		printf("nvcsw %ld\n", ru.ru_nvcsw);
		/* Printed before the writes, so a caller can see it while we sleep. */
		fflush(stdout);
	}
	for (done = 0; done < count; done++) {
		/* A zero-length write must return 0, a one-byte write 1. */
		n = write(fd, "x", len);
		if (n != (ssize_t)len)
			break;
	}
	printf("wrote %ld of %ld", done, count);
	if (done < count && n < 0)
		printf(": %s", strerrorname_np(errno));
	else if (done < count)
		printf(": returned %zd", n);
	if (handler >= 0)
		printf(" signals=%d",
		       __atomic_load_n(&signals, __ATOMIC_SEQ_CST));
	printf("\n");
	return done == count ? 0 : 1;
}
