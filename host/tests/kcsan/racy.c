// SPDX-License-Identifier: GPL-2.0
/*
 * racy: a test-only module with a data race on purpose, to prove that a
 * KCSAN kernel reports one. Two kthreads count on one int: with plain
 * accesses (the seed sleepy's shared flag, in short) the race is reported;
 * with marked=1 they count with atomic_inc() and nothing is.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static bool marked;
module_param(marked, bool, 0444);
MODULE_PARM_DESC(marked, "Count with atomic_inc(), no race (default N)");

static int racy_plain;
static atomic_t racy_atomic = ATOMIC_INIT(0);
static struct task_struct *racy_threads[2];

/* Count until stopped; cond_resched() lets rmmod's kthread_stop() in. */
static int racy_count(void *unused)
{
	while (!kthread_should_stop()) {
		if (marked)
			atomic_inc(&racy_atomic);
		else
			racy_plain++;
		cond_resched();
	}
	return 0;
}

static int __init racy_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(racy_threads); i++) {
		racy_threads[i] = kthread_run(racy_count, NULL, "racy/%d", i);
		if (IS_ERR(racy_threads[i])) {
			int ret = PTR_ERR(racy_threads[i]);

			while (--i >= 0)
				kthread_stop(racy_threads[i]);
			return ret;
		}
	}
	pr_info("counting with %s accesses\n", marked ? "atomic" : "plain");
	return 0;
}

static void __exit racy_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(racy_threads); i++)
		kthread_stop(racy_threads[i]);
	pr_info("counted %d\n",
		marked ? atomic_read(&racy_atomic) : racy_plain);
}

module_init(racy_init);
module_exit(racy_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A data race on purpose, for the KCSAN kernel's test");
