// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_poll: ask poll(2), or select(2) with -s, whether DEVICE is readable
 * and writable, waiting at most MS milliseconds.
 *
 *   sleepy_poll [-s] [-i] DEVICE MS
 *
 * -i asks about input only: writability is always reported, so without -i
 * the call never waits.
 * Prints the events poll reported (IN RDNORM OUT WRNORM, then any of ERR HUP
 * NVAL PRI), or the sets select reported (read write), or "timeout".
 * Exits 0 when the call succeeded, 1 when it failed, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	short bit;
	const char *name;
} events[] = {
	{ POLLIN, "IN" },	  { POLLRDNORM, "RDNORM" }, { POLLOUT, "OUT" },
	{ POLLWRNORM, "WRNORM" }, { POLLERR, "ERR" },	    { POLLHUP, "HUP" },
	{ POLLNVAL, "NVAL" },	  { POLLPRI, "PRI" },
};

static int by_poll(int fd, int input_only, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDNORM };
	const char *sep = "";
	size_t i;
	int n;

	if (!input_only)
		p.events |= POLLOUT | POLLWRNORM;
	n = poll(&p, 1, ms);
	if (n <= 0)
		return n;
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		if (p.revents & events[i].bit) {
			printf("%s%s", sep, events[i].name);
			sep = " ";
		}
	}
	printf("\n");
	return n;
}

static int by_select(int fd, int input_only, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = ms % 1000 * 1000 };
	fd_set r, w;
	int n;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	if (!input_only)
		FD_SET(fd, &w);
	n = select(fd + 1, &r, &w, NULL, &tv);
	if (n <= 0)
		return n;
	if (FD_ISSET(fd, &r) && FD_ISSET(fd, &w))
		printf("read write\n");
	else
		printf("%s\n", FD_ISSET(fd, &r) ? "read" : "write");
	return n;
}

int main(int argc, char **argv)
{
	int use_select = 0, input_only = 0;
	int fd, opt, n;

	while ((opt = getopt(argc, argv, "si")) != -1) {
		switch (opt) {
		case 's':
			use_select = 1;
			break;
		case 'i':
			input_only = 1;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "usage: %s [-s] [-i] DEVICE MS\n", argv[0]);
		return 2;
	}

	fd = open(argv[optind], O_RDWR);
	if (fd < 0) {
		printf("open %s\n", strerrorname_np(errno));
		return 1;
	}
	if (use_select)
		n = by_select(fd, input_only, atoi(argv[optind + 1]));
	else
		n = by_poll(fd, input_only, atoi(argv[optind + 1]));
	if (n < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	if (n == 0)
		printf("timeout\n");
	return 0;
}
