/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of /proc/sleep (sleep.c): which opener got the file and who
 * released it. The scheduler's events show the sleeps and wake-ups between.
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

#endif /* _SLEEP_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE sleep_trace
#include <trace/define_trace.h>
