/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of /proc/sleep (sleep.c): which opener got the file, who
 * released it, which close handed it to a sleeper and which woken sleeper
 * found it taken by a newcomer. The scheduler's events show the sleeps and
 * wake-ups between.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sleep

#if !defined(_SLEEP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SLEEP_TRACE_H

#include <linux/tracepoint.h>

/**
 * sleep_open - an open() of /proc/sleep returns
 * @ret: 0 when the opener now holds the file, else the error it returns
 * @nonblock: the file was opened with O_NONBLOCK
 */
TRACE_EVENT(sleep_open,

	TP_PROTO(int ret, bool nonblock),

	TP_ARGS(ret, nonblock),

	TP_STRUCT__entry(
		__field(int, ret)
		__field(bool, nonblock)
	),

	TP_fast_assign(
		__entry->ret		= ret;
		__entry->nonblock	= nonblock;
	),

	TP_printk("ret=%d nonblock=%d", __entry->ret, __entry->nonblock)
);

/**
 * sleep_release - the holder closes /proc/sleep and wakes the sleepers
 * @wake_all: every sleeper is woken, not just one
 */
TRACE_EVENT(sleep_release,

	TP_PROTO(bool wake_all),

	TP_ARGS(wake_all),

	TP_STRUCT__entry(
		__field(bool, wake_all)
	),

	TP_fast_assign(
		__entry->wake_all	= wake_all;
	),

	TP_printk("wake_all=%d", __entry->wake_all)
);

/**
 * sleep_handoff - a close hands the file to the longest sleeper
 * @pid: the sleeper's
 * @lost: under rule=handoff, it had lost a race for the file (the flag)
 * @passed: under rule=handoff, the closes that freed the file for it first
 */
TRACE_EVENT(sleep_handoff,

	TP_PROTO(pid_t pid, bool lost, unsigned int passed),

	TP_ARGS(pid, lost, passed),

	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(bool, lost)
		__field(unsigned int, passed)
	),

	TP_fast_assign(
		__entry->pid		= pid;
		__entry->lost		= lost;
		__entry->passed		= passed;
	),

	TP_printk("pid=%d lost=%d passed=%u", __entry->pid, __entry->lost,
		  __entry->passed)
);

/**
 * sleep_lost - under rule=handoff, the longest sleeper, woken to take the
 *	file a close freed, finds it taken and asks for the next close
 * @passed: the closes that freed the file for it so far
 */
TRACE_EVENT(sleep_lost,

	TP_PROTO(unsigned int passed),

	TP_ARGS(passed),

	TP_STRUCT__entry(
		__field(unsigned int, passed)
	),

	TP_fast_assign(
		__entry->passed		= passed;
	),

	TP_printk("passed=%u", __entry->passed)
);

#endif /* _SLEEP_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE sleep_trace
#include <trace/define_trace.h>
