// SPDX-License-Identifier: GPL-2.0
/*
 * Load a module once per fault-injection point of its load, failing a
 * different point each time, for guest/tests/faults.sh. Each load arms
 * /proc/thread-self/fail-nth with N and calls finit_module() from this very
 * thread, so only the load's own points count (load_module() and the
 * module's init): N = 1, 2, ... fails each of them once, in order, until a
 * load reaches none.
 *
 *   fail_nth_sweep MODULE.ko NAME [-a PATH]... [-t COMM_PREFIX]...
 *
 * After a load that an injected fault made fail, nothing may be left: no
 * module NAME in /proc/modules, no PATH (-a), no task whose name starts
 * with COMM_PREFIX (-t). A load that survived its fault is unloaded. The
 * last, fault-free load stays loaded.
 *
 * Each injected load is bracketed in the kernel log by
 * "waitq-fault-injection: on/off", so that vm/vm can tell the kernel's
 * own reports of a failed allocation from a splat.
 *
 * Prints "points=N failed=F survived=S". Exit status: 0 swept and clean,
 * 1 a leftover or an unexpected result (printed), 64 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define MAX_POINTS 3000 /* more than any of our loads has */
#define MAX_CHECKS 16
#define SETTLE_MS 2000 /* bound on a stopped kthread leaving /proc */

static const char *absent[MAX_CHECKS];
static const char *no_task[MAX_CHECKS];
static int n_absent, n_no_task;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void mark_log(const char *line)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, line, strlen(line)) < 0)
		die("/dev/kmsg");
	close(fd);
}

static bool module_loaded(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	bool found = false;
	FILE *f = fopen("/proc/modules", "re");

	if (!f)
		die("/proc/modules");
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, name, len) && line[len] == ' ';
	fclose(f);
	return found;
}

/* The name of a task whose name starts with prefix, or NULL. */
static const char *task_named(const char *prefix, char *comm, size_t size)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	const char *found = NULL;

	if (!proc)
		die("/proc");
	while (!found && (d = readdir(proc))) {
		char path[300];
		FILE *f;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue; /* it has just exited */
		if (fgets(comm, (int)size, f) &&
		    !strncmp(comm, prefix, strlen(prefix))) {
			comm[strcspn(comm, "\n")] = '\0';
			found = comm;
		}
		fclose(f);
	}
	closedir(proc);
	return found;
}

/* What a failed load left behind, or NULL. */
static const char *leftover(const char *name, char *buf, size_t size)
{
	char comm[64];
	int i;

	if (module_loaded(name))
		return "the module";
	for (i = 0; i < n_absent; i++)
		if (access(absent[i], F_OK) == 0)
			return absent[i];
	for (i = 0; i < n_no_task; i++)
		if (task_named(no_task[i], comm, sizeof(comm))) {
			snprintf(buf, size, "task '%s'", comm);
			return buf;
		}
	return NULL;
}

int main(int argc, char *argv[])
{
	int failed = 0, survived = 0, n, opt, ko, nth;
	const char *path, *name, *left;
	char buf[300];

	while ((opt = getopt(argc, argv, "a:t:")) != -1) {
		if (opt == 'a' && n_absent < MAX_CHECKS)
			absent[n_absent++] = optarg;
		else if (opt == 't' && n_no_task < MAX_CHECKS)
			no_task[n_no_task++] = optarg;
		else
			goto usage;
	}
	if (argc - optind != 2)
		goto usage;
	path = argv[optind];
	name = argv[optind + 1];

	ko = open(path, O_RDONLY | O_CLOEXEC);
	if (ko < 0)
		die(path);
	nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth < 0)
		die("/proc/thread-self/fail-nth");

	for (n = 1; n <= MAX_POINTS; n++) {
		int len, rc, err, waited;
		bool injected;
		ssize_t got;

		mark_log("waitq-fault-injection: on\n");
		len = snprintf(buf, sizeof(buf), "%d", n);
		if (write(nth, buf, (size_t)len) != len)
			die("arming fail-nth");
		rc = (int)syscall(SYS_finit_module, ko, "", 0);
		err = errno;
		/* 0: the n-th point was reached, and failed. */
		got = pread(nth, buf, sizeof(buf) - 1, 0);
		if (got <= 0)
			die("reading fail-nth");
		buf[got] = '\0';
		injected = atoi(buf) == 0;
		/* Disarm, so the rest of this loop runs normally. */
		if (write(nth, "0", 1) != 1)
			die("disarming fail-nth");
		mark_log("waitq-fault-injection: off\n");

		if (!injected) {
			if (rc != 0) {
				printf("the fault-free load failed: %s\n",
				       strerrorname_np(err));
				return 1;
			}
			printf("points=%d failed=%d survived=%d\n", n - 1,
			       failed, survived);
			return 0;
		}
		if (rc == 0) {
			/* The fault had a fallback: the module must unload. */
			survived++;
			if (syscall(SYS_delete_module, name, O_NONBLOCK))
				die("delete_module after a survived fault");
			continue;
		}
		failed++;
		/* A stopped kthread may take a moment to leave /proc. */
		waited = 0;
		while ((left = leftover(name, buf, sizeof(buf))) &&
		       waited < SETTLE_MS) {
			sleep_ms(10);
			waited += 10;
		}
		if (left) {
			printf("fault %d failed the load (%s) but left %s\n", n,
			       strerrorname_np(err), left);
			return 1;
		}
	}
	printf("more than %d fault points\n", MAX_POINTS);
	return 1;

usage:
	fprintf(stderr, "usage: %s MODULE.ko NAME [-a PATH]... [-t COMM]...\n",
		argv[0]);
	return EX_USAGE;
}
