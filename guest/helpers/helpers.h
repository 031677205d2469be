/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small pieces shared by the test helpers in this folder. Each helper is one
 * static program; these are static inline so each takes only what it uses.
 */
#ifndef WAITQ_TEST_HELPERS_H
#define WAITQ_TEST_HELPERS_H

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Milliseconds on the monotonic clock, for deadlines and durations. */
static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms milliseconds, resuming after handled signals. */
static inline void sleep_ms(long ms)
{
	struct timespec left = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&left, &left) && errno == EINTR)
		;
}

/* Voluntary context switches of task pid so far, or -1. */
static inline long task_voluntary_switches(pid_t pid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * Voluntary context switches of the calling thread so far, or -1. From
 * getrusage(), not /proc: reading a /proc file may itself sleep (on
 * PREEMPT_RT its locks do), and so count in what it measures.
 */
static inline long voluntary_switches(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? -1 : ru.ru_nvcsw;
}

/*
 * The one-letter scheduler state (R, S, D...) in a /proc/PID/stat line: the
 * field after the ")" that ends the name, or '?'.
 */
static inline char stat_state(const char *line)
{
	const char *p = strrchr(line, ')');

	return p && p[1] == ' ' ? p[2] : '?';
}

/* The scheduler state of task pid, or '?'. */
static inline char task_state(pid_t pid)
{
	char path[64], buf[512];
	FILE *f;
	char state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return '?';
	state = fgets(buf, sizeof(buf), f) ? stat_state(buf) : '?';
	fclose(f);
	return state;
}

/* Move task pid (0: this process) to CPU cpu alone: 0, or -1 (errno set). */
static inline int pin(pid_t pid, int cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	return sched_setaffinity(pid, sizeof(cpus), &cpus);
}

/*
 * Run this process at SCHED_FIFO priority prio, policy_flags (such as
 * SCHED_RESET_ON_FORK) or-ed in: 0, or -1 (errno set).
 */
static inline int run_fifo(int prio, int policy_flags)
{
	struct sched_param param = { .sched_priority = prio };

	return sched_setscheduler(0, SCHED_FIFO | policy_flags, &param);
}

/* Become user uid and group gid, with no other groups: 0, or -1. */
static inline int become(unsigned int uid, unsigned int gid)
{
	return setgroups(0, NULL) || setgid(gid) || setuid(uid) ? -1 : 0;
}

/* become() from "UID:GID". */
static inline int become_ids(const char *ids)
{
	unsigned int uid, gid;

	if (sscanf(ids, "%u:%u", &uid, &gid) != 2)
		return -1;
	return become(uid, gid);
}

#endif
