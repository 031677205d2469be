/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the crank and the flywheel (completions.c): the crank turns
 * (it completes crank_turned) and the flywheel's wait for that ends.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM completions

#if !defined(_COMPLETIONS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _COMPLETIONS_TRACE_H

#include <linux/tracepoint.h>

/*
 * Both events carry the crank's delay: one class, two events, as the kernel's
 * own headers share a layout (DECLARE_EVENT_CLASS, then DEFINE_EVENT).
 */
DECLARE_EVENT_CLASS(completions_step,

	TP_PROTO(unsigned int delay_ms),

	TP_ARGS(delay_ms),

	TP_STRUCT__entry(
		__field(unsigned int, delay_ms)
	),

	TP_fast_assign(
		__entry->delay_ms	= delay_ms;
	),

	TP_printk("delay_ms=%u", __entry->delay_ms)
);

/**
 * completions_crank_turned - the crank completes crank_turned
 * @delay_ms: crank_delay_ms, what it waited first (less if cut short)
 */
DEFINE_EVENT(completions_step, completions_crank_turned,
	TP_PROTO(unsigned int delay_ms),
	TP_ARGS(delay_ms)
);

/**
 * completions_flywheel_released - the flywheel's wait for the crank ends
 * @delay_ms: crank_delay_ms, the delay it waited behind
 */
DEFINE_EVENT(completions_step, completions_flywheel_released,
	TP_PROTO(unsigned int delay_ms),
	TP_ARGS(delay_ms)
);

#endif /* _COMPLETIONS_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE completions_trace
#include <trace/define_trace.h>
