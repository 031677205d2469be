// SPDX-License-Identifier: GPL-2.0
/*
 * Hold a write lease on FILE (fcntl(F_SETLEASE, F_WRLCK)) until killed.
 * While it is held, another process's open() of FILE starts to break it
 * and, with O_NONBLOCK, fails at once with EWOULDBLOCK (EAGAIN): a second
 * open() that would block, besides a driver's such as /proc/sleep's. The
 * holder ignores the break's SIGIO and keeps the lease until the kernel
 * takes it back (/proc/sys/fs/lease-break-time, 45 s) or it is killed.
 *
 *   lease FILE     prints "held" once the lease is taken
 *
 * Exit status: 1 the lease was refused (errno printed), 64 usage.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return EX_USAGE;
	}
	signal(SIGIO, SIG_IGN);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_WRLCK) < 0) {
		perror(argv[1]);
		return 1;
	}
	puts("held");
	fflush(stdout);
	for (;;)
		pause();
}
