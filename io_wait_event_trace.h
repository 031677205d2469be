/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of io_wait_event.c: the waker's counter after each increment,
 * and the waiter finding its condition met.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM io_wait_event

#if !defined(_IO_WAIT_EVENT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _IO_WAIT_EVENT_TRACE_H

#include <linux/tracepoint.h>

/**
 * io_wait_event_wake - the waker increments the counter and wakes the waiter
 * @count: the counter after the increment
 */
TRACE_EVENT(io_wait_event_wake,

	TP_PROTO(int count),

	TP_ARGS(count),

	TP_STRUCT__entry(
		__field(int, count)
	),

	TP_fast_assign(
		__entry->count	= count;
	),

	TP_printk("count=%d", __entry->count)
);

/**
 * io_wait_event_passed - the waiter's io_wait_event() returns: condition met
 * @count: the counter it saw
 * @threshold: the value the counter had to exceed
 */
TRACE_EVENT(io_wait_event_passed,

	TP_PROTO(int count, unsigned int threshold),

	TP_ARGS(count, threshold),

	TP_STRUCT__entry(
		__field(int, count)
		__field(unsigned int, threshold)
	),

	TP_fast_assign(
		__entry->count		= count;
		__entry->threshold	= threshold;
	),

	TP_printk("count=%d threshold=%u", __entry->count, __entry->threshold)
);

#endif /* _IO_WAIT_EVENT_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE io_wait_event_trace
#include <trace/define_trace.h>
