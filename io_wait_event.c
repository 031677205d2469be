// SPDX-License-Identifier: GPL-2.0
/*
 * Two kernel threads share a counter: "io_wait_waker" increments it every
 * interval_ms and calls wake_up(), "io_wait_waiter" sleeps in io_wait_event()
 * until it exceeds threshold and then reports it every interval. It teaches
 * io_wait_event() and wake_up() on a wait queue, and why every sleep of a
 * kthread must also end when kthread_stop() asks it to.
 *
 * io_wait_event() is wait_event() sleeping in io_schedule() instead of
 * schedule(): while the waiter sleeps (uninterruptibly, state D) it counts as
 * waiting for I/O, and the idle time of its CPU shows as iowait in /proc/stat
 * and top's "wa".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/wait.h>

#define CREATE_TRACE_POINTS
#include "io_wait_event_trace.h"

/*
 * The waiter sleeps in io_wait_event() uninterruptibly (state D), and the
 * hung-task detector reports a task that stays in D without being scheduled
 * for 120 s on Debian's kernels and 20 s on the project's debug kernel. The
 * waker wakes it every interval, so the interval alone bounds that stretch,
 * however high the threshold: ten seconds keeps well clear of both. Below ten
 * milliseconds the two threads would mostly flood the kernel log.
 */
#define INTERVAL_MIN_MS 10
#define INTERVAL_MAX_MS 10000

static unsigned int interval_ms = 1000;
module_param(interval_ms, uint, 0444);
MODULE_PARM_DESC(interval_ms, "ms between increments, 10-10000 (default 1000)");

/* The counter is an int: it can only pass a threshold below INT_MAX. */
static unsigned int threshold = 3;
module_param(threshold, uint, 0444);
MODULE_PARM_DESC(threshold, "Value to exceed, 0-2147483646 (default 3)");

static atomic_t count = ATOMIC_INIT(0);

/* The waiter sleeps here until the counter passes the threshold. */
static DECLARE_WAIT_QUEUE_HEAD(count_wq);

static struct task_struct *waker;
static struct task_struct *waiter;

/*
 * Both threads pause here between two rounds, in an idle sleep (TASK_IDLE,
 * state I): like D it ignores signals, which a kthread never gets, and it
 * counts neither as load nor for the hung-task detector. Nothing else wakes
 * it: kthread_stop() wakes the thread itself, and kthread_should_stop() is
 * then true, so a pause ends at once instead of delaying the unload by an
 * interval. The state is set before the look at the stop bit: either the
 * look sees the bit, or kthread_stop() finds the thread asleep and wakes it.
 */
static void pause_one_interval(void)
{
	set_current_state(TASK_IDLE);
	if (!kthread_should_stop())
		schedule_timeout(msecs_to_jiffies(interval_ms));
	__set_current_state(TASK_RUNNING);
}

/* The seed tested only the counter, so rmmod before it passed hung for ever. */
static bool passed_or_stopping(void)
{
	return atomic_read(&count) > (int)threshold || kthread_should_stop();
}

/*
 * Both thread functions loop until kthread_should_stop(): one that returned
 * earlier would leave kthread_stop() a task that may already be freed.
 */
static int waker_fn(void *unused)
{
	while (!kthread_should_stop()) {
		pr_info("wake thread execution i value = %d\n",
			atomic_read(&count));
		atomic_inc(&count);
		trace_io_wait_event_wake(atomic_read(&count));
		/*
		 * After the increment, never before. atomic_inc() orders nothing,
		 * but wake_up() takes the queue's lock, which pairs with the one
		 * io_wait_event() queues the waiter under before it reads the
		 * counter: either the waiter reads the new value, or this finds
		 * it on the queue and wakes it.
		 */
		wake_up(&count_wq);
		pause_one_interval();
	}
	return 0;
}

static int waiter_fn(void *unused)
{
	for (;;) {
		io_wait_event(count_wq, passed_or_stopping());
		if (kthread_should_stop())
			break;
		trace_io_wait_event_passed(atomic_read(&count), threshold);
		pr_info("wait thread execution i value = %d\n",
			atomic_read(&count));
		pause_one_interval();
	}
	return 0;
}

static int __init io_wait_event_init(void)
{
	int ret;

	if (interval_ms < INTERVAL_MIN_MS || interval_ms > INTERVAL_MAX_MS) {
		pr_err("interval_ms=%u is outside %u-%u\n", interval_ms,
		       INTERVAL_MIN_MS, INTERVAL_MAX_MS);
		return -EINVAL;
	}
	if (threshold >= INT_MAX) {
		pr_err("threshold=%u is not below %d\n", threshold, INT_MAX);
		return -EINVAL;
	}

	/* Before kthread_run(): the waker may log its first line at once. */
	pr_info("starting waker and waiter: interval %u ms, threshold %u\n",
		interval_ms, threshold);
	waker = kthread_run(waker_fn, NULL, "io_wait_waker");
	if (IS_ERR(waker))
		return PTR_ERR(waker);

	waiter = kthread_run(waiter_fn, NULL, "io_wait_waiter");
	if (IS_ERR(waiter)) {
		ret = PTR_ERR(waiter);
		goto stop_waker;
	}

	return 0;

stop_waker:
	kthread_stop(waker);
	return ret;
}

static void __exit io_wait_event_exit(void)
{
	kthread_stop(waiter);
	kthread_stop(waker);
	pr_info("waker and waiter stopped\n");
}

module_init(io_wait_event_init);
module_exit(io_wait_event_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("waitq-lab developers");
MODULE_DESCRIPTION("io_wait_event() between two kthreads that stop promptly");
MODULE_VERSION("1.0");
