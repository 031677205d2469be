// SPDX-License-Identifier: GPL-2.0
/*
 * stress_hostile: many processes, as root and as an unprivileged user, doing
 * what a hostile or careless program does to /proc/sleep and /dev/sleepy for
 * SECONDS: random open flags, reads and writes of random sizes into bad and
 * unmapped buffers, lseek, poll, select, epoll, ioctl, mmap, fcntl(O_ASYNC),
 * flock, sendfile, fork, while a supervisor sends them signals of every kind,
 * SIGSTOP and SIGCONT included. The files may vanish and come back at any
 * moment (modules reloaded beside it): that is coped with, not an error. Now
 * and then nobody holds one of them for a while, so that its module can go.
 *
 *   stress_hostile -s SEED -t SECONDS [-w ROOT] [-n NOBODY] [-u UID:GID]
 *                  [-a MAX_PENDING] [-P PROCFILE] [-D DEVICE]
 *
 * -a is the accounting run: no signal that kills, and every write that
 * /dev/sleepy accepts and every read it releases is counted; at the end the
 * writes still pending are drained with O_NONBLOCK reads and the run fails
 * unless accepted = released + pending (and pending <= MAX_PENDING). The
 * device must stay loaded for the whole run.
 *
 * At the end every process must stop on request within a grace period; one
 * that does not is stuck in the kernel: its state and stack are printed and
 * the run fails. Lines for the test log start with "# ". Exits 0 on success,
 * 1 on a failure, 64 on bad usage. The same SEED gives each process the same
 * choices; the interleaving is the scheduler's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_WORKERS 64
#define GRACE_S 60
#define SLOW_S 5
#define BUF_SIZE 16384

/* Ends every sleep on request; never sent at random, never restarts. */
#define SIG_STOPNOW (SIGRTMAX)
/* Ends a child's blocked call so that its parent can wait for it. */
#define SIG_NUDGE (SIGRTMAX - 1)

enum target { PROCFILE, DEVICE, NTARGETS };

enum op {
	OP_READ,
	OP_WRITE,
	OP_READV,
	OP_WRITEV,
	OP_PREAD,
	OP_PWRITE,
	OP_LSEEK,
	OP_POLL,
	OP_SELECT,
	OP_EPOLL,
	OP_IOCTL,
	OP_MMAP,
	OP_ASYNC,
	OP_FCNTL,
	OP_DUP,
	OP_FSTAT,
	OP_FLOCK,
	OP_SENDFILE,
	OP_REOPEN,
	OP_FORK,
	NOPS
};

static const char *const op_names[NOPS] = {
	"read", "write",  "readv", "writev",   "pread",	 "pwrite",	"lseek",
	"poll", "select", "epoll", "ioctl",    "mmap",	 "fcntl_async", "fcntl",
	"dup",	"fstat",  "flock", "sendfile", "reopen", "fork",
};

/* Shared by every process of the run (an anonymous shared mapping). */
struct shared {
	int stop;
	/* Targets (bits) nobody opens or keeps open just now. */
	int calm;
	long calls[NOPS];
	long succeeded[NOPS];
	long opens[NTARGETS];
	long open_errors[NTARGETS];
	long vanished[NTARGETS];
	/* The accounting run's counts for the device. */
	long accepted;
	long released;
	/*
	 * Children (OP_FORK's, and workers) whose parent had died before their
	 * prctl(PR_SET_PDEATHSIG): without the getppid() check each would have
	 * gone on, orphaned, holding what it had open.
	 */
	long orphans;
};

static struct shared *sh;
static const char *paths[NTARGETS] = { "/proc/sleep", "/dev/sleepy" };
static bool accounting;
static unsigned long long rng;
/* A child forked by this process for OP_FORK, to wait for. */
static pid_t child;
/* The process that spawns and watches the workers. */
static pid_t supervisor;

/* Buffers: a valid one, and pages that fault. */
static char *buf;
static char *guard; /* PROT_NONE */
static char *readonly; /* PROT_READ */
static char *unmapped; /* was mapped, then unmapped */
static char *edge; /* a valid page followed by guard */

static void add(long *counter, long n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_SEQ_CST);
}

/*
 * Be killed when PARENT dies. A PARENT that died before the prctl() would
 * never send the signal, and this process would go on, orphaned, holding
 * what it has open: so check that it is still the parent after, as
 * prctl(2) says, and end at once (counted) if not.
 */
static void die_with(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		_exit(0);
	if (getppid() != parent) {
		add(&sh->orphans, 1);
		_exit(0);
	}
}

static bool stopping(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST);
}

static bool calm(enum target t)
{
	return __atomic_load_n(&sh->calm, __ATOMIC_SEQ_CST) & (1 << t);
}

/* splitmix64: small, good enough, and the same everywhere. */
static unsigned long long next(void)
{
	unsigned long long z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long rnd(unsigned long n)
{
	return n ? next() % n : 0;
}

static bool chance(unsigned int percent)
{
	return rnd(100) < percent;
}

/* Signals only the C library uses, between the classic and real-time ones. */
static bool reserved(int sig)
{
	return sig > SIGSYS && sig < SIGRTMIN;
}

/* A signal a process may get at random: not the two reserved above. */
static int random_signal(void)
{
	int sig;

	do
		sig = 1 + rnd(SIGRTMAX);
	while (sig == SIG_STOPNOW || sig == SIG_NUDGE || reserved(sig));
	return sig;
}

static bool stops_a_process(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU;
}

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * Each process handles each signal its own way: with a handler that restarts
 * the interrupted call, one that does not, ignored, or (not in the accounting
 * run, where nothing may die mid-call) the default, which may kill or stop.
 */
static void random_dispositions(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int sig;

	for (sig = 1; sig <= SIGRTMAX; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || reserved(sig))
			continue;
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = on_signal;
		sa.sa_flags = 0;
		if (sig == SIG_STOPNOW || sig == SIG_NUDGE) {
			sigaction(sig, &sa, NULL);
			continue;
		}
		switch (rnd(accounting ? 3 : 4)) {
		case 0:
			sa.sa_flags = SA_RESTART;
			break;
		case 1:
			break;
		case 2:
			sa.sa_handler = SIG_IGN;
			break;
		default:
			sa.sa_handler = SIG_DFL;
			break;
		}
		/* A stop nobody undoes would end the run as stuck. */
		if (stops_a_process(sig) && sa.sa_handler == SIG_DFL)
			sa.sa_handler = SIG_IGN;
		sigaction(sig, &sa, NULL);
	}
}

static void *pick_buffer(size_t *len)
{
	static const size_t sizes[] = { 0, 1, 2, 79, 80, 81, 4096 };

	switch (rnd(4)) {
	case 0:
		*len = sizes[rnd(ARRAY_SIZE(sizes))];
		break;
	case 1:
		*len = rnd(BUF_SIZE);
		break;
	case 2:
		*len = 1 + rnd(100);
		break;
	default:
		*len = chance(50) ? SIZE_MAX : (size_t)1 << (rnd(40));
		break;
	}
	switch (rnd(10)) {
	case 0:
		return NULL;
	case 1:
		return (void *)1;
	case 2:
		return guard;
	case 3:
		return unmapped;
	case 4:
		return readonly;
	case 5:
		/* The last bytes of a page, then a fault. */
		return edge + 4096 - rnd(64);
	case 6:
		/* A kernel address. */
		return (void *)0xffffffff81000000UL;
	default:
		return buf + rnd(64);
	}
}

/* The accounting run counts what the device accepted and released. */
static void count(enum target t, bool is_read, size_t len, ssize_t ret)
{
	if (!accounting || t != DEVICE)
		return;
	if (is_read && len > 0 && ret >= 0)
		add(&sh->released, 1);
	else if (!is_read && ret > 0)
		add(&sh->accepted, 1);
}

/*
 * No O_CREAT: while sleepy is unloaded it would leave a regular file at
 * /dev/sleepy, and the next load could not create its node.
 */
static int random_open_flags(void)
{
	static const int extra[] = {
		O_NONBLOCK, O_APPEND,	O_TRUNC,     O_EXCL,	O_NOCTTY,
		O_SYNC,	    O_DSYNC,	O_DIRECT,    O_NOATIME, O_CLOEXEC,
		O_ASYNC,    O_NOFOLLOW, O_DIRECTORY, O_PATH,	O_TMPFILE,
	};
	int flags = rnd(4); /* O_RDONLY, O_WRONLY, O_RDWR, and 3 */
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(extra); i++)
		if (chance(i < 3 ? 25 : 4))
			flags |= extra[i];
	return flags;
}

static int open_target(enum target t, int flags)
{
	int fd = open(paths[t], flags, 0600);

	if (fd >= 0) {
		add(&sh->opens[t], 1);
	} else {
		add(&sh->open_errors[t], 1);
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
			add(&sh->vanished[t], 1);
	}
	return fd;
}

static void do_op(int fd, enum target t, int depth);

/* OP_FORK: a child that shares the open file does a few things and exits. */
static void fork_child(int fd, enum target t, int depth)
{
	pid_t parent;
	int i, n;

	if (child > 0 || depth)
		return;
	n = 1 + rnd(6);
	parent = getpid();
	child = fork();
	if (child)
		return;
	die_with(parent);
	rng ^= (unsigned long long)getpid() << 32;
	for (i = 0; i < n && !stopping(); i++)
		do_op(fd, t, depth + 1);
	_exit(0);
}

/*
 * Wait for the OP_FORK child. It may sleep in a read nobody will satisfy:
 * after a while, nudge it out of each call it blocks in.
 */
static void reap_child(void)
{
	long start = now_ms();

	while (child > 0) {
		pid_t r = waitpid(child, NULL, WNOHANG);

		if (r == child || (r < 0 && errno == ECHILD)) {
			child = 0;
			break;
		}
		if (now_ms() - start > 200 || stopping()) {
			kill(child, SIGCONT);
			kill(child, stopping() ? SIG_STOPNOW : SIG_NUDGE);
		}
		sleep_ms(10);
	}
}

static void op_io(int fd, enum target t, enum op op)
{
	struct iovec iov[3];
	size_t len, total = 0;
	ssize_t ret = -1;
	void *p = pick_buffer(&len);
	int i, n = 1 + rnd(3);
	bool is_read = op == OP_READ || op == OP_READV || op == OP_PREAD;

	/* Now and then something /proc/sleep takes as a message. */
	if (!is_read && chance(30)) {
		p = buf;
		len = snprintf(buf, 80, "hostile %lu\n", rnd(1000));
	}
	/*
	 * Without .read_iter, the kernel calls .read or .write once for each
	 * segment of a readv or writev: in the accounting run, one segment
	 * carries bytes and the others are empty, so each call is one write.
	 */
	for (i = 0; i < n; i++) {
		iov[i].iov_base = i ? pick_buffer(&iov[i].iov_len) : p;
		if (!i)
			iov[i].iov_len = len;
		else if (accounting)
			iov[i].iov_len = 0;
		if (iov[i].iov_len > (size_t)SSIZE_MAX / 4)
			iov[i].iov_len = 1;
		total += iov[i].iov_len;
	}
	switch (op) {
	case OP_READ:
		ret = read(fd, p, len);
		total = len;
		break;
	case OP_WRITE:
		ret = write(fd, p, len);
		total = len;
		break;
	case OP_READV:
		ret = readv(fd, iov, n);
		break;
	case OP_WRITEV:
		ret = writev(fd, iov, n);
		break;
	case OP_PREAD:
		ret = pread(fd, p, len, rnd(200) - 10);
		total = len;
		break;
	default:
		ret = pwrite(fd, p, len, rnd(200) - 10);
		total = len;
		break;
	}
	if (ret >= 0)
		add(&sh->succeeded[op], 1);
	count(t, is_read, total, ret);
}

static void op_wait(int fd, enum op op)
{
	static const short events[] = { POLLIN,		 POLLOUT,    POLLPRI,
					POLLRDNORM,	 POLLWRNORM, POLLRDHUP,
					POLLIN | POLLOUT };
	int ret = -1;

	if (op == OP_POLL) {
		struct pollfd pfd = {
			.fd = fd, .events = events[rnd(7)] | (short)rnd(2)
		};

		ret = poll(&pfd, 1, rnd(3) ? (int)rnd(20) : -1 * chance(5));
	} else if (op == OP_SELECT) {
		struct timeval tv = { 0, rnd(20000) };
		fd_set r, w, x;

		if (fd >= FD_SETSIZE)
			return;
		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_ZERO(&x);
		if (chance(70))
			FD_SET(fd, &r);
		if (chance(50))
			FD_SET(fd, &w);
		if (chance(20))
			FD_SET(fd, &x);
		ret = select(fd + 1, &r, &w, &x, &tv);
	} else {
		static const unsigned int flags[] = { 0, EPOLLET, EPOLLONESHOT,
						      EPOLLEXCLUSIVE,
						      EPOLLWAKEUP };
		struct epoll_event ev = {
			.events = (EPOLLIN | EPOLLOUT * rnd(2)) | flags[rnd(5)],
		};
		struct epoll_event got[2];
		int ep = epoll_create1(EPOLL_CLOEXEC);

		if (ep < 0)
			return;
		ret = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		if (!ret) {
			ret = epoll_wait(ep, got, 2, rnd(20));
			if (chance(20))
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
		}
		close(ep);
	}
	if (ret >= 0)
		add(&sh->succeeded[op], 1);
}

static void op_ioctl(int fd)
{
	static const unsigned long cmds[] = {
		FIONREAD,
		FIONBIO,
		FIOASYNC,
		FIOCLEX,
		FIONCLEX,
		FIOQSIZE,
		0x5401 /* TCGETS */,
		0x80086601 /* FS_IOC_GETFLAGS */,
	};
	unsigned long cmd = chance(70) ? cmds[rnd(8)] : (unsigned long)next();
	size_t len;
	void *arg = chance(60) ? (void *)buf : pick_buffer(&len);

	if (cmd == FIONBIO || cmd == FIOASYNC)
		*(int *)buf = rnd(2);
	if (!ioctl(fd, cmd, arg))
		add(&sh->succeeded[OP_IOCTL], 1);
}

static void op_mmap(int fd)
{
	static const int prots[] = { PROT_READ, PROT_WRITE, PROT_EXEC,
				     PROT_READ | PROT_WRITE, PROT_NONE };
	size_t len = 4096 << rnd(3);
	void *p = mmap(NULL, len, prots[rnd(5)],
		       chance(50) ? MAP_SHARED : MAP_PRIVATE, fd,
		       4096 * rnd(3));

	if (p != MAP_FAILED) {
		add(&sh->succeeded[OP_MMAP], 1);
		munmap(p, len);
	}
}

/* O_ASYNC, signals to this process only: never to a group or another task. */
static void op_async(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	int sig = random_signal();

	if (fl < 0)
		return;
	/*
	 * Never a signal that stops: nobody would continue a child stopped by
	 * its own SIGIO. SIGKILL only where a death is expected.
	 */
	while (stops_a_process(sig) || (sig == SIGKILL && accounting))
		sig = random_signal();
	fcntl(fd, F_SETOWN, chance(80) ? getpid() : 0);
	if (chance(50))
		fcntl(fd, F_SETSIG, chance(50) ? 0 : sig);
	if (!fcntl(fd, F_SETFL, chance(80) ? fl | O_ASYNC : fl & ~O_ASYNC))
		add(&sh->succeeded[OP_ASYNC], 1);
}

static void op_fcntl(int fd)
{
	struct flock lk = { .l_type = chance(50) ? F_RDLCK : F_WRLCK,
			    .l_whence = SEEK_SET,
			    .l_len = rnd(10) };
	int ret, fl;

	switch (rnd(6)) {
	case 0:
		fl = fcntl(fd, F_GETFL);
		ret = fl < 0 ? fl :
			       fcntl(fd, F_SETFL,
				     fl ^ (O_NONBLOCK * rnd(2)) ^
					     (O_APPEND * rnd(2)) ^
					     (O_DIRECT * chance(10)) ^
					     (O_NOATIME * chance(10)));
		break;
	case 1:
		ret = fcntl(fd, chance(80) ? F_SETLK : F_SETLKW, &lk);
		break;
	case 2:
		ret = fcntl(fd, F_OFD_SETLK, &lk);
		break;
	case 3:
		ret = fcntl(fd, F_SETLEASE, chance(50) ? F_RDLCK : F_UNLCK);
		break;
	case 4:
		ret = fcntl(fd, F_NOTIFY, DN_ACCESS | DN_MODIFY);
		break;
	default:
		ret = fcntl(fd, F_GETPIPE_SZ);
		break;
	}
	if (ret >= 0)
		add(&sh->succeeded[OP_FCNTL], 1);
}

static void op_misc(int fd, enum target t, enum op which, int depth)
{
	char path[64];
	struct stat st;
	int ret = -1, other;
	off_t off;
	static const int whence[] = { SEEK_SET,	 SEEK_CUR,  SEEK_END,
				      SEEK_DATA, SEEK_HOLE, 17 };

	switch (which) {
	case OP_LSEEK:
		off = chance(50) ? (off_t)rnd(200) - 10 : (off_t)next();
		ret = lseek(fd, off, whence[rnd(6)]) < 0 ? -1 : 0;
		break;
	case OP_DUP:
		other = chance(50) ? dup(fd) : fcntl(fd, F_DUPFD_CLOEXEC, 100);
		if (other >= 0) {
			ret = 0;
			if (chance(50))
				do_op(other, t, depth + 1);
			close(other);
		}
		break;
	case OP_FSTAT:
		ret = chance(50) ? fstat(fd, &st) : fsync(fd);
		break;
	case OP_FLOCK:
		ret = flock(fd, (chance(50) ? LOCK_SH : LOCK_EX) |
					(chance(80) ? LOCK_NB : 0));
		if (!ret && chance(70))
			flock(fd, LOCK_UN);
		break;
	case OP_SENDFILE:
		other = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (other < 0)
			break;
		ret = sendfile(other, fd, NULL, 1 + rnd(200)) < 0 ? -1 : 0;
		/* Reading the device through sendfile takes a write too. */
		count(t, true, 1, ret);
		close(other);
		break;
	case OP_REOPEN:
		/*
		 * A second open file description of the same file, by this
		 * process: /proc/sleep waits for itself unless O_NONBLOCK.
		 */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		other = open(path, random_open_flags() |
					   (chance(80) ? O_NONBLOCK : 0));
		if (other >= 0) {
			ret = 0;
			do_op(other, t, depth + 1);
			close(other);
		}
		break;
	default:
		fork_child(fd, t, depth);
		ret = child > 0 ? 0 : -1;
		break;
	}
	if (ret >= 0)
		add(&sh->succeeded[which], 1);
}

static void do_op(int fd, enum target t, int depth)
{
	enum op op = rnd(NOPS);

	if (depth > 2 && (op == OP_DUP || op == OP_REOPEN || op == OP_FORK))
		op = OP_READ;
	add(&sh->calls[op], 1);
	switch (op) {
	case OP_READ:
	case OP_WRITE:
	case OP_READV:
	case OP_WRITEV:
	case OP_PREAD:
	case OP_PWRITE:
		op_io(fd, t, op);
		break;
	case OP_POLL:
	case OP_SELECT:
	case OP_EPOLL:
		op_wait(fd, op);
		break;
	case OP_IOCTL:
		op_ioctl(fd);
		break;
	case OP_MMAP:
		op_mmap(fd);
		break;
	case OP_ASYNC:
		op_async(fd);
		break;
	case OP_FCNTL:
		op_fcntl(fd);
		break;
	default:
		op_misc(fd, t, op, depth);
		break;
	}
}

static void map_buffers(void)
{
	buf = mmap(NULL, BUF_SIZE + 4 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		_exit(1);
	}
	memset(buf, 'x', BUF_SIZE);
	edge = buf + BUF_SIZE;
	guard = edge + 4096;
	readonly = guard + 4096;
	unmapped = readonly + 4096;
	mprotect(guard, 4096, PROT_NONE);
	mprotect(readonly, 4096, PROT_READ);
	munmap(unmapped, 4096);
}

/*
 * One worker: sessions of open, a few operations, close (or not: an fd may
 * be kept until the worker ends), until asked to stop or its life is over.
 * An unprivileged worker first opens some files as root, as a program handed
 * a descriptor would, then drops to UID:GID.
 */
static void worker(unsigned int uid, unsigned int gid)
{
	int kept[4] = { -1, -1, -1, -1 };
	enum target kept_t[4] = { PROCFILE, PROCFILE, PROCFILE, PROCFILE };
	int sessions = 20 + rnd(200), i;
	struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);
	map_buffers();
	if (uid) {
		for (i = 0; i < 2; i++) {
			kept_t[i] = accounting ? DEVICE : rnd(NTARGETS);
			kept[i] = open_target(kept_t[i],
					      random_open_flags() & ~O_PATH);
		}
		if (become(uid, gid))
			_exit(3);
	}
	/* After become(): a change of credentials clears the death signal. */
	die_with(supervisor);

	while (sessions-- > 0 && !stopping()) {
		enum target t = accounting && chance(75) ? DEVICE :
							   rnd(NTARGETS);
		int slot = rnd(4), fd, n = 1 + rnd(16);

		for (i = 0; i < 4; i++) {
			if (kept[i] >= 0 && calm(kept_t[i])) {
				close(kept[i]);
				kept[i] = -1;
			}
		}
		if (calm(t))
			t = !t;
		if (kept[slot] >= 0 && chance(60)) {
			fd = kept[slot];
			t = kept_t[slot];
		} else {
			fd = open_target(t, random_open_flags());
			if (fd < 0) {
				sleep_ms(rnd(5));
				continue;
			}
		}
		while (n-- > 0 && !stopping() && !calm(t))
			do_op(fd, t, 0);
		reap_child();
		if (fd == kept[slot])
			continue;
		if (kept[slot] < 0 && chance(10)) {
			kept[slot] = fd;
			kept_t[slot] = t;
		} else {
			close(fd);
		}
		sleep_ms(rnd(8));
	}
	reap_child();
	_exit(0);
}

struct slot {
	pid_t pid;
	unsigned int uid;
	long cont_at; /* when to SIGCONT it, or 0 */
	long gone_at; /* when it was seen to end after the stop */
};

static struct slot slots[MAX_WORKERS];
static int nslots;
static unsigned long long seed;
static long deaths_by_signal, respawns, signals_sent;
static long stop_signals_sent;

/*
 * A signal that came before the worker chose what to do with it would kill
 * it at its default: signals stay blocked until it has chosen.
 */
static void spawn(struct slot *s, unsigned int gid, int index, int generation)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (!pid) {
		/* Below the supervisor and the reload loops, to leave them CPU. */
		setpriority(PRIO_PROCESS, 0, 5);
		rng = seed ^ ((unsigned long long)index << 48) ^
		      ((unsigned long long)generation << 20);
		next();
		random_dispositions();
		sigprocmask(SIG_SETMASK, &old, NULL);
		worker(s->uid, gid);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		perror("fork");
		return;
	}
	s->pid = pid;
	s->cont_at = 0;
}

/* What a task that will not stop is doing, for the log; and its children. */
static void show_task(pid_t pid, int depth)
{
	static const char *const files[] = { "stat", "status", "wchan",
					     "stack" };
	char path[64], line[512];
	unsigned int i;
	FILE *f;
	int kid;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (i != 1 || !strncmp(line, "Sig", 3) ||
			    !strncmp(line, "Shd", 3) ||
			    !strncmp(line, "Uid", 3))
				printf("#   %d %s: %s%s", pid, files[i], line,
				       strchr(line, '\n') ? "" : "\n");
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (depth < 2 && fscanf(f, "%d", &kid) == 1)
		show_task(kid, depth + 1);
	fclose(f);
}

/* Drain the device with O_NONBLOCK reads: how many writes were pending. */
static long drain(void)
{
	long n = 0;
	char c;
	int fd = open(paths[DEVICE], O_RDONLY | O_NONBLOCK);

	if (fd < 0) {
		printf("# FAIL: cannot open %s to empty it: %s\n",
		       paths[DEVICE], strerror(errno));
		return -1;
	}
	while (read(fd, &c, 1) >= 0)
		n++;
	if (errno != EAGAIN) {
		printf("# FAIL: emptying %s: %s\n", paths[DEVICE],
		       strerror(errno));
		n = -1;
	}
	close(fd);
	return n;
}

static void report(void)
{
	int op, t;

	for (t = 0; t < NTARGETS; t++)
		printf("# %s: %ld opens, %ld failed (%ld while it was gone)\n",
		       paths[t], sh->opens[t], sh->open_errors[t],
		       sh->vanished[t]);
	printf("# calls (succeeded):");
	for (op = 0; op < NOPS; op++)
		printf(" %s %ld (%ld)", op_names[op], sh->calls[op],
		       sh->succeeded[op]);
	printf("\n# signals sent %ld, workers killed by one %ld, respawned %ld\n",
	       signals_sent, deaths_by_signal, respawns);
	printf("# children whose parent died before their prctl(): %ld, each ended at once\n",
	       sh->orphans);
}

/* Send random signals; SIGCONT what was stopped a little later. */
static void harass(long now)
{
	struct slot *s = &slots[rnd(nslots)];
	int sig = random_signal();
	int i;

	for (i = 0; i < nslots; i++) {
		if (slots[i].pid > 0 && slots[i].cont_at &&
		    now >= slots[i].cont_at) {
			kill(slots[i].pid, SIGCONT);
			slots[i].cont_at = 0;
		}
	}
	if (s->pid <= 0)
		return;
	if (accounting && sig == SIGKILL)
		sig = SIGSTOP;
	if (!accounting && chance(2))
		sig = SIGKILL;
	if (kill(s->pid, sig) == 0)
		signals_sent++;
	if (stops_a_process(sig) && !s->cont_at)
		s->cont_at = now + 1 + rnd(300);
}

/*
 * Now and then nobody holds one of the files, until it is gone or for 3 s at
 * most, so that the reload loops beside this can unload its module and the
 * file vanishes under the workers. The accounting run's device stays.
 */
static void weather(long now)
{
	static long change_at;
	static enum target quiet;
	int calm_now = __atomic_load_n(&sh->calm, __ATOMIC_SEQ_CST);
	int i;

	if (calm_now && (now >= change_at || access(paths[quiet], F_OK))) {
		__atomic_store_n(&sh->calm, 0, __ATOMIC_SEQ_CST);
		change_at = now + 1000 + rnd(2000);
		return;
	}
	if (calm_now || now < change_at)
		return;
	quiet = accounting ? PROCFILE : rnd(NTARGETS);
	__atomic_store_n(&sh->calm, 1 << quiet, __ATOMIC_SEQ_CST);
	change_at = now + 3000;
	/* Out of sleeping opens, which hold the module too. */
	for (i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIG_NUDGE);
}

/* Reap what ended; respawn it until the deadline. */
static int reap(long now, long deadline, unsigned int gid, int *generation)
{
	int status, i, alive = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nslots; i++) {
			if (slots[i].pid != pid)
				continue;
			slots[i].pid = 0;
			slots[i].gone_at = now;
			if (WIFSIGNALED(status)) {
				deaths_by_signal++;
				if (accounting) {
					printf("# FAIL: worker %d killed by signal %d\n",
					       pid, WTERMSIG(status));
					sh->stop = 2;
				}
			}
			if (now < deadline && !stopping()) {
				spawn(&slots[i], gid, i, ++*generation);
				respawns++;
			}
		}
	}
	for (i = 0; i < nslots; i++)
		alive += slots[i].pid > 0;
	return alive;
}

static int bad_usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s -s SEED -t SECONDS [-w ROOT] [-n NOBODY] [-u UID:GID]\n"
		"       [-a MAX_PENDING] [-P PROCFILE] [-D DEVICE]\n",
		argv0);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	unsigned int uid = 65534, gid = 65534;
	int roots = 8, nobodies = 4, opt, i, alive, generation = 0;
	long seconds = 0, max_pending = -1, start, deadline, stop_at = 0;
	bool failed = false, shown_slow = false;
	struct sigaction sa = { .sa_handler = SIG_IGN };

	while ((opt = getopt(argc, argv, "s:t:w:n:u:a:P:D:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			seconds = atol(optarg);
			break;
		case 'w':
			roots = atoi(optarg);
			break;
		case 'n':
			nobodies = atoi(optarg);
			break;
		case 'u':
			if (sscanf(optarg, "%u:%u", &uid, &gid) != 2)
				return bad_usage(argv[0]);
			break;
		case 'a':
			accounting = true;
			max_pending = atol(optarg);
			break;
		case 'P':
			paths[PROCFILE] = optarg;
			break;
		case 'D':
			paths[DEVICE] = optarg;
			break;
		default:
			return bad_usage(argv[0]);
		}
	}
	nslots = roots + nobodies;
	if (optind != argc || seconds <= 0 || roots < 0 || nobodies < 0 ||
	    nslots < 1 || nslots > MAX_WORKERS || !uid)
		return bad_usage(argv[0]);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* Its own process group: nothing here can signal the caller's. */
	setpgid(0, 0);
	supervisor = getpid();
	/* Signals and the stop must come on time however busy the workers. */
	setpriority(PRIO_PROCESS, 0, -10);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGPIPE, &sa, NULL);
	rng = seed;
	printf("# stress_hostile: seed %llu, %ld s, %d root and %d uid %u workers%s\n",
	       seed, seconds, roots, nobodies, uid,
	       accounting ? ", accounting run" : "");
	if (accounting && drain() != 0) {
		printf("# FAIL: %s had writes pending before the run\n",
		       paths[DEVICE]);
		return 1;
	}

	for (i = 0; i < nslots; i++) {
		slots[i].uid = i < roots ? 0 : uid;
		spawn(&slots[i], gid, i, 0);
	}
	start = now_ms();
	deadline = start + seconds * 1000;
	for (;;) {
		long now = now_ms();

		alive = reap(now, deadline, gid, &generation);
		if (!stop_at && (now >= deadline || stopping())) {
			stop_at = now;
			__atomic_store_n(&sh->stop, sh->stop ? sh->stop : 1,
					 __ATOMIC_SEQ_CST);
			/* Under TCG a busy guest can starve them for seconds. */
			for (i = 0; i < nslots; i++)
				if (slots[i].pid > 0)
					setpriority(PRIO_PROCESS, slots[i].pid,
						    -10);
		}
		if (!alive && stop_at)
			break;
		if (!stop_at) {
			weather(now);
			harass(now);
			sleep_ms(1 + rnd(accounting ? 10 : 6));
			continue;
		}
		/* Stopping: wake everything until it has left. */
		for (i = 0; i < nslots; i++) {
			if (slots[i].pid <= 0)
				continue;
			kill(slots[i].pid, SIGCONT);
			kill(slots[i].pid, SIG_STOPNOW);
			stop_signals_sent++;
			if (now - stop_at > SLOW_S * 1000 && !shown_slow) {
				printf("# worker %d still there %d s after the stop request:\n",
				       slots[i].pid, SLOW_S);
				show_task(slots[i].pid, 0);
			}
			if (now - stop_at > GRACE_S * 1000) {
				printf("# FAIL: worker %d did not stop within %d s\n",
				       slots[i].pid, GRACE_S);
				show_task(slots[i].pid, 0);
				kill(slots[i].pid, SIGKILL);
				failed = true;
				slots[i].pid = -slots[i].pid;
			}
		}
		shown_slow |= now - stop_at > SLOW_S * 1000;
		sleep_ms(20);
		if (now - stop_at > (GRACE_S + 10) * 1000) {
			printf("# FAIL: killed workers still there after %d s\n",
			       GRACE_S + 10);
			return 1;
		}
	}
	printf("# all workers stopped %ld ms after the stop request\n",
	       now_ms() - stop_at);
	report();
	if (sh->stop == 2)
		failed = true;

	for (i = 0; i < NTARGETS; i++) {
		if (!accounting && !sh->opens[i]) {
			printf("# FAIL: %s was never opened: nothing was tested\n",
			       paths[i]);
			failed = true;
		}
	}
	if (accounting) {
		long pending = drain();

		printf("# %s: %ld writes accepted, %ld reads released, %ld pending (max %ld)\n",
		       paths[DEVICE], sh->accepted, sh->released, pending,
		       max_pending);
		if (pending < 0 || sh->accepted != sh->released + pending) {
			printf("# FAIL: %s: %ld accepted != %ld released + %ld pending\n",
			       paths[DEVICE], sh->accepted, sh->released,
			       pending);
			failed = true;
		}
		if (pending > max_pending) {
			printf("# FAIL: %ld pending is above max_pending %ld\n",
			       pending, max_pending);
			failed = true;
		}
		if (!sh->accepted || !sh->released) {
			printf("# FAIL: no write accepted or read released\n");
			failed = true;
		}
	}
	if (failed)
		printf("# FAIL: repeat with SEED=%llu\n", seed);
	return failed;
}
