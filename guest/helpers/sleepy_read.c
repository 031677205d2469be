// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_read: open a device, make one read(2) and report how it ended.
 *
 *   sleepy_read [-a UID:GID] [-c COUNT] [-n] [-z] [-i | -r] [-v] DEVICE
 *
 * -a  open and read as UID:GID, without supplementary groups
 * -c  make COUNT reads instead of one, stopping at the first that does not
 *     return 0; the report is the last one's
 * -n  open with O_NONBLOCK
 * -z  ask for zero bytes
 * -i  handle SIGUSR1 without SA_RESTART: a signal ends a sleeping read
 * -r  handle SIGUSR1 with SA_RESTART: the read resumes after the handler
 * -v  first print "nvcsw N", the voluntary context switches made so far, so a
 *     caller can count how often the read slept
 *
 * Prints EOF, "DATA N", the errno name of a failed read (EAGAIN, EINTR) or of
 * a failed open ("open EACCES"), then " signals=N" if a handler was set.
 * Exits 0 on EOF, 1 otherwise, 64 on bad usage.
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
	int flags = O_RDONLY, handler = -1, zero = 0, verbose = 0;
	long count = 1;
	struct sigaction sa = { .sa_handler = on_signal };
	struct rusage ru;
	char buf[64];
	ssize_t n;
	int fd, opt;

	while ((opt = getopt(argc, argv, "a:c:nzirv")) != -1) {
		switch (opt) {
		case 'a':
			if (become_ids(optarg)) {
				perror("-a");
				return 1;
			}
			break;
		case 'c':
			count = atol(optarg);
			break;
		case 'n':
			flags |= O_NONBLOCK;
			break;
		case 'z':
			zero = 1;
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
	if (optind != argc - 1) {
		fprintf(stderr,
			"usage: %s [-a UID:GID] [-c COUNT] [-n] [-z] [-i | -r] [-v] DEVICE\n",
			argv[0]);
		return EX_USAGE;
	}
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
		/* Printed before the read, so a caller can see it while we sleep. */
		fflush(stdout);
	}

	do
		n = read(fd, buf, zero ? 0 : sizeof(buf));
	while (n == 0 && --count > 0);
	if (n == 0)
		printf("EOF");
	else if (n > 0)
		printf("DATA %zd", n);
	else
		printf("%s", strerrorname_np(errno));
	if (handler >= 0)
		printf(" signals=%d",
		       __atomic_load_n(&signals, __ATOMIC_SEQ_CST));
	printf("\n");
	return n == 0 ? 0 : 1;
}
