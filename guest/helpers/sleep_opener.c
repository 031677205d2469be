// SPDX-License-Identifier: GPL-2.0
/*
 * One opener of /proc/sleep (or FILE) for guest/tests/sleep.sh: open it, report
 * the result, optionally read, write or hold it, then close it.
 *
 *   sleep_opener [-u ID] [-P CPU] [-n] [-s] [-R] [-r] [-w TEXT | -F N] [-H MS] FILE
 *     -u ID    first become user and group ID, with no other groups
 *     -P CPU   run on CPU alone, as SCHED_FIFO: a task woken there waits
 *              until this one sleeps, however the host runs the vCPUs
 *     -n       open with O_NONBLOCK
 *     -s       with -n: open again at once while it fails with EAGAIN,
 *              never sleeping, until it succeeds (a running newcomer);
 *              it yields between tries to tasks of its own priority
 *     -R       install the SIGUSR1 handler with SA_RESTART
 *     -r       read to the end, lseek to 0 and read to the end again
 *     -w TEXT  open write-only and write TEXT with a single write()
 *     -F N     open write-only and write N bytes with a single write() from
 *              an address with no page behind it, as a buggy program would
 *     -H MS    hold the file MS ms before closing; -1 holds until killed
 *
 * SIGUSR1 has a handler, installed without SA_RESTART unless -R, so a
 * handled signal interrupts a sleeping open() (or restarts it). Each result
 * is one line on stdout, written at once so a test can poll for it:
 * "open: ok" or "open: EINTR" (the errno name), "ctxsw: N" (voluntary
 * context switches during the open), "signals: N" (SIGUSR1 handled so far),
 * then "read: ..." or "write: N|ERRNO".
 * Exit status: 0 if every step succeeded, 1 if one failed, 64 for usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

static int signals; /* SIGUSR1 handled so far */

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&signals, 1, __ATOMIC_RELAXED);
}

/* Print everything read from fd until end of file, as one "read:" line. */
static int read_all(int fd)
{
	char buf[256];
	ssize_t n;

	printf("read: ");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	if (n < 0)
		printf("%s\n", strerrorname_np(errno));
	fflush(stdout);
	return n < 0;
}

/* Sleep ms milliseconds, resuming after handled signals; -1 is forever. */
static void hold(long ms)
{
	if (ms < 0)
		for (;;)
			pause();
	sleep_ms(ms);
}

/*
 * open() PATH; with spin and O_NONBLOCK, again at once while it fails with
 * EAGAIN. Each retry first yields, which lets only tasks of the same
 * real-time priority run (a woken normal task still waits): on PREEMPT_RT
 * the kernel threads that fire a CPU's timers and run its RCU callbacks
 * (ktimers/N, rcuc/N) are SCHED_FIFO priority 1 too, and a spinner that never
 * yields starves them; a normal task's sleep timed on that CPU never ends,
 * and the task that would free the file may be the one waiting for it.
 */
static int spin_open(const char *path, int flags, int spin)
{
	int fd;

	while ((fd = open(path, flags)) < 0 && errno == EAGAIN && spin &&
	       (flags & O_NONBLOCK))
		sched_yield();
	return fd;
}

/* Run on CPU only, as SCHED_FIFO priority 1. */
static int fifo_on(int cpu)
{
	if (pin(0, cpu) || run_fifo(1, 0)) {
		perror("-P");
		return -1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	int flags = O_RDONLY, reread = 0, failed = 0, spin = 0, opt, fd, id;
	const char *text = NULL;
	size_t len = 0;
	long before, hold_ms = 0;

	while ((opt = getopt(argc, argv, "u:P:nsRrw:F:H:")) != -1) {
		switch (opt) {
		case 'P':
			if (fifo_on(atoi(optarg)))
				return 1;
			break;
		case 'u':
			id = atoi(optarg);
			if (become(id, id)) {
				perror("-u");
				return 1;
			}
			break;
		case 'n':
			flags |= O_NONBLOCK;
			break;
		case 's':
			spin = 1;
			break;
		case 'R':
			sa.sa_flags = SA_RESTART;
			break;
		case 'r':
			reread = 1;
			break;
		case 'w':
			text = optarg;
			len = strlen(text);
			flags = (flags & ~O_ACCMODE) | O_WRONLY;
			break;
		case 'F':
			/* A page mapped with no access: the kernel cannot read it. */
			text = mmap(NULL, 4096, PROT_NONE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (text == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
			len = strtoul(optarg, NULL, 0);
			flags = (flags & ~O_ACCMODE) | O_WRONLY;
			break;
		case 'H':
			hold_ms = atol(optarg);
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr,
			"usage: %s [-u ID] [-P CPU] [-n] [-s] [-R] [-r] [-w TEXT | -F N] [-H MS] FILE\n",
			argv[0]);
		return EX_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* An inherited descriptor of the file would hold it for us. */
	close_range(3, ~0U, 0);
	sigaction(SIGUSR1, &sa, NULL);

	before = voluntary_switches();
	fd = spin_open(argv[optind], flags, spin);
	printf("open: %s\n", fd < 0 ? strerrorname_np(errno) : "ok");
	printf("ctxsw: %ld\n", voluntary_switches() - before);
	printf("signals: %d\n", __atomic_load_n(&signals, __ATOMIC_RELAXED));
	if (fd < 0)
		return 1;

	if (reread) {
		failed |= read_all(fd);
		if (lseek(fd, 0, SEEK_SET) != 0) {
			printf("lseek: %s\n", strerrorname_np(errno));
			failed = 1;
		}
		failed |= read_all(fd);
	}
	if (text) {
		ssize_t n = write(fd, text, len);

		if (n < 0)
			printf("write: %s\n", strerrorname_np(errno));
		else
			printf("write: %zd\n", n);
		failed |= n != (ssize_t)len;
	}
	hold(hold_ms);
	close(fd);
	return failed;
}
