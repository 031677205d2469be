// SPDX-License-Identifier: GPL-2.0
/*
 * bench: one harness for make bench (guest/bench/measure.sh). The same code drives
 * every primitive; only the post/wait (token) or acquire/release (lock) pair
 * differs, so the primitive is the only variable. Each run prints lines of
 * "group,prim,test,n,hold_ms,metric,value" on stdout.
 *
 *   bench token PRIM wake-same|wake-cross ITERS
 *	One reader sleeps in wait; the writer posts once and the reader
 *	notes when its wait returned, ITERS times. Reader and writer share
 *	CPU 0, or the reader runs on CPU 1. Metrics: wake_us (median),
 *	wake_p90_us, reads_per_write.
 *   bench token PRIM burst N WRITES
 *	N readers loop on wait; once all sleep, one writer posts WRITES times
 *	as fast as it can. Metrics: us_per_write, switches_per_write (the
 *	readers' voluntary context switches), reads_per_write, exact (1 when
 *	every write released exactly one read and none was left over).
 *	PRIM: sleepy (/dev/sleepy), eventfd (EFD_SEMAPHORE), pipe (1-byte
 *	tokens), sem (process-shared POSIX semaphore).
 *
 *   bench lock PRIM handoff-same|handoff-cross ITERS
 *	One contender sleeps in acquire while this process holds the lock;
 *	this process releases it and the contender notes when its acquire
 *	returned, ITERS times, on CPU 0 or CPU 1. Metrics: handoff_us
 *	(median), handoff_p90_us.
 *   bench lock PRIM N HOLD_MS ACQS (test "contend")
 *	N contenders start together and take the lock ACQS times in all
 *	(ACQS/N each, at least 2), holding it HOLD_MS ms. Metrics:
 *	us_per_acq, free_us_per_handoff (lock free between a release and the
 *	next acquisition), switches_per_acq (voluntary context switches in
 *	acquire), overtakes_per_acq (acquisitions by a later arrival while
 *	an earlier one already waited through a release; not counted for a
 *	waiter preempted in acquire, whose place in line is unknown: the
 *	arrival is stamped before the system call), longest_wait_ms,
 *	max_holders. PRIM: sleep (/proc/sleep open/close, rule=fifo),
 *	sleep-handoff (the same, rule=handoff), sleep-wake_all (the same,
 *	rule=all, i.e. wake_all=1), flock (LOCK_EX), ofd
 *	(F_OFD_SETLKW), mutex (process-shared pthread mutex), open
 *	(open+close of a tmpfs file, no lock: the floor; contend only).
 *
 * Exit status: 0 the run completed and was correct, 1 it was not (lost or
 * doubled tokens, two holders at once, a timeout: the metrics say which),
 * 64 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../helpers/helpers.h"

#define MAX_N 64
#define MAX_ACQS 8192
#define MAX_ITERS 10000
#define WAIT_MS 30000 /* bound on every wait for the children */
#define LOCK_FILE "/tmp/waitq-bench.lock"
#define OPEN_FILE "/tmp/waitq-bench.open"

/* One acquisition of a lock, in grant order. */
struct acq {
	long long arrive, grant, release; /* ns, CLOCK_MONOTONIC */
	long switches; /* voluntary context switches in acquire */
	long preempted; /* involuntary context switches in acquire */
};

/* Shared by the parent and every child (MAP_SHARED). */
struct shared {
	sem_t sem;
	pthread_mutex_t mutex;
	unsigned int reads; /* token reads so far */
	unsigned int armed; /* futex: the wake reader is about to wait */
	unsigned int woken; /* futex: the wake reader's wait returned */
	unsigned int go; /* futex: the parent holds the lock, come and wait */
	long long woke_at; /* ns */
	unsigned int seq; /* lock acquisitions so far */
	int holders, max_holders;
	int failed; /* a child's wait or acquire failed */
	struct acq log[MAX_ACQS];
};

static struct shared *sh;
static const char *group, *prim_name, *test;
static int n_arg;
static long hold_arg;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void metric(const char *name, double value)
{
	printf("%s,%s,%s,%d,%ld,%s,%.6g\n", group, prim_name, test, n_arg,
	       hold_arg, name, value);
}

/* Wait until another process sets *flag (and wakes it): 0, or -1 after WAIT_MS. */
static int wait_flag(unsigned int *flag)
{
	struct timespec tick = { 0, 100000000 };
	long long limit = now_ns() + WAIT_MS * 1000000LL;

	while (!__atomic_load_n(flag, __ATOMIC_SEQ_CST)) {
		if (now_ns() > limit)
			return -1;
		syscall(SYS_futex, flag, FUTEX_WAIT, 0, &tick, NULL, 0);
	}
	return 0;
}

static void futex_wake(unsigned int *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void pin_self(int cpu)
{
	if (pin(0, cpu))
		die("sched_setaffinity");
}

/* Wait until every task in pids sleeps (state S): 0, or -1 after WAIT_MS. */
static int wait_all_asleep(const pid_t *pids, int n)
{
	long long limit = now_ns() + WAIT_MS * 1000000LL;
	int i = 0;

	while (i < n) {
		if (task_state(pids[i]) == 'S') {
			i++;
			continue;
		}
		if (now_ns() > limit)
			return -1;
		sched_yield();
	}
	return 0;
}

static void kill_all(const pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

/* ---- Tokens: each post releases exactly one wait. ---- */

enum token_prim { T_SLEEPY, T_EVENTFD, T_PIPE, T_SEM };

struct chan {
	enum token_prim prim;
	int rfd, wfd;
};

static int chan_open(struct chan *c, const char *name)
{
	int p[2];

	c->rfd = -1;
	c->wfd = -1;
	if (!strcmp(name, "sleepy")) {
		c->prim = T_SLEEPY;
		c->rfd = open("/dev/sleepy", O_RDWR | O_CLOEXEC);
	} else if (!strcmp(name, "eventfd")) {
		c->prim = T_EVENTFD;
		c->rfd = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	} else if (!strcmp(name, "pipe")) {
		c->prim = T_PIPE;
		if (pipe2(p, O_CLOEXEC))
			die("pipe");
		c->rfd = p[0];
		c->wfd = p[1];
	} else if (!strcmp(name, "sem")) {
		c->prim = T_SEM;
		if (sem_init(&sh->sem, 1, 0))
			die("sem_init");
		return 0;
	} else {
		return -1;
	}
	if (c->rfd < 0)
		die(name);
	if (c->wfd < 0)
		c->wfd = c->rfd;
	return 0;
}

static int chan_post(struct chan *c)
{
	switch (c->prim) {
	case T_SLEEPY:
	case T_PIPE:
		return write(c->wfd, "x", 1) == 1 ? 0 : -1;
	case T_EVENTFD:
		return eventfd_write(c->wfd, 1);
	case T_SEM:
		return sem_post(&sh->sem);
	}
	return -1;
}

static int chan_wait(struct chan *c)
{
	eventfd_t val;
	char ch;

	switch (c->prim) {
	case T_SLEEPY: /* a read that a write released returns 0 */
		return read(c->rfd, &ch, 1) == 0 ? 0 : -1;
	case T_PIPE:
		return read(c->rfd, &ch, 1) == 1 ? 0 : -1;
	case T_EVENTFD:
		return eventfd_read(c->rfd, &val);
	case T_SEM:
		while (sem_wait(&sh->sem))
			if (errno != EINTR)
				return -1;
		return 0;
	}
	return -1;
}

/* Is a token left that nobody took? */
static int chan_pending(struct chan *c)
{
	struct pollfd p = { .fd = c->rfd, .events = POLLIN };
	int val = 0;

	if (c->prim == T_SEM)
		return sem_getvalue(&sh->sem, &val) || val > 0;
	return poll(&p, 1, 0) != 0;
}

/* A reader: count each wait that returns, for ever (the parent kills it). */
static void reader(struct chan *c, int wake)
{
	for (;;) {
		if (wake) {
			__atomic_store_n(&sh->armed, 1, __ATOMIC_SEQ_CST);
			futex_wake(&sh->armed);
		}
		if (chan_wait(c)) {
			__atomic_store_n(&sh->failed, 1, __ATOMIC_SEQ_CST);
			_exit(1);
		}
		if (wake) {
			sh->woke_at = now_ns();
			__atomic_store_n(&sh->woken, 1, __ATOMIC_SEQ_CST);
			futex_wake(&sh->woken);
		}
		__atomic_add_fetch(&sh->reads, 1, __ATOMIC_SEQ_CST);
	}
}

static pid_t start_reader(struct chan *c, int wake, int cpu)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid)
		return pid;
	if (cpu >= 0)
		pin_self(cpu);
	reader(c, wake);
	_exit(0);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Wait up to WAIT_MS for reads to reach want. */
static int wait_reads(unsigned int want)
{
	long long limit = now_ns() + WAIT_MS * 1000000LL;

	while (__atomic_load_n(&sh->reads, __ATOMIC_SEQ_CST) < want) {
		if (now_ns() > limit)
			return -1;
		sleep_ms(1);
	}
	return 0;
}

static int token_wake(struct chan *c, int cross, int iters)
{
	static long long lat[MAX_ITERS];
	unsigned int reads;
	pid_t pid;
	int i, ok = 1;

	pin_self(0);
	pid = start_reader(c, 1, cross ? 1 : 0);
	for (i = 0; i < iters; i++) {
		long long t0;

		/* The reader is about to wait; wait until it sleeps there. */
		if (wait_flag(&sh->armed) || wait_all_asleep(&pid, 1))
			break;
		sh->armed = 0;
		sh->woken = 0;
		t0 = now_ns();
		if (chan_post(c))
			die("post");
		if (wait_flag(&sh->woken))
			break;
		lat[i] = sh->woke_at - t0;
	}
	if (i < iters || wait_reads(iters))
		ok = 0;
	/* The reader is asleep again: no read is owed, none was doubled. */
	if (ok && (wait_all_asleep(&pid, 1) || chan_pending(c)))
		ok = 0;
	/* Counted before the kill: a killed sleepy reader passes a write on. */
	reads = __atomic_load_n(&sh->reads, __ATOMIC_SEQ_CST);
	kill_all(&pid, 1);
	qsort(lat, i, sizeof(lat[0]), cmp_ll);
	if (i) {
		metric("wake_us", lat[i / 2] / 1000.0);
		metric("wake_p90_us", lat[i * 9 / 10] / 1000.0);
	}
	ok = ok && reads == (unsigned int)iters;
	metric("reads_per_write", (double)reads / iters);
	metric("exact", ok);
	return ok ? 0 : 1;
}

static int token_burst(struct chan *c, int n, int writes)
{
	pid_t pids[MAX_N] = { 0 };
	long before = 0, after = 0;
	unsigned int reads;
	long long t0, t1;
	int i, ok = 1;

	for (i = 0; i < n; i++)
		pids[i] = start_reader(c, 0, -1);
	if (wait_all_asleep(pids, n)) {
		kill_all(pids, n);
		fprintf(stderr, "readers never slept\n");
		return 1;
	}
	for (i = 0; i < n; i++)
		before += task_voluntary_switches(pids[i]);

	t0 = now_ns();
	for (i = 0; i < writes; i++)
		if (chan_post(c))
			die("post");
	t1 = now_ns();

	/* Every write taken, every reader back asleep, nothing left over. */
	if (wait_reads(writes) || wait_all_asleep(pids, n) || chan_pending(c))
		ok = 0;
	for (i = 0; i < n; i++)
		after += task_voluntary_switches(pids[i]);
	/* Counted before the kill: a killed sleepy reader passes a write on. */
	reads = __atomic_load_n(&sh->reads, __ATOMIC_SEQ_CST);
	kill_all(pids, n);
	ok = ok && !sh->failed && reads == (unsigned int)writes;

	metric("us_per_write", (t1 - t0) / 1000.0 / writes);
	metric("switches_per_write", (double)(after - before) / writes);
	metric("reads_per_write", (double)reads / writes);
	metric("exact", ok);
	return ok ? 0 : 1;
}

static int token(int argc, char **argv)
{
	struct chan c;
	int n;

	if (argc < 4 || chan_open(&c, argv[1]))
		return EX_USAGE;
	n = atoi(argv[3]);
	if (argc == 4 &&
	    (!strcmp(argv[2], "wake-same") || !strcmp(argv[2], "wake-cross"))) {
		n_arg = 1;
		if (n < 1 || n > MAX_ITERS)
			return EX_USAGE;
		return token_wake(&c, !strcmp(argv[2], "wake-cross"), n);
	}
	if (argc != 5 || strcmp(argv[2], "burst") || n < 1 || n > MAX_N ||
	    atoi(argv[4]) < 1)
		return EX_USAGE;
	n_arg = n;
	return token_burst(&c, n, atoi(argv[4]));
}

/* ---- Locks: one holder at a time. ---- */

enum lock_prim { L_SLEEP, L_FLOCK, L_OFD, L_MUTEX, L_OPEN };

static enum lock_prim lprim;

/* Per contender: its own open file description where the lock needs one. */
static int lock_setup(void)
{
	switch (lprim) {
	case L_FLOCK:
	case L_OFD:
		return open(LOCK_FILE, O_RDWR | O_CLOEXEC);
	default:
		return -1;
	}
}

static int acquire(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	switch (lprim) {
	case L_SLEEP:
		return open("/proc/sleep", O_RDONLY | O_CLOEXEC);
	case L_OPEN:
		return open(OPEN_FILE, O_RDONLY | O_CLOEXEC);
	case L_FLOCK:
		return flock(fd, LOCK_EX) ? -1 : fd;
	case L_OFD:
		return fcntl(fd, F_OFD_SETLKW, &fl) ? -1 : fd;
	case L_MUTEX:
		return pthread_mutex_lock(&sh->mutex) ? -1 : 0;
	}
	return -1;
}

static int release(int fd)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	switch (lprim) {
	case L_SLEEP:
	case L_OPEN:
		return close(fd);
	case L_FLOCK:
		return flock(fd, LOCK_UN);
	case L_OFD:
		return fcntl(fd, F_OFD_SETLK, &fl);
	case L_MUTEX:
		return pthread_mutex_unlock(&sh->mutex);
	}
	return -1;
}

/* This process's voluntary context switches so far; involuntary in *invol. */
static long my_switches(long *invol)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*invol = ru.ru_nivcsw;
	return ru.ru_nvcsw;
}

static void contender(int barrier, int times, long hold_ms)
{
	int fd = lock_setup(), held, k;
	char ch;

	if (read(barrier, &ch, 1) != 0)
		_exit(1);
	for (k = 0; k < times; k++) {
		long long arrive;
		long inv, inv2, sw = my_switches(&inv);
		unsigned int s;
		int h;

		arrive = now_ns();
		held = acquire(fd);
		if (held < 0 && lprim != L_MUTEX) {
			__atomic_store_n(&sh->failed, 1, __ATOMIC_SEQ_CST);
			_exit(1);
		}
		s = __atomic_fetch_add(&sh->seq, 1, __ATOMIC_SEQ_CST);
		sh->log[s].grant = now_ns();
		sh->log[s].arrive = arrive;
		sh->log[s].switches = my_switches(&inv2) - sw;
		sh->log[s].preempted = inv2 - inv;
		h = __atomic_add_fetch(&sh->holders, 1, __ATOMIC_SEQ_CST);
		if (h > __atomic_load_n(&sh->max_holders, __ATOMIC_SEQ_CST))
			__atomic_store_n(&sh->max_holders, h, __ATOMIC_SEQ_CST);
		if (hold_ms)
			sleep_ms(hold_ms);
		__atomic_sub_fetch(&sh->holders, 1, __ATOMIC_SEQ_CST);
		sh->log[s].release = now_ns();
		if (release(held))
			_exit(1);
	}
	_exit(0);
}

/* Reap the contenders within WAIT_MS: 0, or -1 (the rest are killed). */
static int reap(pid_t *pids, int n)
{
	long long limit = now_ns() + WAIT_MS * 1000000LL;
	int left = n, i, status, ok = 1;

	while (left) {
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0) {
			if (now_ns() > limit) {
				kill_all(pids, n);
				return -1;
			}
			sleep_ms(1);
			continue;
		}
		for (i = 0; i < n; i++)
			if (pids[i] == pid)
				pids[i] = 0;
		left--;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
	}
	return ok ? 0 : -1;
}

/* Is /proc/sleep's rule the one this run claims to measure? */
static int rule_is(const char *want)
{
	char buf[16] = "";
	int fd = open("/sys/module/sleep/parameters/rule", O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	return !strcmp(buf, want);
}

/*
 * One contender sleeps in acquire while the parent holds the lock; the
 * parent releases it and the contender notes when its acquire returned.
 */
static void handoff_contender(void)
{
	int fd = lock_setup(), held;

	for (;;) {
		if (wait_flag(&sh->go))
			_exit(1);
		sh->go = 0;
		__atomic_store_n(&sh->armed, 1, __ATOMIC_SEQ_CST);
		futex_wake(&sh->armed);
		held = acquire(fd);
		if (held < 0 && lprim != L_MUTEX)
			_exit(1);
		sh->woke_at = now_ns();
		__atomic_store_n(&sh->woken, 1, __ATOMIC_SEQ_CST);
		futex_wake(&sh->woken);
		if (release(held))
			_exit(1);
	}
}

static int lock_handoff(int cross, int iters)
{
	static long long lat[MAX_ITERS];
	int fd, held, i;
	pid_t pid;

	pin_self(0);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		if (cross)
			pin_self(1);
		handoff_contender();
	}
	fd = lock_setup();
	for (i = 0; i < iters; i++) {
		long long t0;

		held = acquire(fd);
		if (held < 0 && lprim != L_MUTEX)
			break;
		sh->armed = 0;
		sh->woken = 0;
		__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
		futex_wake(&sh->go);
		if (wait_flag(&sh->armed) || wait_all_asleep(&pid, 1))
			break;
		t0 = now_ns();
		if (release(held) || wait_flag(&sh->woken))
			break;
		lat[i] = sh->woke_at - t0;
	}
	kill_all(&pid, 1);
	qsort(lat, i, sizeof(lat[0]), cmp_ll);
	if (i) {
		metric("handoff_us", lat[i / 2] / 1000.0);
		metric("handoff_p90_us", lat[i * 9 / 10] / 1000.0);
	}
	metric("exact", i == iters);
	return i == iters ? 0 : 1;
}

static int lock(int argc, char **argv)
{
	int n, times, total, i, k, ok, barrier[2];
	long long free_ns = 0, longest = 0, first, last = 0;
	long switches = 0, overtakes = 0;
	pthread_mutexattr_t ma;
	pid_t pids[MAX_N] = { 0 };

	if (argc < 4)
		return EX_USAGE;
	if (!strncmp(argv[1], "sleep", 5)) {
		const char *want = NULL;

		if (!strcmp(argv[1], "sleep"))
			want = "fifo";
		else if (!strcmp(argv[1], "sleep-handoff"))
			want = "handoff";
		else if (!strcmp(argv[1], "sleep-wake_all"))
			want = "all";
		else
			return EX_USAGE;
		lprim = L_SLEEP;
		if (!rule_is(want)) {
			fprintf(stderr, "sleep.ko not loaded with rule=%s\n",
				want);
			return 1;
		}
	} else if (!strcmp(argv[1], "flock")) {
		lprim = L_FLOCK;
	} else if (!strcmp(argv[1], "ofd")) {
		lprim = L_OFD;
	} else if (!strcmp(argv[1], "mutex")) {
		lprim = L_MUTEX;
	} else if (!strcmp(argv[1], "open")) {
		lprim = L_OPEN;
	} else {
		return EX_USAGE;
	}
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->mutex, &ma);
	for (i = 0; i < 2; i++) {
		int fd = open(i ? OPEN_FILE : LOCK_FILE,
			      O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0)
			die("creating " LOCK_FILE " and " OPEN_FILE);
		close(fd);
	}

	if (argc == 4 && lprim != L_OPEN &&
	    (!strcmp(argv[2], "handoff-same") ||
	     !strcmp(argv[2], "handoff-cross"))) {
		n_arg = 1;
		n = atoi(argv[3]);
		if (n < 1 || n > MAX_ITERS)
			return EX_USAGE;
		return lock_handoff(!strcmp(argv[2], "handoff-cross"), n);
	}
	if (argc != 5)
		return EX_USAGE;
	n = atoi(argv[2]);
	hold_arg = atol(argv[3]);
	total = atoi(argv[4]);
	if (n < 1 || n > MAX_N || hold_arg < 0 || total < 1)
		return EX_USAGE;
	n_arg = n;
	times = total / n < 2 ? 2 : total / n;
	total = times * n;
	if (total > MAX_ACQS)
		return EX_USAGE;

	if (pipe2(barrier, O_CLOEXEC))
		die("pipe");

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (!pids[i]) {
			close(barrier[1]);
			contender(barrier[0], times, hold_arg);
		}
	}
	/* Everybody waits on the barrier; closing it starts them all. */
	if (wait_all_asleep(pids, n))
		die("contenders never reached the barrier");
	close(barrier[0]);
	close(barrier[1]);
	ok = !reap(pids, n) && !sh->failed && sh->seq == (unsigned int)total;
	if (!ok) {
		fprintf(stderr, "%s: %u of %d acquisitions\n", argv[1], sh->seq,
			total);
		metric("exact", 0);
		return 1;
	}

	first = sh->log[0].arrive;
	for (i = 0; i < total; i++) {
		struct acq *a = &sh->log[i];

		if (a->arrive < first)
			first = a->arrive;
		if (a->release > last)
			last = a->release;
		if (a->grant - a->arrive > longest)
			longest = a->grant - a->arrive;
		switches += a->switches;
		if (i)
			free_ns += a->grant - sh->log[i - 1].release;
		/*
		 * Acquisitions granted while i waited, by later arrivals,
		 * after a release that i had already waited for. If i was
		 * preempted in acquire, it may have queued long after its
		 * timestamp: its place in line is unknown, leave it out.
		 */
		for (k = i - 1; k > 0 && sh->log[k].grant > a->arrive; k--)
			if (!a->preempted && sh->log[k].arrive > a->arrive &&
			    sh->log[k - 1].release > a->arrive)
				overtakes++;
	}

	metric("us_per_acq", (last - first) / 1000.0 / total);
	if (lprim != L_OPEN) {
		metric("free_us_per_handoff", free_ns / 1000.0 / (total - 1));
		metric("overtakes_per_acq", (double)overtakes / total);
		metric("max_holders", sh->max_holders);
	}
	metric("switches_per_acq", (double)switches / total);
	metric("longest_wait_ms", longest / 1e6);
	ok = lprim == L_OPEN || sh->max_holders == 1;
	metric("exact", ok);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	int ret = 64;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	if (argc >= 4) {
		group = argv[1];
		prim_name = argv[2];
		test = argv[3][0] >= '0' && argv[3][0] <= '9' ? "contend" :
								argv[3];
	}
	if (argc >= 2 && !strcmp(argv[1], "token"))
		ret = token(argc - 1, argv + 1);
	else if (argc >= 2 && !strcmp(argv[1], "lock"))
		ret = lock(argc - 1, argv + 1);
	if (ret == 64)
		fprintf(stderr,
			"usage: %s token PRIM wake-same|wake-cross ITERS\n"
			"       %s token PRIM burst N WRITES\n"
			"       %s lock PRIM N HOLD_MS ACQS\n",
			argv[0], argv[0], argv[0]);
	return ret;
}
