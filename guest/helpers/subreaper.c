// SPDX-License-Identifier: GPL-2.0
/*
 * subreaper: run one test and everything it starts, at any depth, as one
 * group that ends with it. CMD runs as a child of this process, which is a
 * child subreaper (prctl(PR_SET_CHILD_SUBREAPER)): a process whose parent
 * dies is reparented here instead of to init, so nothing of the test can
 * leave the tree, whatever it does with process groups or sessions. When
 * CMD exits, or after SECONDS, every process left in the tree is killed
 * (SIGKILL) and reaped.
 *
 *   subreaper [-t SECONDS] [-g GRACE] CMD [ARG...]
 *
 * On a timeout the tree is shown first: each process's pid, parent, name,
 * state, wait channel and kernel stack, as "# " lines on stdout, so that the
 * test's log says what it was doing. A process still there GRACE seconds
 * (default 10) after SIGKILL is stuck in the kernel, in a sleep that no
 * signal ends: it is shown the same way and the exit status is 125.
 *
 * Exit status: CMD's own (128 + N when signal N ended it), 124 after a
 * timeout, 125 when a process would not die, 64 on bad usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "helpers.h"

#define MAX_TASKS 8192

/* The processes under this one: their pids and parents. */
struct tree {
	int n;
	pid_t pid[MAX_TASKS];
	pid_t ppid[MAX_TASKS];
};

static struct tree all, mine;

/* Fill all with every process of the system and its parent. */
static void scan_all(void)
{
	char path[64], buf[512], *p;
	struct dirent *d;
	DIR *proc = opendir("/proc");
	FILE *f;

	all.n = 0;
	if (!proc)
		return;
	while ((d = readdir(proc)) && all.n < MAX_TASKS) {
		pid_t pid = atoi(d->d_name);
		int ppid;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && sscanf(p, ") %*c %d", &ppid) == 1) {
			all.pid[all.n] = pid;
			all.ppid[all.n++] = ppid;
		}
	}
	closedir(proc);
}

/* Fill mine with the descendants of this process, parents first. */
static void scan_tree(void)
{
	int i, j;

	scan_all();
	mine.n = 0;
	mine.pid[mine.n] = getpid();
	mine.ppid[mine.n++] = getppid();
	for (i = 0; i < mine.n; i++)
		for (j = 0; j < all.n; j++)
			if (all.ppid[j] == mine.pid[i] && mine.n < MAX_TASKS) {
				mine.pid[mine.n] = all.pid[j];
				mine.ppid[mine.n++] = all.ppid[j];
			}
	/* This process itself is not part of what it shows or kills. */
	mine.n--;
	memmove(mine.pid, mine.pid + 1, mine.n * sizeof(pid_t));
	memmove(mine.ppid, mine.ppid + 1, mine.n * sizeof(pid_t));
}

/* Print the first line of /proc/PID/NAME, or "?". */
static void first_line(pid_t pid, const char *name, char *out, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	snprintf(out, size, "?");
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(out, size, f))
		snprintf(out, size, "?");
	fclose(f);
	out[strcspn(out, "\n")] = 0;
	if (!*out)
		snprintf(out, size, "-");
}

/* One process: pid, parent, name, state, wait channel, kernel stack. */
static void show(pid_t pid, pid_t ppid)
{
	char comm[64], wchan[128], path[64], line[256];
	FILE *f;

	first_line(pid, "comm", comm, sizeof(comm));
	first_line(pid, "wchan", wchan, sizeof(wchan));
	printf("#   pid %d (%s) parent %d state %c wchan %s\n", (int)pid, comm,
	       (int)ppid, task_state(pid), wchan);
	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("#     %s", line);
	fclose(f);
}

static void show_tree(void)
{
	int i;

	for (i = 0; i < mine.n; i++)
		show(mine.pid[i], mine.ppid[i]);
}

/* Reap every child that has ended; cmd's status goes into *status. */
static void reap(pid_t cmd, int *status, bool *cmd_done)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid != cmd)
			continue;
		*cmd_done = true;
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

/*
 * Kill the tree until nothing is left of it; a process may fork while this
 * runs, so look again until a scan finds none. False when some are still
 * there after grace seconds.
 */
static bool kill_tree(pid_t cmd, int *status, bool *cmd_done, long grace_ms)
{
	long deadline = now_ms() + grace_ms;
	int i;

	for (;;) {
		reap(cmd, status, cmd_done);
		scan_tree();
		if (!mine.n)
			return true;
		if (now_ms() > deadline)
			return false;
		for (i = 0; i < mine.n; i++)
			kill(mine.pid[i], SIGKILL);
		sleep_ms(10);
	}
}

static int bad_usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-t SECONDS] [-g GRACE] CMD [ARG...]\n",
		argv0);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	long seconds = 0, grace = 10, deadline = 0;
	int opt, status = 0;
	bool cmd_done = false, timed_out = false;
	sigset_t chld;
	pid_t cmd;

	while ((opt = getopt(argc, argv, "+t:g:")) != -1) {
		switch (opt) {
		case 't':
			seconds = atol(optarg);
			break;
		case 'g':
			grace = atol(optarg);
			break;
		default:
			return bad_usage(argv[0]);
		}
	}
	if (optind >= argc || seconds < 0 || grace <= 0)
		return bad_usage(argv[0]);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		perror("subreaper: PR_SET_CHILD_SUBREAPER");
		return EX_OSERR;
	}
	/* SIGCHLD is taken with sigtimedwait(): blocked, never handled. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	fflush(stdout);
	cmd = fork();
	if (cmd < 0) {
		perror("subreaper: fork");
		return EX_OSERR;
	}
	if (!cmd) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "subreaper: %s: %s\n", argv[optind],
			strerror(errno));
		_exit(127);
	}
	if (seconds)
		deadline = now_ms() + seconds * 1000;
	while (!cmd_done) {
		struct timespec wait = { 0, 100 * 1000000L };

		sigtimedwait(&chld, NULL, &wait);
		reap(cmd, &status, &cmd_done);
		if (!cmd_done && deadline && now_ms() >= deadline) {
			timed_out = true;
			scan_tree();
			printf("# TIMEOUT after %ld s; what was running:\n",
			       seconds);
			show_tree();
			break;
		}
	}
	if (!kill_tree(cmd, &status, &cmd_done, grace * 1000)) {
		printf("# FAIL: %d process(es) stuck in the kernel, %ld s after SIGKILL:\n",
		       mine.n, grace);
		show_tree();
		return 125;
	}
	fflush(stdout);
	return timed_out ? 124 : status;
}
