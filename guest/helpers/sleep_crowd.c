// SPDX-License-Identifier: GPL-2.0
/*
 * Queue child openers on /proc/sleep in a known order, for
 * guest/tests/sleep.sh.
 * This process holds the file first; each child is started only once the
 * previous one sleeps in open() (state S, in the openat system call).
 *
 *   sleep_crowd fifo N HOLD_MS
 *	N children queue up, then the file is released. Each child holds it
 *	HOLD_MS ms. Prints "order: I..." (the children in the order they got
 *	the file), "max_holders: N" (most children holding it at once) and
 *	"ctxsw: TOTAL MAX" (voluntary context switches spent in open()).
 *
 *   sleep_crowd race ROUNDS [kill]
 *	Each round, child A (SIGUSR1 handled, no SA_RESTART) then child B
 *	queue up. Even rounds release the file and signal A back to back:
 *	A is picked by the wake-up and must keep the file despite the signal.
 *	Odd rounds signal A, let it fail, then release. A and this process
 *	share CPU 0 and this process runs SCHED_FIFO, so A runs only once
 *	both events happened. B must get the file in every round. Prints
 *	"picked_and_signalled_kept_file: N/M", "signalled_first_got_eintr:
 *	N/M" and "next_sleeper_served: N/ROUNDS". With "kill" the signal is
 *	SIGKILL: A must die in every round ("killed: N/ROUNDS") and B still
 *	get the file.
 *
 *   sleep_crowd stream SLEEPERS NEWCOMERS
 *	SLEEPERS children queue up on CPU 0, in order. This process takes a
 *	copy of the open file from each child that gets it (pidfd_getfd())
 *	and kills the child, so this process, SCHED_FIFO on CPU 0, makes
 *	every last close, and the sleeper
 *	that close picks cannot run until this process waits. Right after
 *	each close it tries an O_NONBLOCK open, then starts a newcomer on
 *	CPU 1 and spins until the newcomer sleeps in open() or has the file,
 *	until NEWCOMERS have come. A child's number is its place in arrival
 *	order. Prints "order: I..." (the children in the order they got the
 *	file), "overtakes: N" (acquisitions made while a child that came
 *	earlier still waited), "nonblocking_took_file: N" (O_NONBLOCK opens
 *	that succeeded right after a close) and "ctxsw: TOTAL MAX".
 *
 * Exit status: 0 the run completed (the test judges the numbers), 1 the
 * run itself failed, 64 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define FILE_PATH "/proc/sleep"
#define REPORT_FD 3 /* children write their report here */
#define WAIT_MS 10000 /* bound on every wait for a child */

/* start_opener() flags */
#define ON_CPU0 1 /* run on CPU 0, with SIGUSR1 handled */
#define PASS_FILE 2 /* keep the file until killed, for pidfd_getfd() */

/* What a child sends once its open() has returned. */
struct report {
	int who; /* fifo: the child's index; race: 'A' or 'B' */
	int err; /* errno of a failed open, else 0 */
	long ctxsw; /* voluntary context switches during open() */
	int holders; /* children holding the file, this one included */
	int signals; /* SIGUSR1 handled by then */
	int fd; /* the child's descriptor of the file */
};

#define MAX_WHO 1000 /* children are numbered below this */

static int signals; /* SIGUSR1 handled so far */
static int *holders; /* shared by every child */
static int *opened; /* opened[who]: that child's open() has succeeded */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&signals, 1, __ATOMIC_RELAXED);
}

/* Is pid sleeping (state S) inside open()? */
static int asleep_in_open(pid_t pid)
{
	char path[64];
	long nr = -1;
	FILE *f;

	if (task_state(pid) != 'S')
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr == SYS_openat || nr == SYS_open;
}

static void wait_asleep(pid_t pid)
{
	int ms;

	for (ms = 0; !asleep_in_open(pid); ms++) {
		if (ms >= WAIT_MS) {
			fprintf(stderr, "child %d never slept in open()\n",
				pid);
			exit(1);
		}
		sleep_ms(1);
	}
}

/* Read one report, or return 0 if none came within WAIT_MS. */
static int get_report(int fd, struct report *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, WAIT_MS) <= 0)
		return 0;
	if (read(fd, r, sizeof(*r)) != sizeof(*r))
		die("read report");
	return 1;
}

/*
 * Child: keep only the report pipe (an inherited descriptor of the file
 * would hold it), open the file, report, hold it hold_ms, close it; with
 * PASS_FILE, wait for the parent to take the file and kill us instead.
 */
static pid_t start_opener(int who, int report_w, long hold_ms, int flags)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct report r = { .who = who, .fd = -1 };
	cpu_set_t cpu0;
	long before;
	pid_t pid;
	int fd;

	pid = fork();
	if (pid)
		return pid;
	if (dup2(report_w, REPORT_FD) < 0)
		die("dup2");
	close_range(REPORT_FD + 1, ~0U, 0);
	if (flags & ON_CPU0) {
		CPU_ZERO(&cpu0);
		CPU_SET(0, &cpu0);
		if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
			die("sched_setaffinity");
		sigaction(SIGUSR1, &sa, NULL);
	}

	before = voluntary_switches();
	fd = open(FILE_PATH, O_RDONLY);
	r.fd = fd;
	r.ctxsw = voluntary_switches() - before;
	r.err = fd < 0 ? errno : 0;
	r.signals = __atomic_load_n(&signals, __ATOMIC_RELAXED);
	if (fd >= 0) {
		r.holders = __atomic_add_fetch(holders, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&opened[who], 1, __ATOMIC_SEQ_CST);
	}
	if (write(REPORT_FD, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	if (fd < 0)
		_exit(0);
	if (flags & PASS_FILE) {
		/* Do not outlive a parent that failed: we hold the file. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		for (;;)
			pause();
	}
	sleep_ms(hold_ms);
	__atomic_sub_fetch(holders, 1, __ATOMIC_SEQ_CST);
	close(fd);
	_exit(0);
}

static int hold_file(void)
{
	int fd = open(FILE_PATH, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		die("holding " FILE_PATH);
	return fd;
}

/* Reap every child; they all end on their own once served. */
static void reap(pid_t *pids, int n)
{
	int i, status;

	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) < 0)
			die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "child %d failed (status %#x)\n",
				pids[i], status);
			exit(1);
		}
	}
}

static int fifo(int n, long hold_ms, int report[2])
{
	pid_t *pids = calloc(n, sizeof(*pids));
	long total = 0, most = 0;
	int i, max_holders = 0;
	struct report r;
	int fd;

	if (!pids)
		die("calloc");
	fd = hold_file();
	for (i = 0; i < n; i++) {
		pids[i] = start_opener(i, report[1], hold_ms, 0);
		wait_asleep(pids[i]);
	}
	close(fd);

	printf("order:");
	for (i = 0; i < n; i++) {
		if (!get_report(report[0], &r)) {
			fprintf(stderr, "\nonly %d of %d openers served\n", i,
				n);
			return 1;
		}
		if (r.err) {
			fprintf(stderr, "\nopener %d: %s\n", r.who,
				strerror(r.err));
			return 1;
		}
		printf(" %d", r.who);
		total += r.ctxsw;
		most = r.ctxsw > most ? r.ctxsw : most;
		max_holders = r.holders > max_holders ? r.holders : max_holders;
	}
	printf("\nmax_holders: %d\nctxsw: %ld %ld\n", max_holders, total, most);
	reap(pids, n);
	free(pids);
	return 0;
}

/*
 * Run SCHED_FIFO on CPU 0: children (back to SCHED_OTHER) pinned there run
 * only while this process waits.
 */
static void fifo_on_cpu0(void)
{
	struct sched_param fifo_prio = { .sched_priority = 1 };
	cpu_set_t cpu0;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0) ||
	    sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &fifo_prio))
		die("SCHED_FIFO on CPU 0");
}

static int race(int rounds, int sig, int report[2])
{
	int kept = 0, eintr = 0, killed = 0, served = 0, round, status;

	fifo_on_cpu0();
	for (round = 0; round < rounds; round++) {
		int fd = hold_file(), picked = round % 2 == 0;
		struct report ra = { 0 }, rb;
		pid_t pids[2];

		pids[0] = start_opener('A', report[1], 0, ON_CPU0);
		wait_asleep(pids[0]);
		pids[1] = start_opener('B', report[1], 0, 0);
		wait_asleep(pids[1]);

		if (picked) {
			/* A cannot run in between: it waits for CPU 0. */
			close(fd);
			kill(pids[0], sig);
		} else {
			kill(pids[0], sig);
		}
		if (sig == SIGKILL) {
			/* A dies before it can report, picked or not. */
			if (waitpid(pids[0], &status, 0) < 0)
				die("waitpid");
			killed += WIFSIGNALED(status) &&
				  WTERMSIG(status) == SIGKILL;
		} else if (!get_report(report[0], &ra) || ra.who != 'A') {
			fprintf(stderr, "round %d: no report from A\n", round);
			return 1;
		}
		if (!picked)
			close(fd);
		rb.err = -1;
		if (get_report(report[0], &rb) && rb.who == 'B' && !rb.err)
			served++;
		kill(pids[1], SIGKILL);
		waitpid(pids[1], NULL, 0);
		waitpid(pids[0], NULL, 0);

		if (sig == SIGKILL)
			printf("round %d: %s: B %s\n", round,
			       picked ? "release, then kill A" :
					"kill A, then release",
			       rb.err ? "not served" : "served");
		else
			printf("round %d: %s: A %s after %d signal(s)\n", round,
			       picked ? "release, then signal" :
					"signal, then release",
			       ra.err ? strerrorname_np(ra.err) :
					"kept the file",
			       ra.signals);
		if (picked)
			kept += !ra.err && ra.signals == 1;
		else
			eintr += ra.err == EINTR && ra.signals == 1;
		if (rb.err) {
			/* A lost wake-up: the file is free, B still asleep. */
			printf("round %d: B was not served\n", round);
			break;
		}
	}
	if (sig == SIGKILL) {
		printf("killed: %d/%d\n", killed, rounds);
	} else {
		printf("picked_and_signalled_kept_file: %d/%d\n", kept,
		       (rounds + 1) / 2);
		printf("signalled_first_got_eintr: %d/%d\n", eintr, rounds / 2);
	}
	printf("next_sleeper_served: %d/%d\n", served, rounds);
	return 0;
}

/*
 * Take a copy of the child's open file, then kill the child: its exit drops
 * its own descriptor, and ours is left the last.
 */
static int take_file(pid_t pid, int child_fd)
{
	int pidfd, fd, status;

	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		die("pidfd_open");
	fd = pidfd_getfd(pidfd, child_fd, 0);
	if (fd < 0)
		die("pidfd_getfd");
	close(pidfd);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		fprintf(stderr, "child %d failed (status %#x)\n", pid, status);
		exit(1);
	}
	return fd;
}

/*
 * Spin until child who (pid) sleeps in open() or has the file. Sleeping
 * here would let the sleeper that the last close picked run on CPU 0.
 */
static void spin_until_queued_or_served(int who, pid_t pid)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!asleep_in_open(pid) &&
	       !__atomic_load_n(&opened[who], __ATOMIC_SEQ_CST)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
			    (now.tv_nsec - start.tv_nsec) / 1000000 >
		    WAIT_MS) {
			fprintf(stderr, "newcomer %d neither slept nor ran\n",
				pid);
			exit(1);
		}
	}
}

static int stream(int sleepers, int newcomers, int report[2])
{
	int n = sleepers + newcomers, started, i, k, fd, nb;
	int overtakes = 0, nonblocking = 0;
	pid_t *pids = calloc(n, sizeof(*pids));
	char *served = calloc(n, 1);
	long total = 0, most = 0;
	struct report r;
	cpu_set_t cpu1;

	if (!pids || !served)
		die("calloc");
	CPU_ZERO(&cpu1);
	CPU_SET(1, &cpu1);
	fifo_on_cpu0();
	fd = hold_file();
	for (started = 0; started < sleepers; started++) {
		pids[started] = start_opener(started, report[1], 0, PASS_FILE);
		wait_asleep(pids[started]);
	}

	printf("order:");
	for (k = 0; k < n; k++) {
		close(fd);
		/* The sleeper the close picked cannot have run yet. */
		nb = open(FILE_PATH, O_RDONLY | O_NONBLOCK);
		if (nb >= 0) {
			nonblocking++;
			close(nb);
		}
		if (started < n) {
			pids[started] =
				start_opener(started, report[1], 0, PASS_FILE);
			if (sched_setaffinity(pids[started], sizeof(cpu1),
					      &cpu1))
				die("newcomer on CPU 1");
			spin_until_queued_or_served(started, pids[started]);
			started++;
		}
		if (!get_report(report[0], &r)) {
			fprintf(stderr, "\nonly %d of %d children served\n", k,
				n);
			return 1;
		}
		if (r.err || r.who < 0 || r.who >= started) {
			fprintf(stderr, "\nchild %d: %s\n", r.who,
				strerror(r.err));
			return 1;
		}
		fd = take_file(pids[r.who], r.fd);
		printf(" %d", r.who);
		for (i = 0; i < r.who; i++)
			if (!served[i])
				break;
		overtakes += i < r.who;
		served[r.who] = 1;
		total += r.ctxsw;
		most = r.ctxsw > most ? r.ctxsw : most;
	}
	close(fd);
	printf("\novertakes: %d\nnonblocking_took_file: %d\nctxsw: %ld %ld\n",
	       overtakes, nonblocking, total, most);
	free(served);
	free(pids);
	return 0;
}

int main(int argc, char *argv[])
{
	int report[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	holders = mmap(NULL, (MAX_WHO + 1) * sizeof(*holders),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		       0);
	if (holders == MAP_FAILED)
		die("mmap");
	opened = holders + 1;
	if (pipe(report))
		die("pipe");

	if (argc == 4 && !strcmp(argv[1], "fifo") && atoi(argv[2]) > 0 &&
	    atoi(argv[2]) < MAX_WHO)
		return fifo(atoi(argv[2]), atol(argv[3]), report);
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "kill"))) &&
	    !strcmp(argv[1], "race") && atoi(argv[2]) > 0)
		return race(atoi(argv[2]), argc == 4 ? SIGKILL : SIGUSR1,
			    report);
	if (argc == 4 && !strcmp(argv[1], "stream") && atoi(argv[2]) > 0 &&
	    atoi(argv[3]) >= 0 && atoi(argv[2]) + atoi(argv[3]) < MAX_WHO)
		return stream(atoi(argv[2]), atoi(argv[3]), report);
	fprintf(stderr,
		"usage: %s fifo N HOLD_MS | race ROUNDS [kill] | stream SLEEPERS NEWCOMERS\n",
		argv[0]);
	return EX_USAGE;
}
