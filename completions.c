// SPDX-License-Identifier: GPL-2.0
/*
 * Two kernel threads, "KThread Crank" and "KThread Flywheel": the flywheel is
 * woken first, yet it spins up only after the crank has turned, because it
 * waits on a completion the crank signals. It teaches completions as one-shot
 * "this has happened" events, and how a module waits until its threads have
 * left its code before it lets itself be unloaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/version.h>

#define CREATE_TRACE_POINTS
#include "completions_trace.h"

/*
 * The crank waits uninterruptibly (state D) and the hung-task detector
 * reports a D-state task after 120 s on Debian's kernels and after 20 s on
 * the project's debug kernel; ten seconds keeps well clear of both.
 */
#define CRANK_DELAY_MAX_MS 10000

static unsigned int crank_delay_ms;
module_param(crank_delay_ms, uint, 0444);
MODULE_PARM_DESC(crank_delay_ms, "ms the crank waits, 0-10000 (default 0)");

/* The crank has turned: the flywheel may spin up. */
static DECLARE_COMPLETION(crank_turned);

/* The module is going away: the crank turns now rather than finish its delay. */
static DECLARE_COMPLETION(unloading);

/*
 * Each thread's last act is to signal one of these from kthread code, outside
 * this module, so once exit has seen both, no thread can run module code.
 */
static DECLARE_COMPLETION(crank_done);
static DECLARE_COMPLETION(flywheel_done);

static void __noreturn thread_done(struct completion *done)
{
#if KERNEL_VERSION(5, 17, 0) <= LINUX_VERSION_CODE
	kthread_complete_and_exit(done, 0);
#else
	complete_and_exit(done, 0);
#endif
}

static int crank_fn(void *unused)
{
	/* Timed out or cut short by unloading, the crank turns all the same. */
	if (crank_delay_ms)
		wait_for_completion_timeout(&unloading,
					    msecs_to_jiffies(crank_delay_ms));
	pr_info("Turn the crank\n");
	trace_completions_crank_turned(crank_delay_ms);
	complete(&crank_turned);
	thread_done(&crank_done);
}

static int flywheel_fn(void *unused)
{
	wait_for_completion(&crank_turned);
	trace_completions_flywheel_released(crank_delay_ms);
	pr_info("Flywheel spins up\n");
	thread_done(&flywheel_done);
}

static int __init completions_init(void)
{
	struct task_struct *crank;
	struct task_struct *flywheel;
	int ret;

	if (crank_delay_ms > CRANK_DELAY_MAX_MS) {
		pr_err("crank_delay_ms=%u is above %u\n", crank_delay_ms,
		       CRANK_DELAY_MAX_MS);
		return -EINVAL;
	}

	pr_info("completions example\n");

	crank = kthread_create(crank_fn, NULL, "KThread Crank");
	if (IS_ERR(crank))
		return PTR_ERR(crank);

	flywheel = kthread_create(flywheel_fn, NULL, "KThread Flywheel");
	if (IS_ERR(flywheel)) {
		ret = PTR_ERR(flywheel);
		goto stop_crank;
	}

	/* Flywheel first: the completion, not the wake-up order, sets the order. */
	wake_up_process(flywheel);
	wake_up_process(crank);
	return 0;

stop_crank:
	/* Never woken, the crank exits without running crank_fn(). */
	kthread_stop(crank);
	return ret;
}

static void __exit completions_exit(void)
{
	complete_all(&unloading);
	wait_for_completion(&crank_done);
	wait_for_completion(&flywheel_done);
	pr_info("completions exit\n");
}

module_init(completions_init);
module_exit(completions_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("waitq-lab developers");
MODULE_DESCRIPTION("Two kthreads ordered by completions; exit waits for both");
MODULE_VERSION("1.0");
