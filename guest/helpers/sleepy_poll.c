// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_poll: ask poll(2), select(2) with -s, or epoll_wait(2) with -e
 * (-x: epoll with EPOLLEXCLUSIVE) whether DEVICE is readable and writable,
 * waiting at most MS milliseconds. -E asks edge-triggered epoll (EPOLLET)
 * twice in a row, each waiting at most MS: the second reports only a new
 * event.
 *
 *   sleepy_poll [-s | -e | -x | -E] [-i | -o] DEVICE MS
 *
 * -i asks about input only, -o about output only. Without either the call
 * returns as soon as the device is readable or writable.
 * Prints the events poll or epoll reported (IN RDNORM OUT WRNORM, then any of
 * ERR HUP NVAL PRI), or the sets select reported (read write), or "timeout".
 * Exits 0 when the call succeeded, 1 when it failed, 64 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sysexits.h>
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

static void print_events(unsigned int revents)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		if (revents & (unsigned short)events[i].bit) {
			printf("%s%s", sep, events[i].name);
			sep = " ";
		}
	}
	printf("\n");
}

/* What to ask about: IN for input, OUT for output, both by default. */
enum { IN = 1, OUT = 2 };

static int by_poll(int fd, int ask, int ms)
{
	struct pollfd p = { .fd = fd };
	int n;

	if (ask & IN)
		p.events |= POLLIN | POLLRDNORM;
	if (ask & OUT)
		p.events |= POLLOUT | POLLWRNORM;
	n = poll(&p, 1, ms);
	if (n > 0)
		print_events((unsigned short)p.revents);
	return n;
}

/*
 * EPOLLEXCLUSIVE takes EPOLLIN and EPOLLOUT, not their RDNORM/WRNORM twins.
 * flags is EPOLLEXCLUSIVE or EPOLLET, if any; epoll_wait() is called waits
 * times, or until one times out.
 */
static int by_epoll(int fd, int ask, unsigned int flags, int waits, int ms)
{
	struct epoll_event ev = { .events = flags };
	int ep, n;

	if (ask & IN)
		ev.events |= EPOLLIN;
	if (ask & OUT)
		ev.events |= EPOLLOUT;
	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	for (n = 0; waits > 0; waits--) {
		n = epoll_wait(ep, &ev, 1, ms);
		if (n <= 0)
			break;
		print_events(ev.events);
	}
	close(ep);
	return n;
}

static int by_select(int fd, int ask, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = ms % 1000 * 1000 };
	fd_set r, w;
	int n;

	FD_ZERO(&r);
	FD_ZERO(&w);
	if (ask & IN)
		FD_SET(fd, &r);
	if (ask & OUT)
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
	int how = 'p', ask = IN | OUT;
	int fd, opt, ms, n;

	while ((opt = getopt(argc, argv, "sexEio")) != -1) {
		switch (opt) {
		case 's':
		case 'e':
		case 'x':
		case 'E':
			how = opt;
			break;
		case 'i':
			ask = IN;
			break;
		case 'o':
			ask = OUT;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr,
			"usage: %s [-s | -e | -x | -E] [-i | -o] DEVICE MS\n",
			argv[0]);
		return EX_USAGE;
	}

	fd = open(argv[optind], O_RDWR);
	if (fd < 0) {
		printf("open %s\n", strerrorname_np(errno));
		return 1;
	}
	ms = atoi(argv[optind + 1]);
	/* Each report is seen as it is made. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (how == 's')
		n = by_select(fd, ask, ms);
	else if (how == 'p')
		n = by_poll(fd, ask, ms);
	else if (how == 'E')
		n = by_epoll(fd, ask, EPOLLET, 2, ms);
	else
		n = by_epoll(fd, ask, how == 'x' ? EPOLLEXCLUSIVE : 0, 1, ms);
	if (n < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	if (n == 0)
		printf("timeout\n");
	return 0;
}
