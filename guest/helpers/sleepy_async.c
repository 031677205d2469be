// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_async: asynchronous notification, as LDD3's asynctest asks for it:
 * open DEVICE, make this process its owner (F_SETOWN), ask for SIGIO with
 * its reason (F_SETSIG) and set O_ASYNC; then do each OP in turn and count
 * the SIGIO signals it brought.
 *
 *   sleepy_async [-n] DEVICE OP...
 *
 * -n  leave O_ASYNC off (everything else the same)
 *
 * OPs: w a one-byte write and z a zero-length write (on another open file,
 * O_NONBLOCK), r an O_NONBLOCK read, p a poll(), c clear O_ASYNC, s set it
 * again, x close the O_ASYNC file, W wait up to 30 s for a write from
 * another process (prints "waiting" first).
 * SIGIO is blocked and collected after each OP, so a signal is counted for
 * the OP that sent it. Prints "OP N" per OP, N the signals it brought, with
 * " bad" added if one did not say POLL_IN for the O_ASYNC file.
 * Exits 0 when every OP ran, 1 otherwise (saying which), 64 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *why)
{
	printf("sleepy_async: %s: %s\n", why, strerrorname_np(errno));
	return 1;
}

/*
 * Collect the SIGIO signals pending, waiting up to ms for the first: their
 * number; *bad is set if one was not POLL_IN for fd.
 */
static int collect(const sigset_t *set, int fd, long ms, int *bad)
{
	struct timespec wait = { ms / 1000, ms % 1000 * 1000000L };
	static const struct timespec now;
	siginfo_t si;
	int n = 0;

	while (sigtimedwait(set, &si, n ? &now : &wait) == SIGIO) {
		n++;
		if (si.si_code != POLL_IN || si.si_fd != fd)
			*bad = 1;
	}
	return n;
}

static int set_async(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_ASYNC : fl & ~O_ASYNC);
}

int main(int argc, char **argv)
{
	int async = 1, afd, wfd, rfd, i, n, bad;
	sigset_t set;
	char c;

	if (argc > 1 && !strcmp(argv[1], "-n")) {
		async = 0;
		argv++;
		argc--;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: %s [-n] DEVICE OP...\n", argv[0]);
		return EX_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return fail("sigprocmask");

	afd = open(argv[1], O_RDONLY | O_NONBLOCK);
	wfd = open(argv[1], O_WRONLY | O_NONBLOCK);
	rfd = open(argv[1], O_RDONLY | O_NONBLOCK);
	if (afd < 0 || wfd < 0 || rfd < 0)
		return fail("open");
	if (fcntl(afd, F_SETOWN, getpid()) || fcntl(afd, F_SETSIG, SIGIO) ||
	    set_async(afd, async))
		return fail("fcntl");

	for (i = 2; i < argc; i++) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		long ms = 0;

		switch (argv[i][0]) {
		case 'w':
			if (write(wfd, "x", 1) != 1)
				return fail("write");
			break;
		case 'z':
			if (write(wfd, "x", 0) != 0)
				return fail("zero-length write");
			break;
		case 'r':
			if (read(rfd, &c, 1) < 0 && errno != EAGAIN)
				return fail("read");
			break;
		case 'p':
			if (poll(&p, 1, 0) < 0)
				return fail("poll");
			break;
		case 'c':
		case 's':
			if (set_async(afd, argv[i][0] == 's'))
				return fail("fcntl O_ASYNC");
			break;
		case 'x':
			if (close(afd))
				return fail("close");
			break;
		case 'W':
			printf("waiting\n");
			ms = 30000;
			break;
		default:
			fprintf(stderr, "unknown OP %s\n", argv[i]);
			return EX_USAGE;
		}
		bad = 0;
		n = collect(&set, afd, ms, &bad);
		printf("%c %d%s\n", argv[i][0], n, bad ? " bad" : "");
	}
	return 0;
}
