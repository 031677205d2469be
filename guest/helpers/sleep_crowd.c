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
 *   sleep_crowd handoff SLEEPERS NEWCOMERS run|nonblock|starve
 *	For rule=handoff. SLEEPERS children queue up on CPU 0, below this
 *	process (SCHED_FIFO on CPU 0), which holds the file first. Then,
 *	round after round, this process starts a newcomer on CPU 1, held
 *	just before its open(), closes the file and lets the newcomer open,
 *	spinning until it has the file or sleeps in open(): the longest
 *	sleeper, woken by the close, cannot run meanwhile, as long as this
 *	process does not sleep between the close and the newcomer's open.
 *	run: then this process sleeps until every child sleeps, so that the
 *	longest sleeper runs, and takes the file from whoever got it
 *	(pidfd_getfd()) for the next close. nonblock: the same with
 *	O_NONBLOCK newcomers, which never sleep. starve: a newcomer that got
 *	the file is killed once the next one is ready, its exit closing it,
 *	without sleeping: the longest sleeper never runs until it is handed
 *	the file. Prints "order: I...", "sleepers_passed_over_first:
 *	N..." (for each of the first SLEEPERS children, the acquisitions by
 *	later arrivals while it was the longest sleeper), the same for every
 *	child ("passed_over_first"), "most_passed_over: N" (the most
 *	acquisitions by later arrivals while any one child waited), "steals:
 *	N" (acquisitions that passed someone over), for nonblock
 *	"nonblocking_took_file: N", "nonblocking_eagain: N" and
 *	"nonblocking_eagain_ctxsw: MAX", "ctxsw: TOTAL MAX", and
 *	"crowd_slept: N" (rounds in which this process slept all the same
 *	between a close and the newcomer settling: the woken sleeper could
 *	run then, and may have taken the file first).
 *
 *   sleep_crowd lost ROUNDS [kill]
 *	For rule=handoff. Each round, A (SIGUSR1 handled, no SA_RESTART) then
 *	B queue up on CPU 0 below this process; the close frees the file for
 *	A, newcomer N (CPU 1) takes it first, and A runs, finds it taken and
 *	sleeps again. Even rounds close N's file, which hands it to A, and
 *	signal A at once: A must keep the file. Odd rounds signal A, let it
 *	leave, then close N's file: B must be handed it, so that newcomer M,
 *	started right after, sleeps. Prints a line per round,
 *	"handed_and_signalled_kept_file: N/M", "lost_and_signalled_got_eintr:
 *	N/M" (with kill: "killed: N/ROUNDS"), "hand_off_passed_to_next: N/M"
 *	(odd rounds where M slept) and "next_sleeper_served: N/ROUNDS" (B got
 *	the file, before M). A round in which A ran before N came is set up
 *	again, at most 3 times a run, with a line that says so.
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
#define MAX_RESTARTS 3 /* lost: rounds set up again, at most */

/* start_opener() flags */
#define ON_CPU0 1 /* run on CPU 0, with SIGUSR1 handled */
#define PASS_FILE 2 /* keep the file until killed, for pidfd_getfd() */
#define NONBLOCK 4 /* open with O_NONBLOCK */
#define AT_GO 8 /* set ready[who], then spin until go[who] before open() */

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
static int *ready; /* ready[who]: that AT_GO child waits for go[who] */
static int *go; /* go[who]: that AT_GO child may open */

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
 * With AT_GO, say so once ready and spin until the parent says go before
 * open(): the parent then has nothing left to do that could sleep.
 */
static pid_t start_opener(int who, int report_w, long hold_ms, int flags)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct report r = { .who = who, .fd = -1 };
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
		if (pin(0, 0))
			die("sched_setaffinity");
		sigaction(SIGUSR1, &sa, NULL);
	}

	before = voluntary_switches();
	if (flags & AT_GO) {
		long deadline = now_ms() + WAIT_MS;

		__atomic_store_n(&ready[who], 1, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&go[who], __ATOMIC_SEQ_CST))
			if (now_ms() > deadline)
				_exit(1);
	}
	fd = open(FILE_PATH, O_RDONLY | (flags & NONBLOCK ? O_NONBLOCK : 0));
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

static const char *rt_runtime = "/proc/sys/kernel/sched_rt_runtime_us";
static char rt_runtime_was[32];

static void write_rt_runtime(const char *value)
{
	FILE *f = fopen(rt_runtime, "w");

	if (f) {
		fputs(value, f);
		fclose(f);
	}
}

static void restore_rt_runtime(void)
{
	write_rt_runtime(rt_runtime_was);
}

/*
 * SCHED_FIFO tasks may use 95% of each second; then the CPU is given to
 * the others for the rest of it, and CPU 0's sleepers would run. Lift the
 * limit for this run.
 */
static void no_rt_throttling(void)
{
	FILE *f = fopen(rt_runtime, "r");

	if (!f || !fgets(rt_runtime_was, sizeof(rt_runtime_was), f))
		die(rt_runtime);
	fclose(f);
	atexit(restore_rt_runtime);
	write_rt_runtime("-1");
}

/*
 * Run SCHED_FIFO on CPU 0: children (back to SCHED_OTHER) pinned there run
 * only while this process waits, never while it spins, however long a spin
 * takes (no RT throttling).
 */
static void fifo_on_cpu0(void)
{
	if (pin(0, 0) || run_fifo(1, SCHED_RESET_ON_FORK))
		die("SCHED_FIFO on CPU 0");
	no_rt_throttling();
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

	if (!pids || !served)
		die("calloc");
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
			if (pin(pids[started], 1))
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

/* ---- The handoff rule (rule=handoff): newcomers pass sleepers over. ---- */

enum newcomer_kind { RUN, NONBLOCKING, STARVE };

/* A run's children, numbered in arrival order. */
struct crowd {
	int n, started, done;
	pid_t *pids;
	char *waiting; /* started, not yet served, not gone */
	char *reaped;
	int *passed_first; /* passed over while it was the longest sleeper */
	int *passed; /* passed over in all */
	int steals; /* acquisitions that passed someone over */
	long ctxsw_total, ctxsw_most;
};

static void crowd_init(struct crowd *c, int n)
{
	c->n = n;
	c->started = 0;
	c->done = 0;
	c->steals = 0;
	c->ctxsw_total = 0;
	c->ctxsw_most = 0;
	c->pids = calloc(n, sizeof(*c->pids));
	c->waiting = calloc(n, 1);
	c->reaped = calloc(n, 1);
	c->passed_first = calloc(n, sizeof(int));
	c->passed = calloc(n, sizeof(int));
	if (!c->pids || !c->waiting || !c->reaped || !c->passed_first ||
	    !c->passed)
		die("calloc");
}

/* Child who got the file: every earlier arrival still waiting is passed over. */
static void crowd_served(struct crowd *c, const struct report *r)
{
	int v, first = -1;

	for (v = 0; v < r->who; v++) {
		if (!c->waiting[v])
			continue;
		if (first < 0)
			first = v;
		c->passed[v]++;
	}
	if (first >= 0) {
		c->passed_first[first]++;
		c->steals++;
	}
	c->waiting[r->who] = 0;
	c->done++;
	c->ctxsw_total += r->ctxsw;
	if (r->ctxsw > c->ctxsw_most)
		c->ctxsw_most = r->ctxsw;
	printf(" %d", r->who);
}

/* Wait until child who has exited, and reap it: its exit status. */
static int crowd_reap(struct crowd *c, int who)
{
	int status;

	if (waitpid(c->pids[who], &status, 0) < 0)
		die("waitpid");
	c->reaped[who] = 1;
	return status;
}

/*
 * Wait, sleeping, until every child alive sleeps (state S: in open(), or
 * in pause() holding the file) or is a zombie: until nothing more happens
 * without us. Our sleeps let the children on CPU 0 run.
 */
static void crowd_settle(struct crowd *c)
{
	long deadline = now_ms() + WAIT_MS;
	int i;

	for (i = 0; i < c->started;) {
		char state = c->reaped[i] ? 'Z' : task_state(c->pids[i]);

		if (state == 'S' || state == 'Z' || state == '?') {
			i++;
			continue;
		}
		if (now_ms() > deadline) {
			fprintf(stderr, "\nchild %d never settled (state %c)\n",
				i, state);
			exit(1);
		}
		sleep_ms(1);
		i = 0;
	}
}

/* A report that is there now, without waiting: 1, else 0. */
static int report_now(int fd, struct report *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (read(fd, r, sizeof(*r)) != sizeof(*r))
		die("read report");
	return 1;
}

/* The scheduler state in an open /proc/PID/stat, read again: no lookup. */
static char state_at(int statfd)
{
	char buf[512];
	ssize_t n = pread(statfd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return '?';
	buf[n] = '\0';
	return stat_state(buf);
}

/*
 * Start newcomer who on CPU 1, held before its open() until go[who]: the
 * fork, the move to CPU 1 and the lookup of its /proc/PID/stat, any of
 * which may sleep, happen here, while the file is still held and a sleep
 * lets nobody take it. Its stat file's descriptor, for state_at().
 */
static int newcomer_at_go(struct crowd *c, int who, int report_w, int flags)
{
	long deadline = now_ms() + WAIT_MS;
	char path[64];
	int statfd;

	c->pids[who] = start_opener(who, report_w, 0, flags | AT_GO);
	c->waiting[who] = 1;
	if (pin(c->pids[who], 1))
		die("newcomer on CPU 1");
	snprintf(path, sizeof(path), "/proc/%d/stat", c->pids[who]);
	statfd = open(path, O_RDONLY | O_CLOEXEC);
	if (statfd < 0)
		die(path);
	while (!__atomic_load_n(&ready[who], __ATOMIC_SEQ_CST)) {
		if (now_ms() > deadline) {
			fprintf(stderr, "\nnewcomer %d never got ready\n", who);
			exit(1);
		}
	}
	/* The first read allocates the file's buffer: not in the window. */
	if (state_at(statfd) == '?')
		die(path);
	return statfd;
}

/*
 * Let newcomer who open, then spin (never sleep: CPU 0's sleepers must not
 * run) until it has the file, sleeps in open() or, if it opened with
 * O_NONBLOCK and failed, has exited (then it is reaped). Held before
 * open() until now, it sleeps nowhere else. Nothing here sleeps: no fork,
 * no path lookup, no /proc/PID/syscall (which waits for a task that is
 * about to sleep to be off its CPU). An O_NONBLOCK newcomer never sleeps,
 * and its /proc files are left alone while it counts its own context
 * switches: reading them takes locks its count takes too, and on
 * PREEMPT_RT waiting for those is a voluntary switch.
 */
static void spin_until_newcomer_settled(struct crowd *c, int who, int statfd,
					int nonblock)
{
	long deadline = now_ms() + WAIT_MS;
	int status;

	__atomic_store_n(&go[who], 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&opened[who], __ATOMIC_SEQ_CST) &&
	       (nonblock || state_at(statfd) != 'S')) {
		if (waitpid(c->pids[who], &status, WNOHANG) == c->pids[who]) {
			c->reaped[who] = 1;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "\nnewcomer %d failed\n", who);
				exit(1);
			}
			return;
		}
		if (now_ms() > deadline) {
			fprintf(stderr, "\nnewcomer %d %s\n", who,
				!nonblock ? "neither slept nor ran" :
				state_at(statfd) == 'S' ?
					    "sleeps in an O_NONBLOCK open()" :
					    "never left its O_NONBLOCK open()");
			exit(1);
		}
	}
}

/* Spin until child who's report is there: 1, or 0 after WAIT_MS. */
static int spin_for_report(int fd, int who, struct report *r)
{
	long deadline = now_ms() + WAIT_MS;

	while (now_ms() < deadline)
		if (report_now(fd, r))
			return r->who == who;
	return 0;
}

/* Kill child who, spinning until it is gone: its exit closes its file. */
static void spin_kill(struct crowd *c, int who)
{
	long deadline = now_ms() + WAIT_MS;
	int status;

	kill(c->pids[who], SIGKILL);
	while (waitpid(c->pids[who], &status, WNOHANG) != c->pids[who]) {
		if (now_ms() > deadline) {
			fprintf(stderr, "\nchild %d never died\n", who);
			exit(1);
		}
	}
	c->reaped[who] = 1;
}

static int handoff(int sleepers, int newcomers, enum newcomer_kind kind,
		   int report[2])
{
	int fd, i, who, flags, nb_took = 0, nb_eagain = 0, holder, statfd;
	int starved = -1, slept = 0;
	long nb_eagain_ctxsw = 0, before;
	struct report r, got;
	struct crowd c;

	crowd_init(&c, sleepers + newcomers);
	fifo_on_cpu0();
	/*
	 * Every page of ours in memory and mapped now: a fault on a page of
	 * our program in the window may wait for its lock, which a newcomer
	 * faulting in the same page (a fork shares them) holds.
	 */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		die("mlockall");
	fd = hold_file();
	for (; c.started < sleepers; c.started++) {
		c.pids[c.started] = start_opener(c.started, report[1], 0,
						 ON_CPU0 | PASS_FILE);
		c.waiting[c.started] = 1;
		wait_asleep(c.pids[c.started]);
	}

	printf("order:");
	flags = kind == NONBLOCKING ? PASS_FILE | NONBLOCK : PASS_FILE;
	while (c.done < c.n) {
		who = -1;
		statfd = -1;
		if (c.started < c.n) {
			who = c.started++;
			statfd = newcomer_at_go(&c, who, report[1], flags);
		}
		/*
		 * Free the file: our close, or the exit of the newcomer that
		 * took it last round. The longest sleeper, woken or handed
		 * the file, cannot run until we sleep, and from here until
		 * the newcomer has settled we must not: count the rounds in
		 * which we did, for the test to see.
		 */
		before = voluntary_switches();
		if (fd >= 0)
			close(fd);
		fd = -1;
		if (starved >= 0)
			spin_kill(&c, starved);
		starved = -1;
		if (who >= 0) {
			spin_until_newcomer_settled(&c, who, statfd,
						    kind == NONBLOCKING);
			slept += voluntary_switches() != before;
			close(statfd);
			if (kind == STARVE && opened[who]) {
				/*
				 * It took the file: the next round kills it,
				 * its exit closes it, and the longest sleeper
				 * still has not run.
				 */
				if (!spin_for_report(report[0], who, &r) ||
				    r.err) {
					fprintf(stderr, "\nno report from %d\n",
						who);
					return 1;
				}
				crowd_served(&c, &r);
				starved = who;
				continue;
			}
		}
		crowd_settle(&c);
		holder = -1;
		while (report_now(report[0], &r)) {
			if (r.who < 0 || r.who >= c.started) {
				fprintf(stderr, "\nreport from %d\n", r.who);
				return 1;
			}
			if (r.err == EAGAIN && kind == NONBLOCKING) {
				nb_eagain++;
				if (r.ctxsw > nb_eagain_ctxsw)
					nb_eagain_ctxsw = r.ctxsw;
				c.waiting[r.who] = 0;
				c.done++;
				if (!c.reaped[r.who])
					crowd_reap(&c, r.who);
				continue;
			}
			if (r.err || holder >= 0) {
				fprintf(stderr, "\nchild %d: %s%s\n", r.who,
					strerror(r.err),
					holder >= 0 ? ", a second holder" : "");
				return 1;
			}
			holder = r.who;
			got = r;
		}
		if (holder < 0) {
			if (c.done == c.n)
				break;
			fprintf(stderr,
				"\nnobody got the file (%d of %d done)\n",
				c.done, c.n);
			return 1;
		}
		nb_took += kind == NONBLOCKING && holder >= sleepers;
		crowd_served(&c, &got);
		fd = take_file(c.pids[holder], got.fd);
		c.reaped[holder] = 1;
	}
	if (fd >= 0)
		close(fd);
	if (starved >= 0)
		spin_kill(&c, starved);
	printf("\nsleepers_passed_over_first:");
	for (i = 0; i < sleepers; i++)
		printf(" %d", c.passed_first[i]);
	printf("\npassed_over_first:");
	for (i = 0; i < c.n; i++)
		printf(" %d", c.passed_first[i]);
	printf("\nmost_passed_over: ");
	for (i = 0, who = 0; i < c.n; i++)
		who = c.passed[i] > who ? c.passed[i] : who;
	printf("%d\nsteals: %d\n", who, c.steals);
	if (kind == NONBLOCKING)
		printf("nonblocking_took_file: %d\nnonblocking_eagain: %d\n"
		       "nonblocking_eagain_ctxsw: %ld\n",
		       nb_took, nb_eagain, nb_eagain_ctxsw);
	printf("ctxsw: %ld %ld\n", c.ctxsw_total, c.ctxsw_most);
	printf("crowd_slept: %d\n", slept);
	return 0;
}

/* Spin until child who has the file or sleeps in open(): 1 if it has it. */
static int spin_until_taken_or_asleep(int who, pid_t pid)
{
	spin_until_queued_or_served(who, pid);
	return __atomic_load_n(&opened[who], __ATOMIC_SEQ_CST);
}

/*
 * Wait, sleeping, until child pid has run and gone back to sleep in
 * open(): more voluntary switches than before.
 */
static int wait_slept_again(pid_t pid, long before)
{
	long deadline = now_ms() + WAIT_MS;

	while (task_voluntary_switches(pid) <= before || !asleep_in_open(pid)) {
		if (now_ms() > deadline)
			return 0;
		sleep_ms(1);
	}
	return 1;
}

/*
 * CPU time task pid has used so far, in ns, from /proc/PID/schedstat; -1
 * if the kernel does not count it.
 */
static long long task_runtime_ns(pid_t pid)
{
	long long ns = -1;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &ns) != 1 || ns == 0)
		ns = -1;
	fclose(f);
	return ns;
}

/*
 * Each round: A then B (CPU 0, below this SCHED_FIFO process) queue up,
 * the file is freed for A, newcomer N (CPU 1) takes it, A runs, loses
 * and asks for the next close. Even rounds: N's file is closed, which
 * hands it to A, and A is signalled at once: A must keep it (or die).
 * Odd rounds: A is signalled first and leaves, then N's file is closed:
 * B, now the longest sleeper, must be handed it, so that newcomer M,
 * started right after the close, sleeps. B must be served before M in
 * every round. A round in which A ran on CPU 0 before N could come (the
 * kernel ran it while this process spun: its CPU time grew) tested
 * nothing: it is started again, at most MAX_RESTARTS times a run. A that
 * never ran while N slept means the module kept the free file from N.
 */
static int lost(int rounds, int sig, int report[2])
{
	int kept = 0, eintr = 0, killed = 0, passed_on = 0, served = 0;
	int round, status, ok = 1, restarts = 0, n_took;
	long long a_runtime;

	fifo_on_cpu0();
	for (round = 0; round < rounds && ok; round++) {
		int fd = hold_file(), nfd, handed_first = round % 2 == 0;
		struct report ra = { .err = -1 }, rb = { .err = -1 }, rn, rm;
		const char *a_got;
		pid_t a, b, n, m;
		long before;
		int m_slept;

		memset(opened, 0, MAX_WHO * sizeof(*opened));
		a = start_opener('A', report[1], 0, ON_CPU0);
		wait_asleep(a);
		b = start_opener('B', report[1], 0, ON_CPU0);
		wait_asleep(b);
		before = task_voluntary_switches(a);
		a_runtime = task_runtime_ns(a);
		close(fd);
		/* Freed for A, which cannot run: N takes it. */
		n = start_opener('N', report[1], 0, PASS_FILE);
		if (pin(n, 1))
			die("N on CPU 1");
		n_took = spin_until_taken_or_asleep('N', n);
		if (task_runtime_ns(a) > a_runtime) {
			/* A ran before N came: this round tests nothing. */
			kill(n, SIGKILL);
			kill(a, SIGKILL);
			kill(b, SIGKILL);
			waitpid(n, NULL, 0);
			waitpid(a, NULL, 0);
			waitpid(b, NULL, 0);
			while (report_now(report[0], &rn))
				;
			printf("round %d: A ran before N came%s\n", round,
			       restarts < MAX_RESTARTS ? ": again" : "");
			if (restarts++ < MAX_RESTARTS) {
				round--;
				continue;
			}
			ok = 0;
			break;
		}
		if (!n_took) {
			printf("round %d: newcomer N did not take the free file\n",
			       round);
			ok = 0;
			kill(n, SIGKILL);
			kill(a, SIGKILL);
			kill(b, SIGKILL);
			waitpid(n, NULL, 0);
			waitpid(a, NULL, 0);
			waitpid(b, NULL, 0);
			break;
		}
		/* A runs, finds the file taken, and sleeps again. */
		if (!get_report(report[0], &rn) || rn.who != 'N' ||
		    !wait_slept_again(a, before)) {
			fprintf(stderr,
				"round %d: A never found the file taken\n",
				round);
			return 1;
		}
		if (!handed_first) {
			kill(a, sig);
			if (sig == SIGKILL) {
				waitpid(a, &status, 0);
				killed += WIFSIGNALED(status) &&
					  WTERMSIG(status) == SIGKILL;
			} else if (!get_report(report[0], &ra) ||
				   ra.who != 'A') {
				fprintf(stderr, "round %d: no report from A\n",
					round);
				return 1;
			}
		}
		nfd = take_file(n, rn.fd);
		close(nfd);
		/* Handed on: to A (even rounds) or to B (odd). */
		if (handed_first)
			kill(a, sig);
		m = start_opener('M', report[1], 0, PASS_FILE);
		if (pin(m, 1))
			die("M on CPU 1");
		m_slept = !spin_until_taken_or_asleep('M', m);
		if (handed_first) {
			if (sig == SIGKILL) {
				waitpid(a, &status, 0);
				killed += WIFSIGNALED(status) &&
					  WTERMSIG(status) == SIGKILL;
			} else if (!get_report(report[0], &ra) ||
				   ra.who != 'A') {
				fprintf(stderr, "round %d: no report from A\n",
					round);
				return 1;
			}
		}
		/* B, then M: who got the file first. */
		rm.who = 0;
		if (get_report(report[0], &rb) && rb.who == 'M') {
			rm = rb;
			rb.who = 0;
			get_report(report[0], &rb);
		}
		if (rb.who != 'B' || rb.err) {
			printf("round %d: B was not served\n", round);
			ok = 0;
		}
		served += rb.who == 'B' && !rb.err && rm.who != 'M';
		if (!handed_first)
			passed_on += m_slept;
		if (sig != SIGKILL && handed_first)
			kept += !ra.err && ra.signals == 1;
		if (sig != SIGKILL && !handed_first)
			eintr += ra.err == EINTR && ra.signals == 1;
		a_got = sig == SIGKILL ? "killed" :
			ra.err	       ? strerrorname_np(ra.err) :
					 "kept the file";
		printf("round %d: %s: A %s; M %s; %s\n", round,
		       handed_first ? "handed to A, then signal A" :
				      "signal A, then hand on",
		       a_got, m_slept ? "slept" : "took the free file",
		       rm.who == 'M' ? "M before B" :
		       rb.who == 'B' ? "B served" :
				       "B not served");
		kill(m, SIGKILL);
		kill(b, SIGKILL);
		kill(a, SIGKILL);
		waitpid(m, NULL, 0);
		waitpid(b, NULL, 0);
		waitpid(a, NULL, 0);
		/*
		 * B closes the file once served, which hands it to M: M's
		 * report may come before the kill. It is not the next round's.
		 */
		while (report_now(report[0], &rm))
			;
	}
	if (sig == SIGKILL) {
		printf("killed: %d/%d\n", killed, rounds);
	} else {
		printf("handed_and_signalled_kept_file: %d/%d\n", kept,
		       (rounds + 1) / 2);
		printf("lost_and_signalled_got_eintr: %d/%d\n", eintr,
		       rounds / 2);
	}
	printf("hand_off_passed_to_next: %d/%d\n", passed_on, rounds / 2);
	printf("next_sleeper_served: %d/%d\n", served, rounds);
	return 0;
}

int main(int argc, char *argv[])
{
	int report[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	holders = mmap(NULL, (3 * MAX_WHO + 1) * sizeof(*holders),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		       0);
	if (holders == MAP_FAILED)
		die("mmap");
	opened = holders + 1;
	ready = opened + MAX_WHO;
	go = ready + MAX_WHO;
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
	if (argc == 5 && !strcmp(argv[1], "handoff") && atoi(argv[2]) > 0 &&
	    atoi(argv[3]) >= 0 && atoi(argv[2]) + atoi(argv[3]) < MAX_WHO) {
		if (!strcmp(argv[4], "run"))
			return handoff(atoi(argv[2]), atoi(argv[3]), RUN,
				       report);
		if (!strcmp(argv[4], "nonblock"))
			return handoff(atoi(argv[2]), atoi(argv[3]),
				       NONBLOCKING, report);
		if (!strcmp(argv[4], "starve"))
			return handoff(atoi(argv[2]), atoi(argv[3]), STARVE,
				       report);
	}
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "kill"))) &&
	    !strcmp(argv[1], "lost") && atoi(argv[2]) > 0)
		return lost(atoi(argv[2]), argc == 4 ? SIGKILL : SIGUSR1,
			    report);
	fprintf(stderr,
		"usage: %s fifo N HOLD_MS | race ROUNDS [kill] | stream SLEEPERS NEWCOMERS\n"
		"       | handoff SLEEPERS NEWCOMERS run|nonblock|starve | lost ROUNDS [kill]\n",
		argv[0]);
	return EX_USAGE;
}
