// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_picked: make a write pick a sleeping reader (with -r: a read pick a
 * sleeping writer), then signal the one picked before it can run: the window
 * in which a careless exclusive wait would return -ERESTARTSYS and strand the
 * write (or the room) while others sleep.
 *
 *   sleepy_picked [-k] [-r] DEVICE PID_A PID_B
 *
 * PID_A and PID_B are readers of DEVICE asleep in read() (with -r, writers
 * asleep in write() at the bound), A first in the queue; A handles SIGUSR1.
 * This pins A to CPU 1 and parks a SCHED_FIFO spinner there, so once woken A
 * cannot run. From CPU 0 it writes once (-r: reads once, O_NONBLOCK), checks
 * that this woke A (state R) and not B (still S), sends A SIGUSR1 (SIGKILL
 * with -k), and only then frees CPU 1. What A's call returns is for the
 * caller to check.
 * Exits 0 when every step went so, 1 otherwise (saying which), 64 on bad usage.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

/* Below the 950 ms a second that RT throttling leaves to SCHED_FIFO tasks. */
#define SPIN_MS 800

struct shared {
	int spinning; /* the spinner holds CPU 1 */
	int stop; /* the parent is done: free CPU 1 */
	int expired; /* the spinner gave up after SPIN_MS */
};

static int wait_state(pid_t pid, char want, long ms)
{
	long end = now_ms() + ms;

	while (task_state(pid) != want) {
		if (now_ms() > end)
			return -1;
		usleep(1000);
	}
	return 0;
}

/* Hold CPU 1 at real-time priority until told to stop, or SPIN_MS passed. */
static void spin(struct shared *sh)
{
	long end;

	if (pin(0, 1) || run_fifo(50, 0))
		_exit(1);
	end = now_ms() + SPIN_MS;
	__atomic_store_n(&sh->spinning, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
		if (now_ms() > end) {
			__atomic_store_n(&sh->expired, 1, __ATOMIC_SEQ_CST);
			break;
		}
	}
	_exit(0);
}

static int fail(const char *why)
{
	printf("sleepy_picked: %s\n", why);
	return 1;
}

int main(int argc, char **argv)
{
	int sig = SIGUSR1, by_read = 0, fd, opt, ret = 0;
	const char *what = "write";
	struct shared *sh;
	pid_t a, b, spinner;
	char c;

	while ((opt = getopt(argc, argv, "kr")) != -1) {
		switch (opt) {
		case 'k':
			sig = SIGKILL;
			break;
		case 'r':
			by_read = 1;
			what = "read";
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind != argc - 3) {
		fprintf(stderr, "usage: %s [-k] [-r] DEVICE PID_A PID_B\n",
			argv[0]);
		return EX_USAGE;
	}
	a = atoi(argv[optind + 1]);
	b = atoi(argv[optind + 2]);
	fd = open(argv[optind], by_read ? O_RDONLY | O_NONBLOCK : O_WRONLY);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || sh == MAP_FAILED)
		return fail("cannot open the device or map memory");
	if (pin(0, 0) || pin(a, 1))
		return fail("cannot pin this process to CPU 0 and A to CPU 1");
	if (task_state(a) != 'S' || task_state(b) != 'S')
		return fail("A and B are not both asleep to begin with");

	spinner = fork();
	if (spinner < 0)
		return fail("cannot fork");
	if (spinner == 0)
		spin(sh);
	while (!__atomic_load_n(&sh->spinning, __ATOMIC_SEQ_CST)) {
		if (waitpid(spinner, NULL, WNOHANG) == spinner)
			return fail("no SCHED_FIFO spinner on CPU 1");
		usleep(1000);
	}

	if (by_read ? read(fd, &c, 1) != 0 : write(fd, "x", 1) != 1)
		ret = fail(by_read ? "the read failed" : "the write failed");
	else if (wait_state(a, 'R', 5000))
		ret = fail(by_read ? "the read did not wake A" :
				     "the write did not wake A");
	else if (task_state(b) != 'S')
		ret = fail(by_read ? "the read woke B as well as A" :
				     "the write woke B as well as A");
	else if (kill(a, sig))
		ret = fail("cannot signal A");
	else if (__atomic_load_n(&sh->expired, __ATOMIC_SEQ_CST) ||
		 task_state(a) != 'R')
		ret = fail("CPU 1 was freed before A was signalled");

	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	waitpid(spinner, NULL, 0);
	if (!ret)
		printf("the %s woke A, which was signalled before it could run\n",
		       what);
	return ret;
}
