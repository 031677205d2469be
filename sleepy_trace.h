/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of /dev/sleepy (sleepy.c): each write accepted, and each read
 * that takes one. The scheduler's events show which reader a write woke.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sleepy

#if !defined(_SLEEPY_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SLEEPY_TRACE_H

#include <linux/tracepoint.h>

/**
 * sleepy_write - a write is accepted and counted
 * @pending: writes not yet taken by a read, this one included
 */
TRACE_EVENT(sleepy_write,

	TP_PROTO(int pending),

	TP_ARGS(pending),

	TP_STRUCT__entry(
		__field(int, pending)
	),

	TP_fast_assign(
		__entry->pending	= pending;
	),

	TP_printk("pending=%d", __entry->pending)
);

/**
 * sleepy_take - the current read takes a write; recorded only when it did
 * @took: a write was taken (the event's condition)
 * @pending: writes left for other reads
 */
TRACE_EVENT_CONDITION(sleepy_take,

	TP_PROTO(bool took, int pending),

	TP_ARGS(took, pending),

	TP_CONDITION(took),

	TP_STRUCT__entry(
		__field(int, pending)
	),

	TP_fast_assign(
		__entry->pending	= pending;
	),

	TP_printk("pending=%d", __entry->pending)
);

#endif /* _SLEEPY_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE sleepy_trace
#include <trace/define_trace.h>
